"""The one way a comment comes in: a validated submission → a stored comment with its verdict.

Every door — the form under a post, the JSON API, the embed, the demo loader — builds a
``Submission`` (``services.validate_submission``) and an ``Origin`` (where it came from and
what a screening may look at), then calls ``receive``. Edits within the window go through
``revise``. Discussion owns comments; it does not know how they are judged. Moderation plugs in
as the screening step (``use_screening``, from ``ModerationConfig.ready``): it may send the
submission back (``TryLater``: a rate limit; ``Reconsider``: the nudge) before anything is
stored, and it says whether the comment is public at once, held or filed as spam. Without a
screening (discussion on its own), every comment is public at once.

Imports are the one other writer of comments: ``migration.importing.place_comments`` stores
whole threads as the archive had them (and, with ``--moderate``, screens them afterwards).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from byline.accounts.models import User
from byline.discussion.models import Comment
from byline.discussion.services import Submission, edit_comment, post_comment

APPROVE, HOLD, SPAM = "approve", "hold", "spam"


@dataclass(frozen=True)
class Origin:
    """Where a submission came from, and what a screening may look at besides the text."""

    channel: str  # "form", "api", "embed", "demo"
    ip: str | None = None
    user_agent: str = ""
    honeypot: str = ""
    # The signed time the form was shown ("" when a form sent none; None: not from a form).
    form_stamp: str | None = None
    nudge_acknowledged: bool = False
    # The address this reader's browser proved by a verification link, if any.
    proven_email: str = ""
    rate_limit: bool = True
    now: datetime | None = None


class Refused(Exception):
    """The submission goes back to its writer, unstored, with everything they typed."""


class TryLater(Refused):
    """Too many submissions (or the counters are down): ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Reconsider(Refused):
    """The writer is asked to revise, or to confirm they mean it (the nudge)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Decision:
    """A screening's answer: the outcome and what is stored with the comment about it."""

    outcome: str = APPROVE  # approve, hold or spam
    record: dict[str, Any] | None = None
    detail: Any = None  # the screening's own object, handed back to ``stored``


class Screening(Protocol):
    """What moderation provides to discussion (see ``byline.moderation.intake_screening``)."""

    def screen(self, submission: Submission, origin: Origin) -> Decision:
        """Judge a submission before it is stored; may raise ``TryLater``/``Reconsider``."""
        ...

    def stored(self, comment: Comment, decision: Decision, origin: Origin) -> None:
        """Inside the storing transaction: record the decision (the audit log)."""
        ...

    def done(self, comment: Comment, origin: Origin) -> None:
        """After the transaction (spend the form's stamp, and the like)."""
        ...

    def revise(
        self, comment: Comment, body: str, *, user: User | None, owned_ids: frozenset[int]
    ) -> Comment:
        """Store an edit and judge the new text, in one transaction."""
        ...

    def standing_notes(self, request: HttpRequest, own: list[Comment]) -> dict[int, str]:
        """For a visitor's own comments that are not public: what they are told (why, and
        how to ask for another look), as HTML for this visitor only, by comment id."""
        ...


class _PublishEverything:
    """Discussion without moderation: every comment is public at once."""

    def screen(self, submission: Submission, origin: Origin) -> Decision:
        return Decision(APPROVE, {})

    def stored(self, comment: Comment, decision: Decision, origin: Origin) -> None:
        return None

    def done(self, comment: Comment, origin: Origin) -> None:
        return None

    def revise(
        self, comment: Comment, body: str, *, user: User | None, owned_ids: frozenset[int]
    ) -> Comment:
        return edit_comment(comment, body, user=user, owned_ids=owned_ids)

    def standing_notes(self, request: HttpRequest, own: list[Comment]) -> dict[int, str]:
        return {}


_screening: Screening = _PublishEverything()


def screening() -> Screening:
    """The screening in use."""
    return _screening


def use_screening(screening: Screening) -> None:
    """Plug in the step that judges submissions (moderation does, when the app is ready)."""
    global _screening
    _screening = screening


def receive(submission: Submission, origin: Origin) -> Comment:
    """Turn a validated submission into a stored comment, judged by the screening.

    Raises ``TryLater`` (answer 429 with ``Retry-After``) or ``Reconsider`` (the nudge) before
    anything is stored; the caller shows the writer their text again in both cases.
    """
    if origin.now is None:
        origin = Origin(**{**origin.__dict__, "now": timezone.now()})
    decision = _screening.screen(submission, origin)
    with transaction.atomic():
        comment = post_comment(
            submission,
            ip_address=origin.ip,
            user_agent=origin.user_agent,
            now=origin.now,
            outcome=decision.outcome,
            moderation=decision.record or {},
        )
        _screening.stored(comment, decision, origin)
    # After the commit: even if a later step failed, a retry is then held, never lost.
    _screening.done(comment, origin)
    return comment


def revise(
    comment: Comment,
    body: str,
    *,
    user: User | None,
    owned_ids: set[int] | frozenset[int] = frozenset(),
) -> Comment:
    """A writer's edit within the window: stored, and the new text judged like new text.
    Raises ``ValidationError`` (the text is kept by the caller) or ``PermissionDenied``."""
    return _screening.revise(comment, body, user=user, owned_ids=frozenset(owned_ids))
