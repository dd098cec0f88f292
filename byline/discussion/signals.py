"""What a change to comments drops from the page cache, and which fragments it makes stale."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete

from byline.accounts.models import User
from byline.accounts.signals import names_may_have_changed
from byline.core import pagecache
from byline.discussion.models import Comment


def shown_to_readers(comment: Comment) -> bool:
    """Does (or did) ``comment`` appear on shared pages? Held comments and spam that was never
    public do not; a public, removed or once-numbered comment does."""
    return comment.status in (Comment.Status.PUBLIC, Comment.Status.REMOVED) or (
        comment.number is not None
    )


def _comment_changed(sender: type[Comment], instance: Comment, **kwargs: Any) -> None:
    if shown_to_readers(instance):
        # The post's pages, and the listing pages that show its comment count (they depend on
        # the posts they list); feeds and the sitemap show no comments and stay.
        pagecache.invalidate(pagecache.post_part(instance.post_id))


def _user_changed(sender: type[User], instance: User, **kwargs: Any) -> None:
    if not kwargs.get("created") and names_may_have_changed(kwargs.get("update_fields")):
        # Their comments' fragments show their name: render them again when next shown.
        Comment.objects.filter(user_id=instance.pk).exclude(html_key="").update(html_key="")


def _user_leaving(sender: type[User], instance: User, **kwargs: Any) -> None:
    # Their comments stay, under the name they typed; the fragments must say so.
    Comment.objects.filter(user_id=instance.pk).update(html_key="")


def connect() -> None:
    post_save.connect(_comment_changed, sender=Comment, dispatch_uid="pagecache-comment-save")
    post_delete.connect(_comment_changed, sender=Comment, dispatch_uid="pagecache-comment-del")
    post_save.connect(_user_changed, sender=User, dispatch_uid="fragments-user-save")
    pre_delete.connect(_user_leaving, sender=User, dispatch_uid="fragments-user-delete")
