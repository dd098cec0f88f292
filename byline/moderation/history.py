"""What a moderator needs to know about whoever wrote a comment in the queue.

A commenter is identified by their account when they were signed in, else by their email
address (case-insensitively). A typed name proves nothing, so it never joins two people's
histories; it is only shown, as one of the "other names" seen with the same email or IP address.

``histories`` answers for a whole page of the queue in a fixed number of queries (one per kind of
fact, never one per comment), so a page of 50 costs the same as a page of 5.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Min, Q
from django.db.models.functions import Lower

from byline.accounts.models import VerifiedEmail
from byline.discussion.models import Comment
from byline.moderation.models import Report

# Enough names to spot a sock puppet; a shared IP (an office, a library) could list hundreds.
MAX_OTHER_NAMES = 8
_TAKEN_DOWN = (Comment.Status.REMOVED, Comment.Status.SPAM)


@dataclass(frozen=True)
class OpenReport:
    """One unresolved reader report, as the reported queue shows it."""

    reason: str
    note: str
    created_at: datetime


@dataclass(frozen=True)
class History:
    """A commenter's record on this site, as seen from one of their comments."""

    identity: str  # "account", "email" or "" (a guest who gave no email: nothing to go on)
    approved: int = 0
    removed: int = 0  # removed by a moderator or filed as spam
    pending: int = 0
    first_seen: datetime | None = None
    email: str = ""
    email_verified: bool = False
    other_names: list[str] = field(default_factory=list)
    open_reports: list[OpenReport] = field(default_factory=list)


def _email_of(comment: Comment) -> str:
    if comment.user_id is not None and comment.user is not None:
        return (comment.user.email or "").strip().lower()
    return (comment.author_email or "").strip().lower()


def _name_of(row: Mapping[str, Any]) -> str:
    """The name a row of ``values()`` shows readers, as ``Comment.display_name`` would."""
    if row["user_id"] is not None:
        full = f"{row['user__first_name'] or ''} {row['user__last_name'] or ''}".strip()
        return str(row["user__display_name"] or full or row["user__username"] or "")
    return str(row["author_name"] or "").strip() or "Anonymous"


@dataclass(frozen=True)
class _Tally:
    approved: int = 0
    removed: int = 0
    pending: int = 0
    first: datetime | None = None


def _tallies(rows: Iterable[Mapping[str, Any]], key: str) -> dict[Any, _Tally]:
    """Per-identity counts from a ``values(key).annotate(**_COUNTS)`` query."""
    return {
        row[key]: _Tally(row["approved"], row["removed"], row["pending"], row["first"])
        for row in rows
    }


_COUNTS = {
    "approved": Count("pk", filter=Q(status=Comment.Status.PUBLIC)),
    "removed": Count("pk", filter=Q(status__in=_TAKEN_DOWN)),
    "pending": Count("pk", filter=Q(status=Comment.Status.PENDING)),
    "first": Min("created_at"),
}


def histories(comments: Sequence[Comment]) -> dict[int, History]:
    """``{comment.pk: History}`` for every comment given, in at most five queries.

    The comments should come with ``select_related("user")`` (the queue does this); the
    history counts every comment of the same identity on the whole site, including the
    comment itself.
    """
    if not comments:
        return {}
    user_ids = {c.user_id for c in comments if c.user_id is not None}
    guest_emails = {_email_of(c) for c in comments if c.user_id is None} - {""}
    all_emails = {_email_of(c) for c in comments} - {""}
    ips = {c.ip_address for c in comments if c.ip_address}

    by_account = _tallies(
        Comment.objects.filter(user_id__in=user_ids).values("user_id").annotate(**_COUNTS),
        "user_id",
    )
    by_email = _tallies(
        Comment.objects.filter(user__isnull=True)
        .annotate(email_l=Lower("author_email"))
        .filter(email_l__in=guest_emails)
        .values("email_l")
        .annotate(**_COUNTS),
        "email_l",
    )
    verified = set(
        VerifiedEmail.objects.filter(email__in=all_emails).values_list("email", flat=True)
    )

    # Every distinct (name, email, IP) seen with any of these emails or IPs: one query, then
    # each comment picks the names that share its email or its IP.
    seen = (
        Comment.objects.annotate(email_l=Lower("author_email"), user_email_l=Lower("user__email"))
        .filter(Q(email_l__in=all_emails) | Q(user_email_l__in=all_emails) | Q(ip_address__in=ips))
        .values(
            "user_id",
            "author_name",
            "email_l",
            "user_email_l",
            "ip_address",
            "user__display_name",
            "user__first_name",
            "user__last_name",
            "user__username",
        )
        .distinct()
    )
    names_by_email: dict[str, set[str]] = defaultdict(set)
    names_by_ip: dict[str, set[str]] = defaultdict(set)
    for row in seen:
        name = _name_of(row)
        email = str(row["user_email_l"] if row["user_id"] is not None else row["email_l"] or "")
        if email:
            names_by_email[email].add(name)
        if row["ip_address"]:
            names_by_ip[str(row["ip_address"])].add(name)

    reports: dict[int, list[OpenReport]] = defaultdict(list)
    for report in Report.objects.filter(
        comment_id__in=[c.pk for c in comments], resolved=False
    ).order_by("created_at", "pk"):
        reports[report.comment_id].append(
            OpenReport(report.get_reason_display(), report.note, report.created_at)
        )

    out: dict[int, History] = {}
    for comment in comments:
        email = _email_of(comment)
        if comment.user_id is not None:
            identity, tally = "account", by_account.get(comment.user_id, _Tally())
        elif email:
            identity, tally = "email", by_email.get(email, _Tally())
        else:
            identity, tally = "", _Tally()
        others = names_by_email.get(email, set()) if email else set()
        if comment.ip_address:
            others = others | names_by_ip.get(comment.ip_address, set())
        others = others - {comment.display_name}
        out[comment.pk] = History(
            identity=identity,
            approved=tally.approved,
            removed=tally.removed,
            pending=tally.pending,
            first_seen=tally.first or comment.created_at,
            email=email,
            email_verified=email in verified,
            other_names=sorted(others, key=str.casefold)[:MAX_OTHER_NAMES],
            open_reports=reports.get(comment.pk, []),
        )
    return out
