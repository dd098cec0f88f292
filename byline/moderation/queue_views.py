"""The moderation queue: the pages where one person triages reader comments at speed.

Routes (all under /moderation/, all passed through ``guard.guarded`` by ``urls.py``, so no
view here checks permissions itself):

* ``GET  /moderation/?tab=pending|reported|spam|approved&page=N`` (``queue``)
* ``POST /moderation/comments/<pk>/<action>/`` (``act``): approve, spam, remove, ban, dismiss
* ``POST /moderation/bulk/`` (``bulk``): one action for every ticked comment
* ``POST /moderation/appeals/<pk>/restore|keep/`` (``decide``): answer a commenter's appeal

Every change goes through ``byline.moderation.actions`` (which writes the audit log and the
training labels). Without JavaScript a POST answers with a 303 back to the same tab and page
and a flash message; ``moderation.js`` sends the same POSTs with ``Accept: application/json``
and gets JSON back, so the page updates in place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from byline.accounts.models import User
from byline.discussion.models import Comment, RemovalReason
from byline.moderation import actions, appeals, calibration, pipeline
from byline.moderation.history import History, histories
from byline.moderation.models import Appeal, ModerationSettings

PER_PAGE = 50
# "Recently approved" is every comment made public in this many days, newest first: whether a
# moderator approved it or the pipeline let it straight through, this is where a mistake is
# caught and reversed.
RECENT_DAYS = 7

TABS: dict[str, str] = {
    "pending": "Pending",
    "reported": "Reported",
    "spam": "Spam",
    "approved": "Recently approved",
    "appeals": "Appeals",
}
# The buttons each tab offers. The ``act`` route itself accepts every action on any comment
# (the services decide what a change means); this only keeps the page uncluttered.
TAB_ACTIONS: dict[str, tuple[str, ...]] = {
    "pending": ("approve", "spam", "remove", "ban"),
    "reported": ("dismiss", "approve", "spam", "remove", "ban"),
    "spam": ("approve", "remove", "ban"),
    "approved": ("spam", "remove", "ban"),
    # Restore approves (``a``); keep answers the appeal and changes nothing (``d``).
    "appeals": ("restore", "keep"),
}
ACTIONS = ("approve", "spam", "remove", "ban", "dismiss")
BAN_LENGTHS: list[tuple[str, str]] = [
    ("24h", "24 hours"),
    ("7d", "7 days"),
    ("30d", "30 days"),
    ("permanent", "Permanently"),
]
BULK_LABELS: dict[str, str] = {
    "approve": "Approve",
    "spam": "Mark as spam",
    "remove": "Remove",
    "dismiss": "Dismiss reports",
}
VERDICT_LABELS = {
    "approve": "Passed",
    "hold": "Held for review",
    "spam": "Filed as spam",
    "reject": "Sent back to the writer",
}


@dataclass(frozen=True)
class Score:
    """One classifier's score and the words that moved it."""

    kind: str
    score: float
    threshold: float
    up: list[tuple[str, float]]  # words that drove the score up
    down: list[tuple[str, float]]  # words that held it down

    @property
    def over(self) -> bool:
        return self.threshold < 1.0 and self.score >= self.threshold


@dataclass(frozen=True)
class ShownVerdict:
    """The pipeline's stored verdict (``pipeline.Verdict.from_json``), shaped for the page."""

    recorded: bool
    action: str = ""
    label: str = ""
    reason: str = ""
    phase: str = ""
    # Every finding, unless the only one is the verdict itself (no need to say it twice).
    findings: list[dict[str, str]] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)


@dataclass(frozen=True)
class QueueItem:
    """One comment in the queue, with all a moderator needs to decide."""

    comment: Comment
    history: History
    verdict: ShownVerdict
    replying_to: Comment | None


def _verdict(comment: Comment, rules: ModerationSettings) -> ShownVerdict:
    stored = pipeline.Verdict.from_json(comment.moderation)
    if stored is None:
        return ShownVerdict(recorded=False)
    # The thresholds the comment was judged by (older verdicts did not record them: today's).
    thresholds = {**calibration.current_thresholds(), **stored.thresholds}
    scores = []
    for kind, value in sorted(stored.scores.items()):
        words = stored.features.get(kind, [])
        scores.append(
            Score(
                kind=kind,
                score=value,
                threshold=thresholds.get(kind, 1.0),
                up=[(w, s) for w, s in words if s > 0],
                down=[(w, s) for w, s in words if s < 0],
            )
        )
    findings = [dict(f.__dict__) for f in stored.findings]
    if len(findings) == 1 and findings[0]["reason"] == stored.reason:
        findings = []
    return ShownVerdict(
        recorded=True,
        action=stored.action,
        label=VERDICT_LABELS.get(stored.action, stored.action),
        reason=stored.reason,
        phase=stored.phase,
        findings=findings,
        scores=scores,
    )


def _tab_comments(tab: str) -> QuerySet[Comment]:
    """The comments a tab lists, in the order it lists them."""
    # Every tab shows a commenter's appeal (``c.appeal``): a decision anywhere answers it.
    base = Comment.objects.select_related(
        "post", "user", "in_reply_to", "in_reply_to__user", "parent", "parent__user", "appeal"
    )
    if tab == "reported":
        # Most open reports first; among equals, the longest-waiting first.
        return (
            actions.reported_comments()
            .select_related(
                "post",
                "user",
                "in_reply_to",
                "in_reply_to__user",
                "parent",
                "parent__user",
                "appeal",
            )
            .order_by("-open_reports", "created_at", "pk")
        )
    if tab == "appeals":
        # Open appeals, the longest-waiting first.
        return base.filter(appeal__isnull=False, appeal__decided_at__isnull=True).order_by(
            "appeal__created_at", "pk"
        )
    if tab == "spam":
        # Newest first: spam is reviewed for false positives while the writer still cares.
        return base.filter(status=Comment.Status.SPAM).order_by("-created_at", "-pk")
    if tab == "approved":
        since = timezone.now() - timedelta(days=RECENT_DAYS)
        return base.filter(status=Comment.Status.PUBLIC, published_at__gte=since).order_by(
            "-published_at", "-pk"
        )
    # Oldest first, so approving down the page numbers comments in the order they were written.
    return base.filter(status=Comment.Status.PENDING).order_by("created_at", "pk")


# The tabs that list comments by status alone, counted together (one pass over the comments).
_STATUS_TABS = ("pending", "spam", "approved")


def tab_counts() -> dict[str, int]:
    """How many comments each tab lists: one query for the status tabs, one each for the
    reported and appeals tabs."""
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    counts: dict[str, int] = Comment.objects.aggregate(
        pending=Count("pk", filter=Q(status=Comment.Status.PENDING)),
        spam=Count("pk", filter=Q(status=Comment.Status.SPAM)),
        approved=Count("pk", filter=Q(status=Comment.Status.PUBLIC, published_at__gte=since)),
    )
    for tab in TABS:
        if tab not in _STATUS_TABS:
            counts[tab] = _tab_comments(tab).order_by().count()
    return {tab: counts[tab] for tab in TABS}


def _tab(value: str | None) -> str:
    return value if value in TABS else "pending"


def _page_number(value: str | None) -> int:
    return int(value) if value and value.isdigit() and int(value) > 0 else 1


def _items(page: Page[Comment]) -> list[QueueItem]:
    comments = list(page.object_list)
    known = histories(comments)
    rules = ModerationSettings.current()
    return [
        QueueItem(
            comment=c,
            history=known[c.pk],
            verdict=_verdict(c, rules),
            replying_to=c.in_reply_to or c.parent,
        )
        for c in comments
    ]


def _form_context() -> dict[str, Any]:
    return {
        "removal_reasons": RemovalReason.choices,
        "ban_lengths": BAN_LENGTHS,
        "bulk_labels": BULK_LABELS,
    }


@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    """A tab of the queue, 50 comments a page."""
    tab = _tab(request.GET.get("tab"))
    counts = tab_counts()
    paginator = Paginator(_tab_comments(tab), PER_PAGE)
    # The tab's count was just taken; spare the paginator a second COUNT query.
    paginator.count = counts[tab]
    # An out-of-range page (the last item of the last page was just handled) shows the last.
    page = paginator.get_page(_page_number(request.GET.get("page")))
    context = {
        "tab": tab,
        "tab_label": TABS[tab],
        "tabs": TABS,
        "counts": counts,
        "page": page,
        "items": _items(page),
        "tab_actions": TAB_ACTIONS[tab],
        "recent_days": RECENT_DAYS,
        **_form_context(),
    }
    return render(request, "moderation/queue.html", context)


# -- actions -------------------------------------------------------------------------------------


class BadInput(Exception):
    """A request the moderator must correct; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back_to_queue(request: HttpRequest) -> str:
    tab = _tab(request.POST.get("tab"))
    query = {"tab": tab}
    page = _page_number(request.POST.get("page"))
    if page > 1:
        query["page"] = str(page)
    return f"{reverse('moderation:queue')}?{urlencode(query)}"


def _problem(request: HttpRequest, error: BadInput, comment: Comment | None = None) -> HttpResponse:
    """Say what was wrong: JSON for the page's script, else a page that keeps what was typed."""
    if _wants_json(request):
        return JsonResponse({"ok": False, "error": error.message}, status=error.status)
    item = None
    if comment is not None:
        item = QueueItem(
            comment=comment,
            history=histories([comment])[comment.pk],
            verdict=_verdict(comment, ModerationSettings.current()),
            replying_to=comment.in_reply_to or comment.parent,
        )
    tab = _tab(request.POST.get("tab"))
    context = {
        "error": error.message,
        "item": item,
        "tab": tab,
        "tab_actions": TAB_ACTIONS[tab],
        "back": _back_to_queue(request),
        "typed": request.POST,
        **_form_context(),
    }
    return render(request, "moderation/error.html", context, status=error.status)


def _removal_reason(value: str) -> str:
    if value not in RemovalReason.values:
        choices = ", ".join(f"{v} ({label})" for v, label in RemovalReason.choices)
        shown = f"“{value}” is not" if value else "No reason was given; it must be"
        raise BadInput(f"{shown} a removal reason. Choose one of: {choices}.")
    return value


def _who(comment: Comment) -> str:
    return f"the comment by {comment.display_name} on “{comment.post.title}”"


def _apply(action: str, comment: Comment, data: Any, *, by: User) -> tuple[Comment, str]:
    """Do ``action`` to ``comment`` through the moderation services; (comment, message)."""
    if action == "approve":
        comment = actions.approve(comment, by=by)
        return comment, f"Approved {_who(comment)}; it is number {comment.number}."
    if action == "spam":
        comment = actions.mark_spam(comment, by=by)
        return comment, f"Marked {_who(comment)} as spam."
    if action == "remove":
        reason = _removal_reason(data.get("reason", ""))
        comment = actions.remove(comment, by=by, reason=reason)
        return comment, f"Removed {_who(comment)} as {RemovalReason(reason).label}."
    if action == "ban":
        length = data.get("until", "").strip()
        if not length:
            raise BadInput("Choose how long the ban lasts: 24h, 7d, 30d or permanent.")
        until = actions.parse_until(length)
        reason = data.get("reason", "").strip()
        if len(reason) > 300:
            raise BadInput("Please keep the ban reason under 300 characters.")
        made = actions.ban_commenter(comment, by=by, until=until, reason=reason, also_spam=True)
        comment.refresh_from_db()
        ending = f"until {timezone.localtime(until):%Y-%m-%d %H:%M}" if until else "permanently"
        if made:
            keys = ", ".join(f"{b.get_kind_display().lower()} {b.value}" for b in made)
            said = f"Banned {comment.display_name} ({keys}) {ending}"
        else:
            said = f"{comment.display_name} was already banned"
        return comment, f"{said}; {_who(comment)} is marked as spam."
    closed = actions.dismiss_reports(comment, by=by)
    return comment, (
        f"Dismissed {closed} report{'s' if closed != 1 else ''} on {_who(comment)}; it stays up."
    )


@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One moderator action on one comment."""
    comment = None
    try:
        if action not in ACTIONS:
            raise BadInput(
                f"“{action}” is not a moderation action. Use one of: {', '.join(ACTIONS)}."
            )
        comment = (
            Comment.objects.select_related("post", "user", "in_reply_to", "parent")
            .filter(pk=pk)
            .first()
        )
        if comment is None:
            raise BadInput(f"There is no comment with id {pk}; it may have been purged.", 404)
        assert isinstance(request.user, User)
        try:
            comment, message = _apply(action, comment, request.POST, by=request.user)
        except ValidationError as exc:
            raise BadInput(" ".join(exc.messages)) from None
    except BadInput as error:
        return _problem(request, error, comment)
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "message": message,
                "action": action,
                "status": comment.status,
                "status_label": comment.get_status_display(),
                "number": comment.number,
            }
        )
    messages.success(request, message)
    return HttpResponseRedirect(_back_to_queue(request), status=303)


@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """One action for every ticked comment (oldest first, so numbers follow writing order)."""
    try:
        action = request.POST.get("action", "")
        if action not in actions.BULK_ACTIONS:
            if not action:
                raise BadInput("Choose what to do with the selected comments.")
            raise BadInput(
                f"“{action}” is not a bulk action. Use one of: {', '.join(actions.BULK_ACTIONS)}."
            )
        raw = request.POST.getlist("ids")
        if not raw:
            raise BadInput("Select at least one comment (tick its box) first.")
        # Not str.isdigit(): "²" is a digit to Python but not to int().
        bad = [value for value in raw if not re.fullmatch(r"[0-9]{1,18}", value)]
        if bad:
            raise BadInput(f"“{bad[0]}” is not a comment id.")
        reason = _removal_reason(request.POST.get("reason", "")) if action == "remove" else ""
        ids = {int(value) for value in raw}
        comments = list(Comment.objects.select_related("post", "user").filter(pk__in=ids))
        if not comments:
            raise BadInput("None of the selected comments exist any more.", 404)
        assert isinstance(request.user, User)
        try:
            done = actions.bulk(action, comments, by=request.user, reason=reason)
        except ValidationError as exc:
            raise BadInput(" ".join(exc.messages)) from None
    except BadInput as error:
        return _problem(request, error)
    message = f"{BULK_LABELS[action]}: {done} comment{'s' if done != 1 else ''}."
    missing = len(ids) - len(comments)
    if missing:
        message += f" {missing} no longer existed."
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "message": message,
                "action": action,
                "done": sorted(c.pk for c in comments),
            }
        )
    messages.success(request, message)
    return HttpResponseRedirect(_back_to_queue(request), status=303)


DECISIONS = ("restore", "keep")


@require_POST
def decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Answer a commenter's appeal: restore the comment (approved, so the classifiers learn) or
    keep the decision, with a note the commenter sees."""
    comment = None
    try:
        if decision not in DECISIONS:
            raise BadInput(f"“{decision}” is not an answer to an appeal. Use restore or keep.")
        found = Appeal.objects.filter(pk=pk).first()
        if found is None:
            raise BadInput(f"There is no appeal with id {pk}; its comment may be purged.", 404)
        comment = (
            Comment.objects.select_related("post", "user", "in_reply_to", "parent", "appeal")
            .filter(pk=found.comment_id)
            .first()
        )
        assert isinstance(request.user, User)
        try:
            answered = appeals.decide_appeal(
                found,
                by=request.user,
                uphold=decision == "keep",
                note=request.POST.get("note", ""),
            )
        except ValidationError as exc:
            raise BadInput(" ".join(exc.messages)) from None
    except BadInput as error:
        return _problem(request, error, comment)
    comment = Comment.objects.select_related("post", "user").get(pk=answered.comment_id)
    if decision == "restore":
        message = f"Restored {_who(comment)} on appeal; it is number {comment.number}."
    else:
        message = (
            f"Kept the decision on {_who(comment)} ({comment.get_status_display().lower()}); "
            "the commenter will see that a moderator looked again."
        )
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": True,
                "message": message,
                "action": decision,
                "status": comment.status,
                "status_label": comment.get_status_display(),
                "number": comment.number,
            }
        )
    messages.success(request, message)
    return HttpResponseRedirect(_back_to_queue(request), status=303)


urlpatterns: list[URLPattern] = [
    path("", queue, name="queue"),
    path("comments/<int:pk>/<str:action>/", act, name="act"),
    path("bulk/", bulk, name="bulk"),
    path("appeals/<int:pk>/<str:decision>/", decide, name="decide-appeal"),
]
