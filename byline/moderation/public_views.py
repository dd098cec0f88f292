"""Moderation pages open to readers: reporting a comment, asking for another look at your own
(``appeals``), and the optional public log.

The post page is shared between strangers through caches and carries no CSRF token, so its
"Report" control is a plain link to the report page here, which is personal and never cached.
Guests may report too (like a "flag" link on most comment systems); the rate limit per IP
address keeps that from being used to flood the reported queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from byline.core.caching import shared_when_anonymous
from byline.core.clientip import client_ip
from byline.core.csrf import csrf_failed
from byline.discussion.models import Comment, RemovalReason
from byline.discussion.views import comment_url
from byline.moderation import actions, appeals
from byline.moderation.forms import ReportForm
from byline.moderation.models import AuditEntry, ModerationSettings
from byline.moderation.ratelimits import RateLimited
from byline.publishing import protection
from byline.publishing.models import Post

NOT_REPORTABLE = (
    "This comment does not exist or is not public (any more), so there is nothing to report."
)
PUBLIC_LOG_PAGE_SIZE = 50


def _reportable(pk: int, request: HttpRequest) -> Comment | None:
    """A public comment on a post this visitor may read, or None."""
    comment = (
        Comment.objects.select_related("post", "user")
        .filter(pk=pk, status=Comment.Status.PUBLIC, post__in=Post.objects.live())
        .first()
    )
    if comment is None or not protection.may_read(request, comment.post):
        return None
    return comment


# CSRF is checked by hand (see byline.core.csrf): a stale token re-shows the form with the
# reason and note the reader chose, and a fresh token, instead of a bare 403.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the report form for a comment, and take a reader's report."""
    comment = _reportable(pk, request)
    if comment is None:
        return render(request, "moderation/report.html", {"missing": NOT_REPORTABLE}, status=404)
    context: dict[str, object] = {"comment": comment, "back": comment_url(comment, request)}
    if request.method != "POST":
        context["form"] = ReportForm()
        return render(request, "moderation/report.html", context)

    form = ReportForm(request.POST)
    context["form"] = form
    if csrf_failed(request):
        form.is_valid()
        form.add_error(
            None,
            "We could not confirm this report came from this page (it may have been open a long "
            "time). Nothing was sent: check it and press “Send report” again.",
        )
        get_token(request)
        return render(request, "moderation/report.html", context, status=403)
    if not form.is_valid():  # only what a form field itself refuses, e.g. NUL characters
        return render(request, "moderation/report.html", context, status=400)
    try:
        _, new = actions.report(
            comment,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            reporter=request.user if request.user.is_authenticated else None,
            ip=client_ip(request),  # REMOTE_ADDR, or the proxy-reported address
        )
    except RateLimited as exc:
        form.add_error(None, str(exc))
        response = render(request, "moderation/report.html", context, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except ValidationError as exc:
        comment.refresh_from_db(fields=["status"])
        if comment.status != Comment.Status.PUBLIC:  # taken down while the form was open
            return render(
                request, "moderation/report.html", {"missing": NOT_REPORTABLE}, status=404
            )
        form.show_errors(exc)
        return render(request, "moderation/report.html", context, status=400)
    # A reader's second report on a comment is not counted again.
    context["already"] = not new
    context["done"] = True
    return render(request, "moderation/report.html", context)


# What the public log shows: comments moderators took out of public view (removed or filed as
# spam), and bans. Automatic verdicts, and decisions on comments readers never saw (held ones),
# concern unpublished text and stay private.
PUBLIC_ENTRIES = Q(action=AuditEntry.Action.BAN) | Q(
    action__in=[AuditEntry.Action.REMOVE, AuditEntry.Action.SPAM],
    before__status=Comment.Status.PUBLIC,
)


@dataclass(frozen=True)
class PublicLogRow:
    """One line of the public log: nothing in it names a person or quotes a comment."""

    when: datetime
    action: str
    post_title: str
    post_url: str
    number: int | None
    category: str
    ban_length: str


def _ban_length(entry: AuditEntry) -> str:
    """ "7 days", "24 hours", "permanently" — the length a ban was set for."""
    until = str(entry.after.get("until") or "")
    if not until:
        return "permanently"
    try:
        ends = datetime.fromisoformat(until)
    except ValueError:
        return ""
    if timezone.is_naive(ends):
        ends = timezone.make_aware(ends, timezone.get_default_timezone())
    hours = round((ends - entry.created_at) / timedelta(hours=1))
    if hours >= 24 and hours % 24 == 0:
        days = hours // 24
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''}"


def _public_row(entry: AuditEntry) -> PublicLogRow:
    comment = entry.comment
    post = comment.post if comment is not None else None
    shown = post is not None and post.is_live
    number = comment.number if comment is not None else entry.after.get("number")
    category = ""
    if entry.action == AuditEntry.Action.REMOVE:
        code = entry.after.get("removal_reason", "")
        category = RemovalReason(code).label if code in RemovalReason.values else ""
    return PublicLogRow(
        when=entry.created_at,
        action=entry.get_action_display(),
        post_title=post.title if shown and post is not None else "",
        post_url=post.get_absolute_url() if shown and post is not None else "",
        number=number if isinstance(number, int) else None,
        category=category,
        ban_length=_ban_length(entry) if entry.action == AuditEntry.Action.BAN else "",
    )


def public_entries() -> QuerySet[AuditEntry]:
    """The audit rows the public log may show, newest first."""
    return (
        AuditEntry.objects.filter(PUBLIC_ENTRIES)
        .select_related("comment__post")
        .order_by("-created_at", "-id")
    )


def _collapse_bans(entries: list[AuditEntry]) -> list[AuditEntry]:
    """A guest's ban is keyed on their email and their IP: two rows, one event for readers."""
    kept: list[AuditEntry] = []
    for entry in entries:
        previous = kept[-1] if kept else None
        if (
            previous is not None
            and entry.action == previous.action == AuditEntry.Action.BAN
            and entry.comment_id is not None
            and entry.comment_id == previous.comment_id
            and entry.after.get("until") == previous.after.get("until")
        ):
            continue
        kept.append(entry)
    return kept


@require_safe
@shared_when_anonymous
def public_log(request: HttpRequest) -> HttpResponse:
    """The public moderation log, when the site publishes one."""
    if not ModerationSettings.current().public_log:
        raise Http404("This site does not publish a moderation log.")
    page = Paginator(public_entries(), PUBLIC_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [_public_row(entry) for entry in _collapse_bans(list(page.object_list))]
    return render(request, "moderation/public_log.html", {"page": page, "rows": rows})


# -- appeals: a commenter's own view of their held, spam or removed comment ----------------------


# CSRF is checked by hand, like the report form: a stale token shows the note again with a
# fresh token instead of a bare 403 that loses it.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    """The author's view of their comment: why it is not public, and "Ask for another look".
    Anyone else gets the same 404 as for a comment that does not exist."""
    who = appeals.commenter(request)
    comment = Comment.objects.select_related("post", "user").filter(pk=pk).first()
    if comment is None or not appeals.is_author(comment, who):
        missing = {"missing": appeals.NOT_YOURS}
        return render(request, "moderation/appeal.html", missing, status=404)
    back = comment_url(comment, request)
    context: dict[str, Any] = {
        "comment": comment,
        "s": appeals.standing(comment, who),
        "back": back,
    }
    if request.method != "POST":
        return render(request, "moderation/appeal.html", context)
    note = request.POST.get("note", "")
    context["note"] = note
    if csrf_failed(request):
        get_token(request)
        context["errors"] = [
            "We could not confirm this came from this page (it may have been open a long time). "
            "Nothing was sent: check your note and press “Ask for another look” again."
        ]
        return render(request, "moderation/appeal.html", context, status=403)
    try:
        appeals.appeal(comment, note, who=who)
    except RateLimited as exc:
        context["errors"] = [str(exc)]
        response = render(request, "moderation/appeal.html", context, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except ValidationError as exc:
        comment.refresh_from_db()
        context["s"] = appeals.standing(comment, who)
        errors = exc.message_dict if hasattr(exc, "error_dict") else {}
        context["note_errors"] = errors.get("note", [])
        context["errors"] = [m for m in exc.messages if m not in context["note_errors"]]
        return render(request, "moderation/appeal.html", context, status=400)
    # Back to the comment in its thread, which now says a moderator will look again.
    return HttpResponseRedirect(back if comment.post.is_live else request.path, status=303)


urlpatterns: list[URLPattern] = [
    path("comments/<int:pk>/report/", report, name="report"),
    path("comments/<int:pk>/appeal/", appeal, name="appeal"),
    path("moderation-log/", public_log, name="public-log"),
]
