"""Writing the audit log. Every caller is already inside the transaction of the change it
records, so a change and its audit row commit or roll back together."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from byline.accounts.models import User
from byline.discussion.models import Comment
from byline.moderation.models import AuditEntry


def comment_state(comment: Comment) -> dict[str, Any]:
    """What the audit log keeps of a comment before and after a change."""
    state: dict[str, Any] = {"status": comment.status}
    if comment.number is not None:
        state["number"] = comment.number
    if comment.removal_reason:
        state["removal_reason"] = comment.removal_reason
    return state


def describe(comment: Comment) -> str:
    """A target label that still reads well after the comment is purged."""
    number = f"#{comment.number}" if comment.number else f"id {comment.pk}"
    return f"comment {number} by {comment.display_name} on post {comment.post_id}"[:300]


def record(
    action: str,
    *,
    actor: User | None = None,
    comment: Comment | None = None,
    target: str = "",
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one typed row to the audit log. Must run inside the change's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit rows are written in the same transaction as the change")
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        comment=comment,
        target=target or (describe(comment) if comment is not None else ""),
        reason=reason[:500],
        before=before or {},
        after=after or {},
    )
