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


# What readers see of a person: bylines, author archives and comments show these.
NAME_FIELDS = frozenset({"display_name", "first_name", "last_name", "username", "bio"})


def names_may_have_changed(update_fields: Any) -> bool:
    """Could a save with these ``update_fields`` change what readers see of a person? (A
    sign-in saves only ``last_login``.)"""
    return update_fields is None or bool(NAME_FIELDS & set(update_fields))


def user_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A person's name is on every page they wrote or commented on: drop cached pages."""
    from byline.core import pagecache

    if not kwargs.get("created") and names_may_have_changed(kwargs.get("update_fields")):
        pagecache.invalidate(pagecache.SITE)
