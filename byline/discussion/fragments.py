"""Each comment's HTML, rendered when the comment is written and assembled into pages.

Rendering 500 comments through Django's template engine took most of a long thread's page
time; joining 500 stored strings takes well under a millisecond. A comment's fragment
(``Comment.html``) is the same for every visitor and every page of the thread it is on: the
parts that depend on the visitor (the "Edit" link, the "Awaiting moderation" badge) are added
when a page is assembled (``thread_html``), and pending comments are never stored.

``Comment.html_key`` records what the fragment was rendered from: the template's own text, the
post's address, author and comment switch, the site's settings that show in it, and the
comment's status, number and removal reason. A fragment whose key no longer matches is rendered
again when next shown and written back, so a change of template, post or settings needs no
migration and no job. Services that change a comment render it at once (``refresh``); writers
that cannot (the importer, a commenter renaming their account) empty its key.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import get_template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from byline.core import pagecache
from byline.core.dbwrite import quick_write
from byline.discussion.models import Comment, DiscussionSettings
from byline.discussion.thread import ThreadItem
from byline.publishing.models import Post

log = logging.getLogger(__name__)

TEMPLATE = "discussion/_comment.html"


@dataclass(slots=True)
class ShownComment:
    """What the thread needs of a comment to show it from its stored fragment."""

    pk: int
    parent_id: int | None
    number: int | None
    status: str
    html: str
    html_key: str
    origin_id: str | None
    user_id: int | None
    removal_reason: str
    author_name: str
    author_url: str
    # The account's names (None for a guest): the fragment shows the public one.
    names: tuple[str | None, ...]

    @property
    def legacy_anchor(self) -> int | None:
        """The comment's id on the WordPress site it came from (old links' ``#comment-ID``)."""
        origin = self.origin_id or ""
        return int(origin[3:]) if origin.startswith("wp:") and origin[3:].isdigit() else None


# The columns ``ShownComment`` is loaded from, in its field order (``NAME_COLUMNS`` last).
SHOWN_COLUMNS = (
    "id", "parent_id", "number", "status", "html", "html_key", "origin_id", "user_id",
    "removal_reason", "author_name", "author_url",
)  # fmt: skip
NAME_COLUMNS = ("user__display_name", "user__first_name", "user__last_name", "user__username")


def shown(values: tuple[object, ...]) -> ShownComment:
    """A ``ShownComment`` from a row of ``SHOWN_COLUMNS + NAME_COLUMNS``."""
    head = values[: len(SHOWN_COLUMNS)]
    return ShownComment(*head, names=tuple(values[len(SHOWN_COLUMNS) :]))  # type: ignore[arg-type, misc]


def post_context(post: Post, rules: DiscussionSettings | None = None) -> str:
    """The part of every fragment's key that comes from the template, the post and the site."""
    rules = rules or DiscussionSettings.current()
    # The build (all of Byline's code and templates) rather than the template alone: labels,
    # routes and name rules live in code too. A deploy re-renders each fragment once.
    parts = (
        pagecache.build_id(), settings.TIME_ZONE, settings.LANGUAGE_CODE,
        post.get_absolute_url(), post.author_id, post.comments_open, rules.show_removal_reason,
    )  # fmt: skip
    return hashlib.blake2b(repr(parts).encode(), digest_size=6).hexdigest()


def key_for(
    context: str,
    status: str,
    number: int | None,
    removal_reason: str,
    who: tuple[object, ...],
) -> str:
    """The key a fragment rendered now would carry; ``who`` is what it shows of its author.
    (An edit changes the text but none of these: ``edit_comment`` renders the fragment
    again itself, and a stale write-back cannot overwrite it, see ``ensure``.)"""
    digest = hashlib.blake2b(repr(who).encode(), digest_size=4).hexdigest()
    return f"{context}|{status}|{number or ''}|{removal_reason}|{digest}"


def _who(comment: Comment) -> tuple[object, ...]:
    user = comment.user if comment.user_id is not None else None
    names = (
        (user.display_name, user.first_name, user.last_name, user.username)
        if user is not None
        else (None, None, None, None)
    )
    return (comment.author_name, comment.author_url, *names)


def _row_who(row: ShownComment) -> tuple[object, ...]:
    return (row.author_name, row.author_url, *row.names)


def _placeholder(status: str) -> bool:
    return status in (Comment.Status.REMOVED, Comment.Status.SPAM)


def render(
    comment: Comment, post: Post, rules: DiscussionSettings, *, pending: bool = False
) -> str:
    """The fragment for ``comment`` (whose ``user`` should be loaded) under ``post``.
    ``pending``: for its writer's eyes only (held, or their own removed or spam comment, shown
    as written), never stored."""
    context = {
        "c": comment,
        "placeholder": _placeholder(comment.status) and not pending,
        "pending": pending,
        "post_url": post.get_absolute_url(),
        "comments_open": post.comments_open,
        "by_post_author": comment.user_id is not None and comment.user_id == post.author_id,
        "show_removal_reason": rules.show_removal_reason,
    }
    return get_template(TEMPLATE).render(context)


def refresh(comment: Comment, post: Post | None = None) -> None:
    """Render ``comment``'s fragment now and store it (services call this after a change)."""
    if comment.status == Comment.Status.PENDING or (
        comment.status == Comment.Status.SPAM and comment.number is None
    ):
        return  # never shown to readers (a pending one only to its author, rendered then)
    post = post or Post.objects.get(pk=comment.post_id)
    rules = DiscussionSettings.current()
    comment.html = render(comment, post, rules)
    comment.html_key = key_for(
        post_context(post, rules),
        comment.status,
        comment.number,
        comment.removal_reason,
        _who(comment),
    )
    Comment.objects.filter(pk=comment.pk).update(html=comment.html, html_key=comment.html_key)


def ensure(rows: Sequence[ShownComment], post: Post, rules: DiscussionSettings) -> dict[int, str]:
    """The fragment of every row that is not pending, rendering (and storing) stale ones."""
    context = post_context(post, rules)
    fragments: dict[int, str] = {}
    stale: dict[int, str] = {}
    for row in rows:
        if row.status == Comment.Status.PENDING:
            continue
        key = key_for(context, row.status, row.number, row.removal_reason, _row_who(row))
        if row.html_key == key:
            fragments[row.pk] = row.html
        else:
            stale[row.pk] = row.html_key
    if stale:
        fresh = Comment.objects.select_related("user").in_bulk(list(stale))
        keys: dict[int, str] = {}
        for comment in fresh.values():
            fragments[comment.pk] = render(comment, post, rules)
            keys[comment.pk] = key_for(
                context, comment.status, comment.number, comment.removal_reason, _who(comment)
            )

        def store() -> None:
            for pk, key in keys.items():
                # Only over the fragment this reader saw: if the comment was edited (and
                # rendered by its service) meanwhile, its new fragment stays.
                Comment.objects.filter(pk=pk, html_key=stale[pk]).update(
                    html=fragments[pk], html_key=key
                )

        if not quick_write(store):  # a busy database: the next reader stores them
            log.info("Left %d re-rendered comment fragments for the next reader", len(keys))
    return fragments


def render_pending(pks: Iterable[int], post: Post, rules: DiscussionSettings) -> dict[int, str]:
    """Fragments for the visitor's own comments awaiting moderation, removed or filed as spam
    (never stored)."""
    comments = Comment.objects.select_related("user").in_bulk(list(pks))
    return {pk: render(c, post, rules, pending=True) for pk, c in comments.items()}


# Where the thread goes in the rendered page (see ``splice``): a page of 500 comments is half a
# megabyte, and passing it through the template engine copied it at every level of nesting.
THREAD_MARK = "<!--byline:thread-->"


def thread_chunks(
    items: Sequence[ThreadItem],
    fragments: dict[int, str],
    *,
    last_number: int,
    editable: frozenset[int] | set[int] = frozenset(),
    notes: Mapping[int, str] | None = None,
) -> list[str]:
    """The page's ``<ol class="comments">`` from the items' fragments, with the nesting markup
    and the visitor's own "Edit" links, as pieces to join. ``last_number``: the post's last
    comment number (an old WordPress anchor is kept only where no comment of ours has it).
    ``notes``: HTML for this visitor only, put at the end of their own comments (why one is
    not public, their appeal)."""
    out = ['<ol class="comments">\n']
    append = out.append
    opening = [f'<li class="comment-item depth-{depth}">\n' for depth in range(12)]
    for item in items:
        row = item.comment
        pk = row.pk
        fragment = fragments.get(pk)
        if fragment is None:  # gone between the page query and now
            continue
        append(opening[item.depth] if item.depth < 12 else opening[-1])
        origin = getattr(row, "origin_id", None)
        if origin and origin.startswith("wp:"):
            legacy = row.legacy_anchor  # type: ignore[attr-defined]
            if legacy and legacy > last_number:
                append(f'<span id="comment-{legacy}"></span>')
        if pk in editable:
            head, footer, tail = fragment.rpartition("</footer>")
            link = escape(reverse("discussion:edit", args=[pk]))
            fragment = (
                f'{head}<a class="edit" href="{link}">Edit<span class="visually-hidden">'
                f" your comment</span></a>\n  {footer}{tail}"
            )
        if notes and pk in notes:
            head, end, tail = fragment.rpartition("</article>")
            fragment = f"{head}{notes[pk]}{end}{tail}"
        append(fragment)
        append('\n<ol class="replies">\n' if item.has_children else "\n</li>\n")
        if item.closes:
            append("</ol></li>\n" * item.closes)
    append("</ol>")
    return out


def thread_html(
    items: Sequence[ThreadItem],
    fragments: dict[int, str],
    *,
    last_number: int,
    editable: frozenset[int] | set[int] = frozenset(),
) -> SafeString:
    """``thread_chunks`` joined into one safe string."""
    chunks = thread_chunks(items, fragments, last_number=last_number, editable=editable)
    return mark_safe("".join(chunks))  # noqa: S308 - fragments come from an escaping template


def splice(page: str, chunks: list[str]) -> str:
    """Put the thread's pieces where the page template left ``THREAD_MARK``."""
    head, mark, tail = page.partition(THREAD_MARK)
    if not mark:
        return page
    return "".join([head, *chunks, tail])
