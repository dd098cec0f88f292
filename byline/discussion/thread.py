"""Shaping a page of a thread, already loaded in display order, into nested items.

Pure code with no database access: the post page loads a page of the thread in one query
(a range of ``Comment.path``, see ``byline.discussion.pagination``) and hands the rows here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


class ThreadRow(Protocol):
    """What shaping needs from a comment (a model instance or any look-alike)."""

    @property
    def pk(self) -> int: ...
    @property
    def parent_id(self) -> int | None: ...
    @property
    def number(self) -> int | None: ...
    @property
    def status(self) -> str: ...


VISIBLE = "public"
PENDING = "pending"
PLACEHOLDER = "removed"
# Spam that had been public stands as a placeholder too (see ``page.load_page``).
_PLACEHOLDER_STATUSES = frozenset({PLACEHOLDER, "spam"})


@dataclass
class ThreadItem:
    """One comment in a page, with the nesting markup the template needs around it."""

    comment: ThreadRow
    depth: int
    has_children: bool = False
    # How many enclosing reply lists close after this item (and its children).
    closes: int = 0

    @property
    def close_range(self) -> range:
        return range(self.closes)

    @property
    def is_placeholder(self) -> bool:
        return self.comment.status in _PLACEHOLDER_STATUSES

    @property
    def is_pending(self) -> bool:
        return self.comment.status == PENDING


@dataclass
class ThreadPage:
    number: int
    num_pages: int
    items: list[ThreadItem] = field(default_factory=list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def page_range(self) -> range:
        return range(1, self.num_pages + 1)


class Thread:
    """One page of a post's comments, shaped into nested items.

    Pages hold whole top-level threads (see ``byline.discussion.pagination``), so the rows of a
    page form a forest of their own. Placeholders (removed comments) are kept only where they
    still have a visible reply under them, so the replies keep their context and an empty
    removed branch disappears. A row whose parent is not in the list (hidden since) starts a
    thread of its own, so the markup always nests properly. ``keep``: removed or spam rows
    shown as they are (a visitor's own, see ``discussion.page``), never pruned.
    """

    def __init__(self, rows: Sequence[ThreadRow], keep: frozenset[int] = frozenset()) -> None:
        self.items: list[ThreadItem] = []
        self._shape(self._prune(rows, keep))

    @staticmethod
    def _prune(rows: Sequence[ThreadRow], keep: frozenset[int] = frozenset()) -> list[ThreadRow]:
        """Drop placeholders with nothing visible below them."""
        keep_ids: set[int] = set()
        parent_of = {row.pk: row.parent_id for row in rows}
        for row in rows:
            if row.status not in _PLACEHOLDER_STATUSES or row.pk in keep:
                # Mark every ancestor as worth keeping.
                ancestor = row.parent_id
                while ancestor is not None and ancestor not in keep_ids:
                    keep_ids.add(ancestor)
                    ancestor = parent_of.get(ancestor)
        return [
            row
            for row in rows
            if row.status not in _PLACEHOLDER_STATUSES or row.pk in keep_ids or row.pk in keep
        ]

    def _shape(self, rows: list[ThreadRow]) -> None:
        depth_of: dict[int, int] = {}
        items = self.items
        for row in rows:
            parent = row.parent_id
            # A row whose parent is not shown (held, spam) starts a thread of its own rather
            # than appearing to answer whatever came before it.
            depth = depth_of[parent] + 1 if parent is not None and parent in depth_of else 0
            depth_of[row.pk] = depth
            items.append(ThreadItem(comment=row, depth=depth))
        for position, item in enumerate(items):
            nxt = items[position + 1].depth if position + 1 < len(items) else 0
            item.has_children = nxt > item.depth
            item.closes = 0 if item.has_children else item.depth - nxt

    @property
    def count(self) -> int:
        """Items shown, placeholders included."""
        return len(self.items)

    def page(self, number: int, num_pages: int) -> ThreadPage:
        """These items as page ``number`` of ``num_pages``."""
        return ThreadPage(number=number, num_pages=num_pages, items=self.items)
