"""The moderators' audit log: every automatic verdict and every moderator action, newest first.

Routes (under /moderation/, all passed through ``guard.guarded`` by ``urls.py``, so no view
here checks permissions itself):

* ``GET /moderation/log/`` (``log``): the filterable table, 50 rows a page
* ``GET /moderation/log.csv`` (``log-csv``): the same filtered rows as a CSV file
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_safe

from byline.discussion.models import Comment
from byline.moderation.forms import AuditFilterForm
from byline.moderation.models import AuditEntry
from byline.publishing.models import Post

PAGE_SIZE = 50
AUTOMATIC_ACTOR = "Byline (automatic)"
GUEST_ACTOR = "A guest reader"

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def actor_label(entry: AuditEntry) -> str:
    """Who did it, as the log names them."""
    if entry.actor is not None:
        return entry.actor.username
    if entry.action == AuditEntry.Action.REPORT:
        return GUEST_ACTOR  # a reader without an account, not Byline itself
    return AUTOMATIC_ACTOR


def comment_link(comment: Comment | None) -> str:
    """The address of a comment readers can still see there, else ""."""
    if comment is None or comment.status != Comment.Status.PUBLIC or comment.number is None:
        return ""
    post = comment.post
    if not post.is_live:
        return ""
    if post.kind == Post.Kind.POST:
        # The permalink finds the thread page the comment is on today.
        return f"{post.get_absolute_url()}comment-{comment.number}/"
    return f"{post.get_absolute_url()}#comment-{comment.number}"


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """``["status: pending → public", …]`` for every key that differs."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        f"{key}: {_show(before.get(key))} → {_show(after.get(key))}"
        for key in keys
        if before.get(key) != after.get(key)
    ]


@dataclass(frozen=True)
class LogRow:
    """One audit entry as the table shows it."""

    when: datetime
    actor: str
    automatic: bool
    action: str
    target: str
    target_url: str
    reason: str
    changes: list[str]


def _row(entry: AuditEntry) -> LogRow:
    return LogRow(
        when=entry.created_at,
        actor=actor_label(entry),
        automatic=entry.actor is None and entry.action != AuditEntry.Action.REPORT,
        action=entry.get_action_display(),
        target=entry.target,
        target_url=comment_link(entry.comment),
        reason=entry.reason,
        changes=changes(entry.before, entry.after),
    )


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEntry]]:
    form = AuditFilterForm(request.GET)
    entries = AuditEntry.objects.select_related("actor", "comment__post").order_by(
        "-created_at", "-id"
    )
    return form, form.filter(entries)


@require_safe
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log, filtered by the form above it."""
    form, entries = _filtered(request)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": [_row(entry) for entry in page.object_list],
        "filtered": any(request.GET.get(name) for name in form.fields),
    }
    return render(request, "moderation/log.html", context, status=200)


def csv_cell(value: Any) -> str:
    """A value made safe for a spreadsheet: formula-like text is quoted so it stays text."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


class _Echo:
    """The file csv.writer writes to, handing each line back to the streaming response."""

    def write(self, value: str) -> str:
        return value


CSV_HEADER = ["time", "actor", "action", "target", "link", "reason", "before", "after"]


def _csv_lines(entries: QuerySet[AuditEntry]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    for entry in entries.iterator(chunk_size=1000):
        cells = [
            timezone.localtime(entry.created_at).isoformat(),
            actor_label(entry),
            entry.get_action_display(),
            entry.target,
            comment_link(entry.comment),
            entry.reason,
            json.dumps(entry.before, ensure_ascii=False, sort_keys=True),
            json.dumps(entry.after, ensure_ascii=False, sort_keys=True),
        ]
        yield writer.writerow([csv_cell(cell) for cell in cells])


@require_safe
def audit_log_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered audit log as a CSV file (every matching row, not one page)."""
    _form, entries = _filtered(request)
    response = StreamingHttpResponse(_csv_lines(entries), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="byline-audit-log-{stamp}.csv"'
    return response


urlpatterns: list[URLPattern] = [
    path("log/", audit_log, name="log"),
    path("log.csv", audit_log_csv, name="log-csv"),
]
