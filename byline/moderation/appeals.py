"""Appeals: a commenter asks, once, for another look at their held, spam or removed comment.

The rules, in one place (the reader's page, the thread, the queue and the tests call these):

* Only the comment's author may see why it is not public and ask: the account that wrote it,
  or, for a guest, the browser session that posted it (``discussion.ownership``, the same proof
  that shows a guest their own comment awaiting moderation). Anyone else is told nothing.
* Only while the comment is held, filed as spam or removed; once per comment, ever (a unique
  link in the database backs the rule); with a note of at most ``NOTE_MAX`` characters;
  rate-limited per IP address and account (``ratelimits.COMMENT_APPEAL``).
* Asking changes nothing about the comment: not its status, not who can see it, no email. It
  writes the appeal and an audit row, in one transaction.
* A moderator restores the comment (through ``actions.approve``, so the classifiers learn from
  it) or keeps the decision, with an optional note the commenter sees. Any other moderator
  decision on an appealed comment, from any tab, answers its open appeal too (``settle``):
  public afterwards means restored, anything else kept. Each answer is audited in the
  transaction of the change.
* The commenter is shown the reason in plain words (``reason_for``): never the classifiers'
  scores or the words behind them, the term a word list matched, or the details of a ban.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from byline.accounts.models import User
from byline.accounts.roles import require_moderator
from byline.core.clientip import client_ip
from byline.discussion.models import Comment, RemovalReason
from byline.discussion.ownership import owned_comment_ids
from byline.moderation import actions
from byline.moderation.audit import comment_state, record
from byline.moderation.models import Appeal, AuditEntry
from byline.moderation.ratelimits import COMMENT_APPEAL, hit

NOTE_MAX = Appeal._meta.get_field("note").max_length or 0  # the column's length
APPEALABLE = (Comment.Status.PENDING, Comment.Status.SPAM, Comment.Status.REMOVED)

# What the commenter is told, by the status of their comment.
STATE_LABELS: dict[str, str] = {
    Comment.Status.PENDING: "Held for review",
    Comment.Status.SPAM: "Filed as spam",
    Comment.Status.REMOVED: "Removed by a moderator",
    Comment.Status.PUBLIC: "Public",
}
# How a kept decision reads ("A moderator looked again: kept removed").
KEPT_LABELS: dict[str, str] = {
    Comment.Status.PENDING: "kept held for review",
    Comment.Status.SPAM: "kept as spam",
    Comment.Status.REMOVED: "kept removed",
}

# Why the automatic checks held a comment or filed it as spam, by the finding's code, in words
# for the person who wrote it. Deliberately vaguer than the moderator's view: no scores, no
# words that drove them, no matched term, no ban details (each would teach evasion).
_AUTOMATED = (
    "It was sent in a way that looks automated (for example, very soon after the page opened, "
    "or from a page left open for a long time)."
)
HELD_WORDS = {
    "new_commenter": "A moderator reads first comments from new commenters before they appear.",
    "too_many_links": "It has more links than a comment may carry without a moderator's look.",
    "held_term": "It contains a word or phrase this site checks before publishing.",
    "abuse_score": "Our automatic check thought it might come across as abusive or hateful, so "
    "a moderator reads it first.",
    "bad_form_stamp": _AUTOMATED,
    "reused_form_stamp": _AUTOMATED,
    "too_fast": _AUTOMATED,
}
SPAM_WORDS = {
    "spam_score": "Our automatic check took it for spam.",
    "blocked_term": "It contains a word or phrase this site does not accept.",
    "duplicate": "The same text had already been posted here.",
    "flood": "The same text was posted under several posts.",
    "honeypot": _AUTOMATED,
    "too_fast": _AUTOMATED,
    "ban": "Comments from this account or address are not being accepted at the moment.",
}
HELD_DEFAULT = "A moderator will read it before it appears."
HOLD_EVERYTHING = "This site's moderators read every comment before it appears."
SPAM_DEFAULT = "Our automatic checks took it for spam."
SPAM_BY_MODERATOR = "A moderator filed it as spam."

NOT_YOURS = "There is no comment of yours here."
ALREADY = "You already asked for another look at this comment; you can ask once."


@dataclass(frozen=True)
class Commenter:
    """Who is asking: the signed-in account, if any, and the guest comments this browser's
    session posted (see ``discussion.ownership``)."""

    user: User | None = None
    owned_ids: frozenset[int] = frozenset()
    ip: str | None = None


def commenter(request: HttpRequest) -> Commenter:
    """The visitor making ``request``, as a commenter."""
    user = request.user if isinstance(request.user, User) else None
    return Commenter(user=user, owned_ids=owned_comment_ids(request), ip=client_ip(request))


def is_author(comment: Comment, who: Commenter) -> bool:
    """Did ``who`` write ``comment``? An account's comment by that account only; a guest's by
    the session that posted it (as ``discussion.services.can_edit_comment`` decides)."""
    if comment.user_id is not None:
        return who.user is not None and comment.user_id == who.user.pk
    return comment.pk in who.owned_ids


def appeal_of(comment: Comment) -> Appeal | None:
    """The comment's appeal, if it has one (loaded with ``select_related("appeal")`` or not)."""
    try:
        return comment.appeal
    except ObjectDoesNotExist:
        return None


def _filed_by_moderator(ids: Iterable[int]) -> set[int]:
    """Which of these spam comments a moderator (not the automatic checks) filed as spam: the
    latest change of status in the audit log was a person's."""
    wanted = list(ids)
    if not wanted:
        return set()
    changes = (
        AuditEntry.objects.filter(
            comment_id__in=wanted,
            action__in=[
                AuditEntry.Action.VERDICT,
                AuditEntry.Action.APPROVE,
                AuditEntry.Action.SPAM,
                AuditEntry.Action.REMOVE,
            ],
        )
        .order_by("comment_id", "-created_at", "-id")
        .values_list("comment_id", "action", "actor_id")
    )
    latest: dict[int, tuple[str, int | None]] = {}
    for comment_id, action, actor_id in changes:
        if comment_id is not None:
            latest.setdefault(comment_id, (action, actor_id))
    return {pk for pk, (action, actor) in latest.items() if action != "verdict" and actor}


def reason_for(comment: Comment, *, by_moderator: bool | None = None) -> str:
    """Why ``comment`` is not public, in words for the person who wrote it ("" if it is).

    ``by_moderator``: whether a moderator filed it as spam (looked up when not given)."""
    if comment.status == Comment.Status.REMOVED:
        if comment.removal_reason in RemovalReason.values:
            return f"Reason: {RemovalReason(comment.removal_reason).label}."
        return ""
    verdict: Any = comment.moderation if isinstance(comment.moderation, dict) else {}
    code = str(verdict.get("code", ""))
    automatic = str(verdict.get("action", ""))
    if comment.status == Comment.Status.SPAM:
        if by_moderator is None:
            by_moderator = comment.pk in _filed_by_moderator([comment.pk])
        if by_moderator or automatic != "spam":
            return SPAM_BY_MODERATOR
        return SPAM_WORDS.get("ban" if code.startswith("ban_") else code, SPAM_DEFAULT)
    if comment.status == Comment.Status.PENDING:
        if automatic == "hold":
            return HELD_WORDS.get(code, HELD_DEFAULT)
        if automatic == "approve":  # passed every check: the site holds every comment
            return HOLD_EVERYTHING
        return HELD_DEFAULT
    return ""


@dataclass(frozen=True)
class Standing:
    """A comment as its author may see it: its state, why, and their appeal."""

    comment: Comment
    label: str
    reason: str
    appeal: Appeal | None
    can_appeal: bool

    @property
    def hidden(self) -> bool:
        return self.comment.status != Comment.Status.PUBLIC

    @property
    def decision(self) -> str:
        """ "restored", "kept removed"… once a moderator answered the appeal, else ""."""
        appeal = self.appeal
        if appeal is None or appeal.decided_at is None:
            return ""
        if appeal.outcome == Appeal.Outcome.RESTORED:
            return "restored"
        status = self.comment.status if self.hidden else appeal.status_when_asked
        return KEPT_LABELS.get(status, "decision kept")


def refusal(comment: Comment, who: Commenter) -> str | None:
    """Why ``who`` may not appeal ``comment`` now, or None if they may."""
    if not is_author(comment, who):
        return NOT_YOURS
    if comment.status not in APPEALABLE:
        return "This comment is public, so there is nothing to appeal."
    if appeal_of(comment) is not None:
        return ALREADY
    return None


def can_appeal(comment: Comment, who: Commenter) -> bool:
    """May ``who`` ask for another look at ``comment``? Its author, once, while it is held,
    filed as spam or removed."""
    return refusal(comment, who) is None


def standings(comments: Iterable[Comment], who: Commenter) -> dict[int, Standing]:
    """The standing of each comment ``who`` wrote that is not public or was appealed, by id.
    Others' comments are left out. At most one query (for spam: who filed it)."""
    mine = [c for c in comments if is_author(c, who)]
    by_moderator = _filed_by_moderator(c.pk for c in mine if c.status == Comment.Status.SPAM)
    out: dict[int, Standing] = {}
    for comment in mine:
        appeal = appeal_of(comment)
        if comment.status == Comment.Status.PUBLIC and appeal is None:
            continue
        out[comment.pk] = Standing(
            comment=comment,
            label=STATE_LABELS.get(comment.status, comment.get_status_display()),
            reason=reason_for(comment, by_moderator=comment.pk in by_moderator),
            appeal=appeal,
            can_appeal=appeal is None and comment.status in APPEALABLE,
        )
    return out


def load_standings(ids: Iterable[int], who: Commenter) -> dict[int, Standing]:
    """``standings`` of the comments with these ids (one query, two with spam among them)."""
    wanted = list(ids)
    if not wanted:
        return {}
    comments = (
        Comment.objects.filter(pk__in=wanted)
        .select_related("appeal")
        .defer("body", "body_html", "html", "user_agent")
    )
    return standings(comments, who)


def standing(comment: Comment, who: Commenter) -> Standing | None:
    """One comment's standing for ``who`` (None if it is public and was never appealed, or not
    theirs)."""
    return standings([comment], who).get(comment.pk)


def _clean_note(note: str, *, required: bool) -> str:
    text = (note or "").strip()
    if "\x00" in text:
        raise ValidationError({"note": "The note contains a character that cannot be stored."})
    if required and not text:
        raise ValidationError(
            {"note": "Please say in a few words why a moderator should look again."}
        )
    if len(text) > NOTE_MAX:
        raise ValidationError(
            {"note": f"Please keep the note to {NOTE_MAX} characters (it has {len(text):,})."}
        )
    return text


@transaction.atomic
def appeal(comment: Comment, note: str, *, who: Commenter) -> Appeal:
    """``who`` asks for another look at their ``comment``, with a note.

    Raises ``PermissionDenied`` for anyone but the author, ``ValidationError`` when the comment
    cannot be appealed (public, or asked already) or the note is empty or too long, and
    ``RateLimited`` past the limit. Changes nothing about the comment itself."""
    if not is_author(comment, who):
        raise PermissionDenied(NOT_YOURS)
    # Read the status as it is now (a moderator may have acted since the page was shown).
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    why_not = refusal(comment, who)
    if why_not is not None:
        raise ValidationError(why_not)
    text = _clean_note(note, required=True)
    hit(COMMENT_APPEAL, ip=who.ip, account=who.user.pk if who.user is not None else None)
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves this transaction usable
            made = Appeal.objects.create(
                comment=comment,
                note=text,
                status_when_asked=comment.status,
                reason_shown=reason_for(comment)[:300],
                user=who.user,
                ip_address=who.ip or None,
            )
    except IntegrityError:
        raise ValidationError(ALREADY) from None
    state = comment_state(comment)
    record(
        AuditEntry.Action.APPEAL,
        actor=who.user,
        comment=comment,
        reason=text,
        before=state,
        after={**state, "appeal": "open"},
    )
    return made


def _close(appeal: Appeal, *, by: User, restored: bool, note: str, now: datetime) -> None:
    appeal.decided_at = now
    appeal.decided_by = by
    appeal.outcome = Appeal.Outcome.RESTORED if restored else Appeal.Outcome.KEPT
    appeal.decision_note = note
    appeal.save(update_fields=["decided_at", "decided_by", "outcome", "decision_note"])


@transaction.atomic
def decide_appeal(appeal: Appeal, *, by: User, uphold: bool, note: str = "") -> Appeal:
    """A moderator answers an appeal: ``uphold`` keeps the comment as it is; otherwise it is
    restored (approved through ``actions.approve``: published, numbered, learned from). The
    note, if any, is shown to the commenter. Audited in this transaction."""
    require_moderator(by)
    text = _clean_note(note, required=False)
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.decided_at is not None:
        when = timezone.localtime(appeal.decided_at)
        raise ValidationError(f"This appeal was already answered on {when:%Y-%m-%d %H:%M}.")
    comment = Comment.objects.select_for_update().get(pk=appeal.comment_id)
    before = {**comment_state(comment), "appeal": "open"}
    # Answered before the approval, so that ``settle`` (run by every moderator action) finds
    # no open appeal to answer a second time.
    _close(appeal, by=by, restored=not uphold, note=text, now=timezone.now())
    if not uphold:
        comment = actions.approve(comment, by=by, note=text or "Restored on appeal")
    record(
        AuditEntry.Action.APPEAL_DECIDED,
        actor=by,
        comment=comment,
        reason=text or ("Restored" if not uphold else "Decision kept"),
        before=before,
        after={**comment_state(comment), "appeal": appeal.outcome},
    )
    return appeal


def settle(comment: Comment, *, by: User, action: str) -> Appeal | None:
    """Answer ``comment``'s open appeal, if any, by a moderator decision made elsewhere (the
    pending or spam tab, a bulk action, a ban): public afterwards means restored, else kept.
    ``actions`` calls this inside the decision's transaction."""
    open_appeal = (
        Appeal.objects.select_for_update()
        .filter(comment_id=comment.pk, decided_at__isnull=True)
        .first()
    )
    if open_appeal is None:
        return None
    restored = comment.status == Comment.Status.PUBLIC
    _close(open_appeal, by=by, restored=restored, note="", now=timezone.now())
    label = AuditEntry.Action(action).label if action in AuditEntry.Action.values else action
    record(
        AuditEntry.Action.APPEAL_DECIDED,
        actor=by,
        comment=comment,
        reason=f"{label} in the queue",
        before={"appeal": "open"},
        after={**comment_state(comment), "appeal": open_appeal.outcome},
    )
    return open_appeal


def open_appeals() -> QuerySet[Appeal]:
    """Appeals no moderator has answered yet, oldest first."""
    return Appeal.objects.filter(decided_at__isnull=True).order_by("created_at", "pk")
