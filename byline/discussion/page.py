"""What the post page needs of its discussion, loaded in one query."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.http import HttpRequest

from byline.core.caching import is_personal
from byline.discussion.forms import CommentForm, stamp_for
from byline.discussion.models import Comment, DiscussionSettings
from byline.discussion.ownership import owned_comment_ids
from byline.discussion.services import edit_window_open
from byline.discussion.thread import PLACEHOLDER, Thread, ThreadPage
from byline.publishing.models import Post

PAGE_PARAM = "cpage"


@dataclass(frozen=True, slots=True)
class Skeleton:
    """The four columns thread shaping needs; a full comment is loaded only if it is shown."""

    pk: int
    parent_id: int | None
    number: int | None
    status: str


def _shown(post: Post, request: HttpRequest | None) -> Q:
    # Removed comments, and spam that had been public (it has a number), stand as placeholders
    # so their replies keep their place; the thread prunes the ones with no reply below.
    shown = Q(status__in=[Comment.Status.PUBLIC, Comment.Status.REMOVED]) | Q(
        status=Comment.Status.SPAM, number__isnull=False
    )
    if request is not None and is_personal(request):
        user = request.user
        if user.is_authenticated:
            shown |= Q(status=Comment.Status.PENDING, user_id=user.pk)
        owned = owned_comment_ids(request)
        if owned:
            shown |= Q(status=Comment.Status.PENDING, pk__in=owned, user__isnull=True)
    return shown & Q(post=post)


def load_thread(
    post: Post, request: HttpRequest | None = None, also: tuple[int, ...] = ()
) -> Thread:
    """The post's whole thread as this visitor may see it, in one query in display order:
    public comments, placeholders for removed ones and — only on a personal page — the
    visitor's own comments awaiting moderation (and ``also``: a comment just posted, before
    the visitor's page counts as personal). Rows are skeletons; see ``fill_page``."""
    query = Comment.objects.filter(_shown(post, request) | Q(pk__in=also, post=post))
    rows = [
        Skeleton(pk, parent_id, number, PLACEHOLDER if status == Comment.Status.SPAM else status)
        for pk, parent_id, number, status in query.order_by("path").values_list(
            "id", "parent_id", "number", "status"
        )
    ]
    return Thread(rows, per_page=DiscussionSettings.current().comments_per_page)


# What the thread template shows of a comment and its author, and nothing more.
_SHOWN_FIELDS = (
    "id", "post_id", "parent_id", "in_reply_to_id", "user_id", "number", "depth", "path",
    "status", "author_name", "author_url", "body_html", "created_at", "edited_at",
    "user__display_name", "user__first_name", "user__last_name", "user__username", "origin_id",
    "removal_reason",
)  # fmt: skip


def fill_page(page: ThreadPage) -> ThreadPage:
    """Swap the page's skeletons for full comments, in one query whatever the thread's size."""
    ids = [item.comment.pk for item in page.items]
    query = Comment.objects.select_related("user").only(*_SHOWN_FIELDS)
    full = query.in_bulk(ids) if ids else {}
    page.items = [item for item in page.items if item.comment.pk in full]
    for item in page.items:
        item.comment = full[item.comment.pk]
    return page


def as_id(value: object) -> int | None:
    """A database id from untrusted text, or None ("²".isdigit() is true, int("²") fails)."""
    text = str(value or "").strip()
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) else None


def requested_page(request: HttpRequest) -> int:
    try:
        return int(request.GET.get(PAGE_PARAM, "1"))
    except ValueError:
        return 1


def discussion_context(
    request: HttpRequest, post: Post, form: CommentForm | None = None
) -> dict[str, Any]:
    """Template context for the discussion under a post."""
    thread = load_thread(post, request)
    page = fill_page(thread.page(requested_page(request)))
    user = request.user if request.user.is_authenticated else None
    reply_to: Comment | None = None
    if form is None:
        initial: dict[str, Any] = {}
        replyto = request.GET.get("replyto", "")
        wanted = as_id(replyto)
        if wanted is not None:
            for item in page.items:
                row = item.comment
                if isinstance(row, Comment) and row.pk == wanted and row.status == "public":
                    reply_to = row
            if reply_to is not None:
                initial["parent"] = reply_to.pk
        form = CommentForm(post=post, user=user, initial=initial)
    else:
        parent_id = form.data.get("parent") if form.is_bound else None
        wanted = as_id(parent_id)
        if wanted is not None:
            reply_to = (
                Comment.objects.filter(pk=wanted, post=post, status="public")
                .select_related("user")
                .first()
            )
    editable: set[int] = set()
    if is_personal(request):
        owned = owned_comment_ids(request)
        for item in page.items:
            c = item.comment
            if not isinstance(c, Comment):
                continue
            mine = (user is not None and c.user_id == user.pk) or (
                c.user_id is None and c.pk in owned
            )
            if mine and edit_window_open(c):
                editable.add(c.pk)
    return {
        # Shared pages carry no stamp (they would differ every second); byline.js fetches one
        # with the CSRF token. A page re-shown after a POST keeps the first stamp.
        "form_stamp": stamp_for(request)
        if request.method == "POST" or is_personal(request)
        else "",
        "thread": thread,
        "comment_page": page,
        "comment_form": form,
        "reply_to": reply_to,
        "editable_ids": editable,
        "discussion_rules": DiscussionSettings.current(),
        "page_param": PAGE_PARAM,
        "post_url": post.get_absolute_url(),
    }
