"""Posting and editing comments, and resolving comment permalinks."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from byline.accounts import verification
from byline.core.clientip import client_ip
from byline.core.csrf import csrf_failed
from byline.discussion import intake, pagination
from byline.discussion.forms import (
    HONEYPOT_FIELD,
    NUDGE_FIELD,
    STAMP_FIELD,
    CommentForm,
    EditCommentForm,
    confirm_stamp,
)
from byline.discussion.models import Comment, DiscussionSettings
from byline.discussion.ownership import owned_comment_ids, remember_comment
from byline.discussion.page import PAGE_PARAM, is_shown
from byline.discussion.services import can_edit_comment
from byline.discussion.stamps import form_stamp
from byline.publishing import protection
from byline.publishing.models import Post


def comment_url(comment: Comment, request: HttpRequest | None = None) -> str:
    """Where a comment is on its post's page, pagination included, for this visitor."""
    post_url = comment.post.get_absolute_url()
    page = pagination.page_of_path(comment.post, comment.path)
    query = f"?{PAGE_PARAM}={page}" if page > 1 else ""
    if not is_shown(comment, request):
        # Not on the page for this visitor (removed with no replies, held for review): the
        # discussion, not a dangling anchor that byline.js would chase back here.
        return f"{post_url}#comments"
    if comment.number is None:
        return f"{post_url}{query}#pending-{comment.pk}"
    return f"{post_url}{query}#comment-{comment.number}"


# CSRF is checked by hand so that a failed check (a stranger whose cached page carried no token,
# with JavaScript off) shows a confirmation form holding everything they typed, instead of a bare
# 403 that would lose their comment.
@csrf_exempt
@require_POST
def post(request: HttpRequest, post_id: int) -> HttpResponse:
    """Take a comment from the form under a post."""
    post_obj = get_object_or_404(Post.objects.live().select_related("author"), pk=post_id)
    if not protection.may_read(request, post_obj):
        # Its discussion is hidden until the reader enters the post's password.
        from byline.publishing.views import render_locked

        return render_locked(request, post_obj, status=403)
    user = request.user if request.user.is_authenticated else None
    form = CommentForm(request.POST, post=post_obj, user=user)
    if csrf_failed(request):
        form.is_valid()  # so the page can show any problems at the same time
        get_token(request)
        parent = form.cleaned_data.get("parent") if hasattr(form, "cleaned_data") else None
        context = {
            "post": post_obj,
            "comment_form": form,
            "csrf_ready": True,
            "form_stamp": confirm_stamp(request),
            "discussion_rules": DiscussionSettings.current(),
            "reply_to": Comment.objects.filter(pk=parent, post=post_obj, status="public").first()
            if parent
            else None,
        }
        return render(request, "discussion/confirm.html", context, status=403)
    from byline.publishing.views import render_post

    if not form.is_valid() or form.submission is None:
        return render_post(request, post_obj, form=form, status=400)
    origin = intake.Origin(
        channel="form",
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
        honeypot=request.POST.get(HONEYPOT_FIELD, ""),
        form_stamp=request.POST.get(STAMP_FIELD, ""),
        nudge_acknowledged=request.POST.get(NUDGE_FIELD) == "1",
        proven_email=verification.proven_email(request),
    )
    try:
        comment = intake.receive(form.submission, origin)
    except intake.TryLater as exc:
        form.add_error(None, str(exc))
        response = render_post(request, post_obj, form=form, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except intake.Reconsider as exc:
        # The nudge: nothing is stored yet; the reader revises or posts it as it is.
        return render_post(request, post_obj, form=form, status=200, nudge=exc.reason)
    if user is None:
        remember_comment(request, comment.pk)
        if comment.status != Comment.Status.SPAM:
            verification.send_verification(
                comment.author_email,
                site_url=request.build_absolute_uri("/"),
                proven=verification.proven_email(request),
            )
    comment.post = post_obj
    return HttpResponseRedirect(comment_url(comment, request), status=303)


@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Let a commenter change their comment within the edit window."""
    comment = get_object_or_404(Comment.objects.select_related("post"), pk=pk)
    user = request.user if request.user.is_authenticated else None
    owned = owned_comment_ids(request)
    if not can_edit_comment(comment, user=user, owned_ids=owned):
        raise PermissionDenied("This comment can no longer be edited.")
    if request.method == "POST":
        form = EditCommentForm(request.POST)
        if form.is_valid():
            try:
                # The new text passes the content checks again (see edit_and_screen).
                comment = intake.revise(
                    comment, form.cleaned_data["body"], user=user, owned_ids=owned
                )
            except ValidationError as exc:
                for error in exc.message_dict.get("body", []):
                    form.add_error("body", error)
            else:
                return HttpResponseRedirect(comment_url(comment, request), status=303)
        status = 400
    else:
        form = EditCommentForm(initial={"body": comment.body})
        status = 200
    return render(
        request, "discussion/edit.html", {"comment": comment, "form": form}, status=status
    )


@require_safe
def permalink(request: HttpRequest, year: int, month: str, slug: str, number: int) -> HttpResponse:
    """``…/comment-N/`` → the thread page that shows comment N."""
    return _to_comment(request, slug, number)


@require_safe
def page_permalink(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """``/<page-slug>/comment-N/``: the same for comments on pages (which have no date); a
    subpage's address (``/about/team/comment-N/``) ends in its own slug."""
    return _to_comment(request, slug.rsplit("/", 1)[-1], number)


def _to_comment(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    post_obj = get_object_or_404(Post.objects.live(), slug=slug)
    comment = Comment.objects.filter(post=post_obj, number=number).first()
    if comment is None and number > post_obj.last_comment_number:
        # An old WordPress link's #comment-ID (ids of imported comments are kept).
        comment = Comment.objects.filter(post=post_obj, origin_id=f"wp:{number}").first()
    if comment is None:
        raise Http404("No such comment.")
    comment.post = post_obj
    return HttpResponseRedirect(comment_url(comment, request))


@never_cache
@require_safe
def csrf_token(request: HttpRequest) -> JsonResponse:
    """A CSRF token and form stamp for a page that was served without them (see
    ARCHITECTURE.md)."""
    return JsonResponse({"csrfToken": get_token(request), "formStamp": form_stamp()})
