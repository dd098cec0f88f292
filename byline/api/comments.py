"""Writing: post a comment, edit one's own, report one; and who a token is.

New comments go through the one intake (``discussion.intake.receive``) with an ``api`` origin:
the same validation (``validate_submission``), rate limits, bot checks, bans, word lists and
classifiers as the form. API clients have no form, so no form stamp (``form_stamp=None``: not
from a form) and no hidden field; a guest's address is never "proven" (that takes the
browser cookie a verification link sets, which the API does not read), so a guest's comments
count as a newcomer's. A token with the ``comments:write`` scope posts as its account.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router, Status

from byline.accounts.roles import is_moderator
from byline.api import posts
from byline.api.auth import GUEST_OR_TOKEN, OPTIONAL, REQUIRED, caller, only_query, require_scope
from byline.api.errors import ApiError
from byline.api.models import Scope
from byline.api.posts import live_post, may_read
from byline.api.schemas import (
    CommentEdit,
    CommentOut,
    Error,
    NewComment,
    ReportIn,
    ReportOut,
    TokenInfo,
)
from byline.core.clientip import client_ip
from byline.discussion import intake
from byline.discussion.models import Comment, DiscussionSettings
from byline.discussion.services import validate_submission
from byline.discussion.views import comment_url
from byline.moderation import actions
from byline.publishing.models import Post

router = Router(tags=["comments"])

WRITE_ERRORS: dict[int, type[Error]] = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    413: Error,
    415: Error,
    429: Error,
}


def comment_out(request: HttpRequest, comment: Comment) -> dict[str, Any]:
    """The writer's view of their own comment."""
    minutes = DiscussionSettings.current().edit_window_minutes
    return {
        "id": comment.pk,
        "post_id": comment.post_id,
        "number": comment.number,
        "status": comment.status,
        "author": comment.display_name,
        "is_post_author": comment.is_by_post_author(comment.post),
        "body": comment.body,
        "body_html": comment.body_html,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "editable_until": comment.created_at + timedelta(minutes=minutes) if minutes else None,
        "url": request.build_absolute_uri(comment_url(comment)),
    }


# On the posts router: one route per address, and the thread's GET lives there.
@posts.router.post(
    "/posts/{int:post_id}/comments",
    auth=OPTIONAL,
    tags=["comments"],
    response={201: CommentOut, 422: Error, **WRITE_ERRORS},
    url_name="post-comments",
    operation_id="postComment",
    openapi_extra=GUEST_OR_TOKEN,
)
def create_comment(request: HttpRequest, post_id: int, payload: NewComment) -> Any:
    """Post a comment, as a guest (`name`, `email`, optional `url`) or, with a token that has
    the `comments:write` scope, as its account. It is screened like a comment from the form:
    the answer's `status` says whether it is public at once (`public`), held for a moderator
    (`pending`) or filed as spam (`spam`). Too many comments in a short time get 429 with
    `Retry-After`; text that may come across as abusive may get 422 `reconsider` (send it
    again with `confirm: true` to post it for review)."""
    only_query(request)
    who = caller(request)
    user = require_scope(request, Scope.COMMENTS_WRITE) if who.token is not None else None
    post = live_post(post_id)
    if not may_read(who, post):
        raise ApiError(403, "protected", "This post is password-protected.")
    submission = validate_submission(
        post,
        body=payload.body,
        name=payload.name,
        email=payload.email,
        url=payload.url,
        parent_id=payload.parent,
        user=user,
    )
    origin = intake.Origin(
        channel="api",
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:500],
        form_stamp=None,
        nudge_acknowledged=payload.confirm,
        proven_email="",
        rate_limit=True,
    )
    comment = intake.receive(submission, origin)
    comment.post = post
    return Status(201, comment_out(request, comment))


@router.patch(
    "/comments/{int:comment_id}",
    auth=REQUIRED,
    response={200: CommentOut, **WRITE_ERRORS},
    url_name="comment",
    operation_id="editComment",
)
def edit_comment(request: HttpRequest, comment_id: int, payload: CommentEdit) -> Any:
    """Change the text of your own comment within the site's edit window (10 minutes by
    default; `editable_until` says when it ends). Needs `comments:write`. The new text is
    screened again: a public comment may be held for review."""
    only_query(request)
    user = require_scope(request, Scope.COMMENTS_WRITE)
    comment = Comment.objects.select_related("post", "user").filter(pk=comment_id).first()
    if comment is None:
        raise ApiError(404, "not_found", f"There is no comment with id {comment_id}.")
    try:
        comment = intake.revise(comment, payload.body, user=user)
    except PermissionDenied as exc:
        raise ApiError(
            403,
            "not_editable",
            f"{exc} Only its writer can edit a comment, within the edit window.",
        ) from None
    return comment_out(request, comment)


@router.post(
    "/comments/{int:comment_id}/reports",
    auth=OPTIONAL,
    response={201: ReportOut, **WRITE_ERRORS},
    url_name="comment-reports",
    operation_id="reportComment",
    openapi_extra=GUEST_OR_TOKEN,
)
def report_comment(request: HttpRequest, comment_id: int, payload: ReportIn) -> Any:
    """Report a public comment to the moderators (guests too; a token needs `comments:write`
    to report as its account). Rate-limited; a second report of the same comment by the same
    reader returns the open one with `new: false`."""
    only_query(request)
    who = caller(request)
    user = require_scope(request, Scope.COMMENTS_WRITE) if who.token is not None else None
    comment = (
        Comment.objects.select_related("post")
        .filter(pk=comment_id, status=Comment.Status.PUBLIC, post__in=Post.objects.live())
        .first()
    )
    if comment is None or not may_read(who, comment.post):
        raise ApiError(
            404, "not_found", "This comment does not exist or is not public, so it cannot be "
            "reported."
        )  # fmt: skip
    report, new = actions.report(
        comment, reason=payload.reason, note=payload.note, reporter=user, ip=client_ip(request)
    )
    return Status(201, {"id": report.pk, "comment_id": comment.pk, "new": new})


@router.get(
    "/token",
    auth=REQUIRED,
    response={200: TokenInfo, 401: Error},
    url_name="token",
    operation_id="getToken",
)
def token_info(request: HttpRequest) -> dict[str, Any]:
    """The token this request carries: its name, account and scopes."""
    only_query(request)
    token = caller(request).token
    assert token is not None
    return {
        "name": token.name,
        "user": {"username": token.user.username, "name": token.user.public_name},
        "scopes": token.scopes,
        "moderator": is_moderator(token.user),
        "created_at": token.created_at,
    }
