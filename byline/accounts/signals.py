"""Keep the role groups in step with ``ROLE_PERMISSIONS`` after every migrate."""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps


def sync_roles(sender: Any = None, **kwargs: Any) -> None:
    """Create the role groups and give each exactly the permissions its role lists."""
    from django.contrib.auth.models import Group, Permission

    from byline.accounts.roles import ROLE_PERMISSIONS

    # The global registry, not the migration state: roles refer to the current models.
    if not global_apps.is_installed("byline.discussion"):
        return
    for group_name, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)
