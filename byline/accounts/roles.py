"""The roles a Byline site has, as Django groups with permissions.

WordPress users know these roles: an *author* writes and publishes their own posts, an *editor*
edits and publishes everybody's, a *moderator* handles reader comments. Admins are superusers.
The groups are created by a migration so every site has them from the start.
"""

from __future__ import annotations

from typing import Any, Final

from django.core.exceptions import PermissionDenied

EDITOR: Final = "Editors"
AUTHOR: Final = "Authors"
MODERATOR: Final = "Moderators"
MODERATE_COMMENTS: Final = "discussion.moderate_comments"

# app_label.codename for each role.
ROLE_PERMISSIONS: Final[dict[str, list[str]]] = {
    EDITOR: [
        "publishing.add_post",
        "publishing.change_post",
        "publishing.delete_post",
        "publishing.view_post",
        "publishing.publish_post",
        "publishing.edit_others_posts",
        "publishing.view_postrevision",
        "publishing.add_category",
        "publishing.change_category",
        "publishing.view_category",
        "publishing.add_tag",
        "publishing.change_tag",
        "publishing.view_tag",
        "discussion.view_comment",
        "discussion.change_comment",
        MODERATE_COMMENTS,
    ],
    AUTHOR: [
        "publishing.add_post",
        "publishing.change_post",
        "publishing.view_post",
        "publishing.publish_post",
        "publishing.view_postrevision",
        "publishing.view_category",
        "publishing.add_tag",
        "publishing.view_tag",
    ],
    MODERATOR: [
        "discussion.view_comment",
        "discussion.change_comment",
        MODERATE_COMMENTS,
    ],
}


def is_moderator(user: Any) -> bool:
    """May ``user`` moderate comments (queue, actions, moderation admin)? The one test of it."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(MODERATE_COMMENTS))


def require_moderator(user: Any) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may moderate comments."""
    if not is_moderator(user):
        raise PermissionDenied("Only moderators can do that.")
