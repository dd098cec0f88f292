"""Screening comments that did not come through the form — an import run with
``--moderate``, or ``byline screen_comments`` after word lists or bans change.

Only the phases about a comment's content and author apply (bans, word lists, links,
classifiers): rate limits, bot traps and newcomer trust describe a live submission, and an
archive's comments were already approved on the old site. A flagged public comment is held (or
filed as spam) with the verdict stored on it and an audit row, exactly as a live one would be;
its number stays reserved, so nothing renumbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from byline.accounts.models import User
from byline.discussion.models import Comment
from byline.discussion.services import edit_comment, hold_comment
from byline.moderation import pipeline
from byline.moderation.audit import comment_state, record
from byline.moderation.models import AuditEntry

CONTENT_PHASES = pipeline.CONTENT_PHASES


@dataclass
class ScreenResult:
    checked: int = 0
    held: int = 0
    spam: int = 0

    def summary(self) -> str:
        return f"checked {self.checked:,} comments: {self.held:,} held, {self.spam:,} spam"


def _context(comment: Comment) -> pipeline.Context:
    return pipeline.Context(
        post_id=comment.post_id,
        body=comment.body,
        name=comment.author_name,
        email=comment.author_email,
        url=comment.author_url,
        user=comment.user,
        ip=comment.ip_address,
        form_stamp=None,  # not from a form: no nudge, no timing check
        rate_limit=False,
    )


def screen_comment(comment: Comment, *, apply: bool = True) -> pipeline.Verdict:
    """The content phases' verdict on ``comment``; if ``apply``, hold or file it as spam."""
    verdict = pipeline.run(_context(comment), phases=CONTENT_PHASES)
    if apply and verdict.action in (pipeline.HOLD, pipeline.SPAM):
        with transaction.atomic():
            _apply(comment, verdict, comment_state(comment), why="Screening")
    return verdict


def _apply(
    comment: Comment, verdict: pipeline.Verdict, before: dict[str, Any], why: str
) -> Comment:
    """Act on a screening verdict: spam is filed, a hold takes a public comment back to review
    (a held one stays held); the verdict is stored and audited. Inside the caller's
    transaction."""
    public = comment.status == Comment.Status.PUBLIC
    if verdict.action == pipeline.SPAM or (public and verdict.action == pipeline.HOLD):
        comment = hold_comment(comment, spam=verdict.action == pipeline.SPAM)
    comment.moderation = verdict.as_json()
    Comment.objects.filter(pk=comment.pk).update(moderation=comment.moderation)
    record(
        AuditEntry.Action.VERDICT,
        comment=comment,
        reason=f"{why}: {verdict.summary()}",
        before=before,
        after={**comment_state(comment), "verdict": verdict.action, "code": verdict.code},
    )
    return comment


def screen_comments(comments: Iterable[Comment], *, apply: bool = True) -> ScreenResult:
    """Screen public comments one by one (each change is its own transaction)."""
    result = ScreenResult()
    for comment in comments:
        if comment.status != Comment.Status.PUBLIC:
            continue
        verdict = screen_comment(comment, apply=apply)
        result.checked += 1
        result.held += verdict.action == pipeline.HOLD
        result.spam += verdict.action == pipeline.SPAM
    return result


@transaction.atomic
def edit_and_screen(
    comment: Comment,
    body: str,
    *,
    user: User | None,
    owned_ids: set[int] | frozenset[int] = frozenset(),
) -> Comment:
    """A commenter's edit, checked like new text: the content phases run again on the new
    text, in the edit's own transaction. A public comment they flag is held (or filed as spam);
    a held one keeps waiting with its verdict brought up to date, so the queue never shows the
    reasons for text that is gone. The verdict is audited either way."""
    before = comment_state(comment)
    was_public = comment.status == Comment.Status.PUBLIC
    comment = edit_comment(comment, body, user=user, owned_ids=owned_ids)
    # Findings about the submission itself (trust, bot traps…) still hold for a comment that
    # waits; the content ones are replaced by the new text's. A public comment's holds were
    # settled when it was published (a moderator approved the new commenter): carried over,
    # they would send every edit of an approved guest comment back to the queue.
    verdict = pipeline.Verdict()
    stored = pipeline.Verdict.from_json(comment.moderation)
    for finding in stored.findings if stored is not None else []:
        if finding.phase in pipeline.CONTENT_FINDING_PHASES:
            continue
        if was_public and finding.action in (pipeline.HOLD, pipeline.SPAM):
            continue
        verdict.add(finding)
    pipeline.run(_context(comment), phases=CONTENT_PHASES, verdict=verdict)
    return _apply(comment, verdict, before, why="Edited by its writer")
