"""What moderators (and readers, for reports) can do to a comment. The queue, the admin and the
CLI all call these; each change, its audit row and its training labels share one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django_stubs_ext import WithAnnotations

from byline.accounts.models import User
from byline.accounts.roles import is_moderator, require_moderator
from byline.discussion import services
from byline.discussion.models import Comment, RemovalReason
from byline.moderation import learning
from byline.moderation.audit import comment_state, record
from byline.moderation.models import Appeal, AuditEntry, Ban, ModerationSettings, Report
from byline.moderation.ratelimits import COMMENT_REPORT, hit


def _resolve_reports(comment: Comment) -> int:
    return Report.objects.filter(comment=comment, resolved=False).update(resolved=True)


def _decide(
    comment: Comment,
    *,
    by: User,
    action: str,
    change: Callable[[Comment], Comment],
    labels: Iterable[tuple[str, bool]] = (),
    note: str = "",
) -> Comment:
    """One moderator decision: the change, closing the comment's reports, the training labels,
    the audit row and answering an open appeal (the caller's transaction holds them together)."""
    require_moderator(by)
    # Lock and re-read: the caller's copy may be stale (another moderator acted meanwhile),
    # and the audit's "before" must be what the change actually changed.
    comment = (
        Comment.objects.select_for_update(of=("self",)).select_related("user").get(pk=comment.pk)
    )
    before = comment_state(comment)
    comment = change(comment)
    _resolve_reports(comment)
    for kind, positive in labels:
        learning.label(comment, kind, positive, by=by)
    record(
        action, actor=by, comment=comment, reason=note, before=before, after=comment_state(comment)
    )
    # An appealed comment: this decision answers the commenter's appeal too (see appeals.py).
    from byline.moderation import appeals

    appeals.settle(comment, by=by, action=action)
    return comment


@transaction.atomic
def approve(comment: Comment, *, by: User, note: str = "") -> Comment:
    """Publish a comment (held, spam, reported or removed); it teaches both classifiers that
    text like this is acceptable here."""
    return _decide(
        comment,
        by=by,
        action=AuditEntry.Action.APPROVE,
        change=lambda c: services.approve_comment(c, by=by),
        labels=[("spam", False), ("abuse", False)],
        note=note,
    )


@transaction.atomic
def mark_spam(comment: Comment, *, by: User, note: str = "") -> Comment:
    """File a comment as spam (hidden; purged after the retention period)."""
    return _decide(
        comment,
        by=by,
        action=AuditEntry.Action.SPAM,
        change=lambda c: services.mark_comment_spam(c, by=by),
        labels=[("spam", True)],
        note=note,
    )


# What removing for a reason teaches: abuse and spam are labels; off-topic and the rest are not.
_REMOVAL_LABELS: dict[str, list[tuple[str, bool]]] = {
    RemovalReason.ABUSE: [("abuse", True)],
    RemovalReason.SPAM: [("spam", True)],
}


@transaction.atomic
def remove(comment: Comment, *, by: User, reason: str, note: str = "") -> Comment:
    """Take a comment down with a reason category shown in the thread. Removing as abusive
    teaches the abuse classifier; as spam, the spam classifier."""
    return _decide(
        comment,
        by=by,
        action=AuditEntry.Action.REMOVE,
        change=lambda c: services.remove_comment(c, by=by, reason=reason),
        labels=_REMOVAL_LABELS.get(reason, []),
        note=note or (RemovalReason(reason).label if reason in RemovalReason.values else ""),
    )


@transaction.atomic
def dismiss_reports(comment: Comment, *, by: User, note: str = "") -> int:
    """Keep a reported comment as it is and close its reports."""
    require_moderator(by)
    closed = _resolve_reports(comment)
    record(
        AuditEntry.Action.DISMISS,
        actor=by,
        comment=comment,
        reason=note,
        before={"open_reports": closed},
        after={"open_reports": 0},
    )
    return closed


def parse_until(value: str | None, now: datetime | None = None) -> datetime | None:
    """``"7d"``, ``"24h"``, ``"permanent"``/empty → when a ban ends (None: never)."""
    text = (value or "").strip().lower()
    if text in ("", "permanent", "forever", "0"):
        return None
    unit = {"h": 1, "d": 24, "w": 24 * 7}.get(text[-1:])
    if unit is None or not text[:-1].isdigit() or int(text[:-1]) < 1:
        raise ValidationError(
            {"until": f"“{value}” is not a ban length. Use e.g. 24h, 7d, 4w or permanent."}
        )
    return (now or timezone.now()) + timedelta(hours=int(text[:-1]) * unit)


@transaction.atomic
def ban(
    *,
    by: User,
    kind: str,
    value: str,
    until: datetime | None = None,
    reason: str = "",
    comment: Comment | None = None,
) -> Ban:
    """Stop someone commenting: by account, email, domain, IP or network (CIDR)."""
    require_moderator(by)
    entry = Ban(kind=kind, value=value, until=until, reason=reason[:300], created_by=by)
    entry.full_clean(exclude=["created_by"])
    entry.save()
    record(
        AuditEntry.Action.BAN,
        actor=by,
        comment=comment,
        target=str(entry),
        reason=reason,
        after={"kind": entry.kind, "value": entry.value, "until": str(entry.until or "")},
    )
    return entry


def ban_values(comment: Comment) -> dict[str, str]:
    """What a ban on this comment's writer could be keyed on, per ban kind."""
    values: dict[str, str] = {}
    if comment.user_id is not None and comment.user is not None:
        values[Ban.Kind.ACCOUNT] = comment.user.username
    email = comment.author_email or (comment.user.email if comment.user else "")
    if email:
        values[Ban.Kind.EMAIL] = email.lower()
    if comment.ip_address:
        values[Ban.Kind.IP] = comment.ip_address
    return values


@transaction.atomic
def ban_commenter(
    comment: Comment,
    *,
    by: User,
    until: datetime | None = None,
    reason: str = "",
    also_spam: bool = False,
) -> list[Ban]:
    """Ban whoever wrote ``comment``: their account if they had one, else their email and IP."""
    require_moderator(by)
    if comment.user is not None and (comment.user.is_staff or is_moderator(comment.user)):
        raise ValidationError(
            "This comment was written by a staff or moderator account; change that account in "
            "the admin instead of banning it."
        )
    values = ban_values(comment)
    kinds = [Ban.Kind.ACCOUNT] if Ban.Kind.ACCOUNT in values else [Ban.Kind.EMAIL, Ban.Kind.IP]
    made = [
        ban(by=by, kind=k, value=values[k], until=until, reason=reason, comment=comment)
        for k in kinds
        if k in values and not Ban.objects.active().filter(kind=k, value=values[k]).exists()
    ]
    if also_spam and comment.status != Comment.Status.SPAM:
        mark_spam(comment, by=by, note=reason)
    return made


@transaction.atomic
def lift_ban(entry: Ban, *, by: User, reason: str = "") -> None:
    """End a ban now (the row stays, for the record)."""
    require_moderator(by)
    before = {"until": str(entry.until or "")}
    entry.until = timezone.now()
    entry.save(update_fields=["until"])
    record(
        AuditEntry.Action.UNBAN,
        actor=by,
        target=str(entry),
        reason=reason,
        before=before,
        after={"until": str(entry.until)},
    )


@transaction.atomic
def report(
    comment: Comment,
    *,
    reason: str,
    note: str = "",
    reporter: User | None = None,
    ip: str | None = None,
) -> tuple[Report, bool]:
    """A reader flags a comment: (the report, whether it is new — a reader's second report on
    a comment returns the open one). Rate-limited (raises ``RateLimited``); once a comment has
    as many open reports as the site's threshold it appears in the reported queue."""
    if reason not in Report.Reason.values:
        raise ValidationError({"reason": "Please choose why you are reporting this comment."})
    note = note.strip()
    limit = Report._meta.get_field("note").max_length or 0
    if len(note) > limit:
        raise ValidationError({"note": f"Please keep your note under {limit} characters."})
    if comment.status != Comment.Status.PUBLIC:
        raise ValidationError("This comment is not public any more, so it cannot be reported.")
    reporter = reporter if reporter is not None and reporter.is_authenticated else None
    hit(COMMENT_REPORT, ip=ip, account=reporter.pk if reporter else None)
    mine = Q(reporter=reporter) if reporter else Q(reporter__isnull=True, ip_address=ip)
    existing = Report.objects.filter(mine, comment=comment, resolved=False).first()
    if existing is not None:
        return existing, False  # one open report per reader and comment
    made = Report.objects.create(
        comment=comment, reason=reason, note=note, reporter=reporter, ip_address=ip
    )
    record(
        AuditEntry.Action.REPORT,
        actor=reporter,
        comment=comment,
        reason=f"{made.get_reason_display()}{': ' + note if note else ''}",
        after={"open_reports": open_reports(comment)},
    )
    return made, True


def open_reports(comment: Comment) -> int:
    """Unresolved reports on ``comment``."""
    return Report.objects.filter(comment=comment, resolved=False).count()


class _OpenReports(TypedDict):
    open_reports: int


def reported_comments() -> QuerySet[WithAnnotations[Comment, _OpenReports]]:
    """Public comments with at least the threshold of open reports (the reported queue)."""
    threshold = max(1, ModerationSettings.current().report_threshold)
    return (
        Comment.objects.filter(status=Comment.Status.PUBLIC)
        .annotate(open_reports=Count("reports", filter=Q(reports__resolved=False)))
        .filter(open_reports__gte=threshold)
    )


BULK_ACTIONS = ("approve", "spam", "remove", "dismiss")
BULK_LIMIT = 500


def bulk(action: str, comments: Iterable[Comment], *, by: User, reason: str = "") -> int:
    """Apply one action to many comments (oldest first, so new numbers follow writing order).
    Each comment is its own transaction: one that changed meanwhile does not undo the rest.
    The classifiers learn the whole batch at the end, once per kind."""
    require_moderator(by)
    if action not in BULK_ACTIONS:
        raise ValidationError(f"Unknown action “{action}”.")
    chosen = sorted(comments, key=lambda c: (c.created_at, c.pk))
    if len(chosen) > BULK_LIMIT:
        raise ValidationError(
            f"That is {len(chosen):,} comments; a bulk action takes at most {BULK_LIMIT} at once."
        )
    done = 0
    with learning.deferred():
        for comment in chosen:
            if action == "approve":
                approve(comment, by=by)
            elif action == "spam":
                mark_spam(comment, by=by)
            elif action == "remove":
                remove(comment, by=by, reason=reason or RemovalReason.OTHER)
            else:
                dismiss_reports(comment, by=by)
            done += 1
    return done


@transaction.atomic
def purge_spam(*, older_than_days: int | None = None, now: datetime | None = None) -> int:
    """Delete spam older than the retention period (the site's setting unless given).

    Spam that still has replies under it stays (its replies need their place in the thread).
    Audit rows about purged comments keep their description; their link becomes empty.
    """
    days = (
        ModerationSettings.current().spam_retention_days
        if older_than_days is None
        else older_than_days
    )
    if days < 0:
        raise ValidationError("The retention period cannot be negative.")
    cutoff = (now or timezone.now()) - timedelta(days=days)
    doomed = Comment.objects.filter(status=Comment.Status.SPAM, created_at__lt=cutoff).filter(
        children__isnull=True
    )
    # Spam whose writer asked for another look waits for a moderator's answer.
    doomed = doomed.exclude(
        pk__in=Appeal.objects.filter(decided_at__isnull=True).values("comment_id")
    )
    ids = list(doomed.values_list("pk", flat=True))
    # Another comment may name a purged one as ``in_reply_to`` (past the depth cap); it keeps
    # its place under ``parent`` and simply stops saying whom it answered.
    Comment.objects.filter(in_reply_to_id__in=ids).update(in_reply_to=None)
    deleted = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        deleted += Comment.objects.filter(pk__in=chunk).delete()[1].get("discussion.Comment", 0)
    if deleted:
        record(
            AuditEntry.Action.PURGE,
            target=f"{deleted} spam comment{'s' if deleted != 1 else ''}",
            reason=f"Spam older than {days} days",
            after={"deleted": deleted, "cutoff": cutoff.isoformat()},
        )
    return deleted
