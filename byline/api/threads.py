"""A page of a thread for the API, as a stranger sees it on the post page.

The rules are discussion's own: ``pagination.page_range`` says which range of paths the page
is, ``page.shown_to(post, None)`` which comments a stranger sees (public ones and the
placeholders of removed ones), and ``thread.Thread`` prunes empty placeholders and gives each
comment its depth. Only the columns differ from ``page.load_page``: the API reads each
comment's body and times instead of its stored HTML fragment (one range query either way).

The ETag comes from the page cache's tokens for the site and the post
(``core.pagecache``), which change whenever anything a thread shows changes (a comment
published, edited, removed; a name; the discussion settings): a client revalidating an
unchanged page costs one lookup of the post and one of the tokens, and no comment is read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from byline.accounts.models import User
from byline.core import pagecache
from byline.discussion import fragments, pagination
from byline.discussion.models import Comment, DiscussionSettings, RemovalReason
from byline.discussion.page import shown_to
from byline.discussion.thread import Thread
from byline.publishing.models import Post

# Part of every ETag: bump it when the shape of a thread page changes.
FORMAT = "v1.1"


@dataclass(slots=True)
class Row:
    """What the thread needs of a comment, and what the API shows of it."""

    pk: int
    parent_id: int | None
    number: int | None
    status: str
    removal_reason: str
    user_id: int | None
    author_name: str
    author_url: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None
    user: User | None = None


COLUMNS = (
    "id", "parent_id", "number", "status", "removal_reason", "user_id", "author_name",
    "author_url", "body_html", "created_at", "edited_at", *fragments.NAME_COLUMNS,
)  # fmt: skip
_OWN = len(COLUMNS) - len(fragments.NAME_COLUMNS)


def _rows(post: Post, start: str, end: str | None) -> list[Row]:
    query = Comment.objects.filter(shown_to(post, None), path__gte=start)
    if end is not None:
        query = query.filter(path__lt=end)
    people: dict[int, User] = {}
    rows = []
    for values in query.order_by("path").values_list(*COLUMNS):
        row = Row(*values[:_OWN])
        if row.user_id is not None:
            person = people.get(row.user_id)
            if person is None:
                display, first, last, username = values[_OWN:]
                person = User(
                    pk=row.user_id,
                    display_name=display,
                    first_name=first,
                    last_name=last,
                    username=username,
                )
                people[row.user_id] = person
            row.user = person
        rows.append(row)
    return rows


def page_count(post: Post) -> int:
    return pagination.ensure_index(post)


def load(post: Post, number: int) -> list[dict[str, Any]]:
    """Page ``number`` (in range: see ``page_count``) of ``post``'s thread, as API items."""
    bounds = pagination.page_range(post, number)
    thread = Thread(_rows(post, bounds.start, bounds.end))
    show_reason = DiscussionSettings.current().show_removal_reason
    numbers = {item.comment.pk: item.comment.number for item in thread.items}
    items = []
    for item in thread.items:
        row: Any = item.comment
        placeholder = item.is_placeholder
        reason = row.removal_reason if placeholder and show_reason else ""
        items.append(
            {
                "id": row.pk,
                "number": row.number,
                "depth": item.depth,
                "parent_number": numbers.get(row.parent_id) if item.depth else None,
                "status": "removed" if placeholder else "public",
                "removal_reason": RemovalReason(reason).label if reason else None,
                "author": None if placeholder else Comment.display_name.fget(row),  # type: ignore[attr-defined]
                "author_url": (row.author_url or None)
                if not placeholder and row.user_id is None
                else None,
                "is_post_author": not placeholder and Comment.is_by_post_author(row, post),
                "body_html": None if placeholder else row.body_html,
                "created_at": row.created_at,
                "edited_at": None if placeholder else row.edited_at,
            }
        )
    return items


def etag(post: Post, number: int) -> str | None:
    """The page's ETag, from the tokens of what it shows; None when the shared cache cannot
    say (then the response's own bytes are hashed, see ``ConditionalGetMiddleware``)."""
    try:
        parts = pagecache.tokens([pagecache.SITE, pagecache.post_part(post.pk)])
    except Exception:
        return None
    if not all(parts.values()):
        return None
    raw = repr((FORMAT, pagecache.build_id(), post.pk, number, sorted(parts.items())))
    return '"' + hashlib.blake2b(raw.encode(), digest_size=12).hexdigest() + '"'
