"""What the post page needs of its discussion: one page of the thread, loaded by its range."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Q
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from byline.core import memo, pagecache
from byline.core.caching import is_personal
from byline.discussion import fragments, intake, pagination
from byline.discussion.forms import CommentForm, stamp_for
from byline.discussion.models import Comment, DiscussionSettings
from byline.discussion.ownership import owned_comment_ids
from byline.discussion.services import can_edit_comment
from byline.discussion.thread import Thread, ThreadPage
from byline.publishing.models import Post

PAGE_PARAM = "cpage"
_FORM = memo.template_digest("discussion/form.html")
# What a visitor sees of their own comments beyond what everyone sees: held ones, and removed
# or spam ones as they wrote them (with why, and their appeal: ``moderation.appeals``).
OWN_ONLY = [Comment.Status.PENDING, Comment.Status.REMOVED, Comment.Status.SPAM]
_OWN_HIDDEN = frozenset({Comment.Status.REMOVED, Comment.Status.SPAM})


def shown_to(post: Post, request: HttpRequest | None) -> Q:
    # Removed comments, and spam that had been public (it has a number), stand as placeholders
    # so their replies keep their place; the thread prunes the ones with no reply below.
    shown = Q(status__in=[Comment.Status.PUBLIC, Comment.Status.REMOVED]) | Q(
        status=Comment.Status.SPAM, number__isnull=False
    )
    if request is not None and is_personal(request):
        user = request.user
        if user.is_authenticated:
            shown |= Q(status__in=OWN_ONLY, user_id=user.pk)
        owned = owned_comment_ids(request)
        if owned:
            shown |= Q(status__in=OWN_ONLY, pk__in=owned, user__isnull=True)
    return shown & Q(post=post)


def _is_own(user_id: int | None, pk: int, request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user_id is not None:
        return bool(user_id == user.pk)
    return user_id is None and pk in owned_comment_ids(request)


def own_hidden(rows: list[fragments.ShownComment], request: HttpRequest | None) -> frozenset[int]:
    """The visitor's own removed or spam comments among ``rows``: shown to them alone, as they
    wrote them, never as a placeholder (and never pruned)."""
    if request is None or not is_personal(request):
        return frozenset()
    return frozenset(
        row.pk
        for row in rows
        if row.status in _OWN_HIDDEN and _is_own(row.user_id, row.pk, request)
    )


@dataclass
class LoadedPage:
    """A page of the thread as this visitor may see it, with each comment's fragment."""

    page: ThreadPage
    html: dict[int, str] = field(default_factory=dict)

    @property
    def comments(self) -> list[fragments.ShownComment]:
        """The shown comments, in display order."""
        return [cast(fragments.ShownComment, item.comment) for item in self.page.items]


def is_shown(comment: Comment, request: HttpRequest | None) -> bool:
    """Is ``comment`` on its page for this visitor? Decided as the page decides it: the
    comment's branch of the thread, loaded as this visitor may see it, shaped by ``Thread``."""
    if comment.status == Comment.Status.PUBLIC:
        return True
    if (
        comment.status in _OWN_HIDDEN
        and request is not None
        and is_personal(request)
        and _is_own(comment.user_id, comment.pk, request)
    ):
        return True  # its writer sees it as they wrote it
    if comment.status == Comment.Status.PENDING:  # shown to its writer only
        if request is None:
            return False
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return comment.user_id == user.pk
        return comment.user_id is None and comment.pk in owned_comment_ids(request)
    # Paths are digits: the branch sorts between the comment's path and path + "~".
    branch = Comment.objects.filter(
        shown_to(comment.post, request), path__gte=comment.path, path__lt=f"{comment.path}~"
    )
    rows = [
        fragments.shown((*values, None, None, None, None))
        for values in branch.order_by("path").values_list(*fragments.SHOWN_COLUMNS)
    ]
    return any(item.comment.pk == comment.pk for item in Thread(rows).items)


def load_page(post: Post, request: HttpRequest | None, number: int) -> LoadedPage:
    """Page ``number`` (clamped) of the post's thread as this visitor may see it: public
    comments, placeholders for removed ones and — only on a personal page — the visitor's own
    comments awaiting moderation. One query for the page's range of paths, whatever the size
    of the thread; stale fragments cost one more (see ``fragments.ensure``)."""
    bounds = pagination.page_range(post, number)
    query = Comment.objects.filter(shown_to(post, request), path__gte=bounds.start)
    if bounds.end is not None:
        query = query.filter(path__lt=bounds.end)
    columns = (*fragments.SHOWN_COLUMNS, *fragments.NAME_COLUMNS)
    rows = [fragments.shown(values) for values in query.order_by("path").values_list(*columns)]
    own = own_hidden(rows, request)
    thread = Thread(rows, keep=own)
    rules = DiscussionSettings.current()
    rows = [cast(fragments.ShownComment, item.comment) for item in thread.items]
    shown = fragments.ensure([row for row in rows if row.pk not in own], post, rules)
    # Held comments, and the visitor's own removed or spam ones: rendered for them, not stored.
    pending = [i.comment.pk for i in thread.items if i.is_pending or i.comment.pk in own]
    if pending:
        shown.update(fragments.render_pending(pending, post, rules))
    return LoadedPage(thread.page(bounds.number, bounds.count), shown)


def as_id(value: object) -> int | None:
    """A database id from untrusted text, or None ("²".isdigit() is true, int("²") fails)."""
    text = str(value or "").strip()
    return int(text) if re.fullmatch(r"[0-9]{1,18}", text) else None


def requested_page(request: HttpRequest) -> int | None:
    """The page the address asks for (``?cpage=``), or None when it names none."""
    value = request.GET.get(PAGE_PARAM)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return 1


def _public_comment(post: Post, pk: int | None) -> Comment | None:
    if pk is None:
        return None
    return (
        Comment.objects.filter(pk=pk, post=post, status=Comment.Status.PUBLIC)
        .select_related("user")
        .first()
    )


def _standing_notes(request: HttpRequest, own: list[Comment]) -> dict[int, str]:
    """For the visitor's own comments that are not public (or were appealed): why, and their
    appeal — rendered for this visitor only, added when the page is assembled."""
    return intake.screening().standing_notes(request, own)


def discussion_context(
    request: HttpRequest, post: Post, form: CommentForm | None = None
) -> dict[str, Any]:
    """Template context for the discussion under a post."""
    user = request.user if request.user.is_authenticated else None
    if form is None:
        # ``?replyto=`` (the Reply link without JavaScript) shows the page of that comment.
        reply_to = _public_comment(post, as_id(request.GET.get("replyto", "")))
        initial = {"parent": reply_to.pk} if reply_to is not None else {}
        form = CommentForm(post=post, user=user, initial=initial)
    else:
        parent_id = form.data.get("parent") if form.is_bound else None
        reply_to = _public_comment(post, as_id(parent_id))
    number = requested_page(request)
    if number is None:
        number = pagination.page_of_path(post, reply_to.path) if reply_to is not None else 1
    loaded = load_page(post, request, number)
    page = loaded.page
    # Stored in the page cache only under its own address (not ?cpage=01 or ?cpage=999).
    query = request.GET
    pagecache.expect_params(
        request,
        cpage=str(page.number) if "cpage" in query else None,
        replyto=str(reply_to.pk) if reply_to is not None and "replyto" in query else None,
    )
    editable: set[int] = set()
    notes: dict[int, str] = {}
    if is_personal(request):
        owned = owned_comment_ids(request)
        mine = [
            c.pk
            for c in loaded.comments
            if (user is not None and c.user_id == user.pk) or (c.user_id is None and c.pk in owned)
        ]
        if mine:
            own = list(
                Comment.objects.filter(pk__in=mine)
                .select_related("appeal")
                .defer("body", "body_html", "html", "user_agent")
            )
            for comment in own:
                if can_edit_comment(comment, user=user, owned_ids=owned):
                    editable.add(comment.pk)
            notes = _standing_notes(request, own)
    chunks = fragments.thread_chunks(
        page.items,
        loaded.html,
        last_number=post.last_comment_number,
        editable=editable,
        notes=notes,
    )
    form_html = ""
    if not is_personal(request) and not form.is_bound:
        # A stranger's empty form is the same for every stranger on this post: render it once.
        shown_reply = (reply_to.pk, reply_to.number, reply_to.display_name) if reply_to else None
        rules = DiscussionSettings.current()
        key = (
            "comment-form", _FORM, post.pk, post.get_absolute_url(), post.comments_open,
            rules.max_length, rules.hold_new_comments, shown_reply,
        )  # fmt: skip
        form_context = {
            "post": post, "comment_form": form, "reply_to": reply_to, "discussion_rules": rules,
            "form_stamp": "", "personal": False, "user": request.user,
        }  # fmt: skip
        form_html = memo.rendered(
            key, lambda: render_to_string("discussion/form.html", form_context, request)
        )
    return {
        "form_html": form_html,
        # Shared pages carry no stamp (they would differ every second); byline.js fetches one
        # with the CSRF token. A page re-shown after a POST keeps the first stamp.
        "form_stamp": stamp_for(request)
        if request.method == "POST" or is_personal(request)
        else "",
        "comment_page": page,
        # The template marks where the thread goes; ``fragments.splice`` puts it there.
        "thread_html": mark_safe(fragments.THREAD_MARK),  # noqa: S308 - a constant
        "thread_chunks": chunks,
        "comment_form": form,
        "reply_to": reply_to,
        "editable_ids": editable,
        "discussion_rules": DiscussionSettings.current(),
        "page_param": PAGE_PARAM,
        "post_url": post.get_absolute_url(),
    }
