"""Moderators' endpoints: the queue, decisions and bans, for tokens with the ``moderate`` (queue,
decisions) or ``ban`` scope whose account is a moderator, checked on every request.

Every change goes through ``byline.moderation.actions``, as the queue page's do: each writes its
audit row (and the classifiers' training labels) in the same transaction.
"""

from __future__ import annotations

from typing import Any, Literal

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from byline.api.auth import REQUIRED, only_query, require_moderator
from byline.api.errors import ApiError
from byline.api.models import Scope
from byline.api.schemas import (
    BanCommenterIn,
    BanIn,
    BanOut,
    DecisionIn,
    DecisionOut,
    Error,
    Input,
    QueuePage,
)
from byline.discussion.models import Comment
from byline.moderation import actions, pipeline
from byline.moderation.models import Ban, Report
from byline.moderation.queue_views import _tab_comments

router = Router(tags=["moderation"], auth=REQUIRED)

PER_PAGE = 50
ERRORS: dict[int, type[Error]] = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    413: Error,
    415: Error,
}


class QueueQuery(Input):
    tab: Literal["pending", "spam", "reported"] = "pending"
    page: int = Field(default=1, ge=1, le=1_000_000, strict=False)


def _open_reports(ids: list[int]) -> dict[int, int]:
    rows = (
        Report.objects.filter(comment_id__in=ids, resolved=False)
        .values("comment_id")
        .annotate(n=Count("id"))
        .values_list("comment_id", "n")
    )
    return dict(rows)


@router.get(
    "/moderation/queue",
    response={200: QueuePage, **ERRORS},
    url_name="queue",
    operation_id="getQueue",
)
def queue(request: HttpRequest, query: Query[QueueQuery]) -> dict[str, Any]:
    """A tab of the moderation queue, as the queue page lists it (pending: oldest first;
    spam: newest first; reported: most reports first), 50 a page, with each comment's
    automatic verdict and its reason. Needs `moderate`."""
    only_query(request, *QueueQuery.model_fields)
    require_moderator(request, Scope.MODERATE)
    paginator = Paginator(_tab_comments(query.tab), PER_PAGE)
    if query.page > paginator.num_pages:
        raise ApiError(404, "not_found", f"This tab has {paginator.num_pages} page(s).")
    page = paginator.page(query.page)
    comments = list(page.object_list)
    reports = _open_reports([c.pk for c in comments])
    items = []
    for c in comments:
        verdict = pipeline.Verdict.from_json(c.moderation)
        items.append(
            {
                "id": c.pk,
                "post_id": c.post_id,
                "post_title": c.post.title,
                "number": c.number,
                "status": c.status,
                "author": c.display_name,
                "author_email": c.author_email or (c.user.email if c.user else ""),
                "ip_address": c.ip_address,
                "body": c.body,
                "body_html": c.body_html,
                "created_at": c.created_at,
                "verdict": verdict.action if verdict else None,
                "verdict_reason": verdict.reason if verdict else None,
                "open_reports": reports.get(c.pk, 0),
            }
        )
    return {
        "tab": query.tab,
        "items": items,
        "page": page.number,
        "pages": paginator.num_pages,
        "count": paginator.count,
    }


def _comment(pk: int) -> Comment:
    comment = Comment.objects.select_related("post", "user").filter(pk=pk).first()
    if comment is None:
        raise ApiError(404, "not_found", f"There is no comment with id {pk}.")
    return comment


@router.post(
    "/moderation/comments/{int:comment_id}/decision",
    response={200: DecisionOut, **ERRORS},
    url_name="decision",
    operation_id="decide",
)
def decide(request: HttpRequest, comment_id: int, payload: DecisionIn) -> dict[str, Any]:
    """Approve, remove (with a `reason` shown in the thread) or file as spam; audited like the
    queue's buttons. Needs `moderate`."""
    only_query(request)
    user = require_moderator(request, Scope.MODERATE)
    comment = _comment(comment_id)
    if payload.action == "approve":
        comment = actions.approve(comment, by=user, note=payload.note)
    elif payload.action == "spam":
        comment = actions.mark_spam(comment, by=user, note=payload.note)
    else:
        if payload.reason is None:
            raise ApiError(
                400,
                "invalid",
                "Removing needs a reason.",
                fields={"reason": "Choose why the comment is removed."},
            )
        comment = actions.remove(comment, by=user, reason=payload.reason, note=payload.note)
    return {"id": comment.pk, "status": comment.status, "number": comment.number}


def _ban_out(ban: Ban) -> dict[str, Any]:
    return {
        "id": ban.pk,
        "kind": ban.kind,
        "value": ban.value,
        "until": ban.until,
        "reason": ban.reason,
    }


@router.post(
    "/moderation/bans",
    response={201: BanOut, **ERRORS},
    url_name="bans",
    operation_id="ban",
)
def ban(request: HttpRequest, payload: BanIn) -> Any:
    """Ban an account, email address, email domain, IP address or network. Needs `ban`."""
    only_query(request)
    user = require_moderator(request, Scope.BAN)
    made = actions.ban(
        by=user,
        kind=payload.kind,
        value=payload.value,
        until=actions.parse_until(payload.until),
        reason=payload.reason,
    )
    return Status(201, _ban_out(made))


@router.post(
    "/moderation/comments/{int:comment_id}/ban",
    response={200: list[BanOut], **ERRORS},
    url_name="ban-commenter",
    operation_id="banCommenter",
)
def ban_commenter(request: HttpRequest, comment_id: int, payload: BanCommenterIn) -> Any:
    """Ban whoever wrote a comment (their account, else their email and IP address) and, by
    default, file the comment as spam. Answers the bans made (none if already banned). Needs
    `ban`."""
    only_query(request)
    user = require_moderator(request, Scope.BAN)
    comment = _comment(comment_id)
    made = actions.ban_commenter(
        comment,
        by=user,
        until=actions.parse_until(payload.until),
        reason=payload.reason,
        also_spam=payload.also_spam,
    )
    return [_ban_out(b) for b in made]
