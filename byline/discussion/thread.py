"""Shaping a thread, already loaded in display order, into pages of nested items.

Pure code with no database access: the post page loads a thread in one query (ordered by
``Comment.path``) and hands the rows here. Pages hold whole top-level threads, so a reply is
always on the same page as the comment it answers, and a permalink can be resolved to its page.
"""

from __future__ import annotations

import math
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
# Spam that had been public stands as a placeholder too (see ``page.load_thread``).
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
    """A post's comments as a forest, split into pages of ``per_page`` top-level threads.

    Placeholders (removed comments) are kept only where they still have a visible reply under
    them, so the replies keep their context and an empty removed branch disappears. A row whose
    parent is not in the list (hidden since) is shown where it stands, one level below the row
    before it at most, so the markup always nests properly.
    """

    def __init__(self, rows: Sequence[ThreadRow], per_page: int = 50) -> None:
        if per_page < 1:
            raise ValueError("per_page must be at least 1")
        self.per_page = per_page
        self._roots: list[list[ThreadItem]] = []
        self._page_of_number: dict[int, int] = {}
        self._page_of_pk: dict[int, int] = {}
        self._shape(self._prune(rows))

    @staticmethod
    def _prune(rows: Sequence[ThreadRow]) -> list[ThreadRow]:
        """Drop placeholders with nothing visible below them."""
        keep_ids: set[int] = set()
        parent_of = {row.pk: row.parent_id for row in rows}
        for row in rows:
            if row.status != PLACEHOLDER:
                # Mark every ancestor as worth keeping.
                ancestor = row.parent_id
                while ancestor is not None and ancestor not in keep_ids:
                    keep_ids.add(ancestor)
                    ancestor = parent_of.get(ancestor)
        return [row for row in rows if row.status != PLACEHOLDER or row.pk in keep_ids]

    def _shape(self, rows: list[ThreadRow]) -> None:
        depth_of: dict[int, int] = {}
        for row in rows:
            if row.parent_id is None or not self._roots:
                depth = 0
            elif row.parent_id in depth_of:
                depth = depth_of[row.parent_id] + 1
            else:
                # Its parent is not shown (held, spam): it starts a thread of its own rather
                # than appearing to answer whatever came before it.
                depth = 0
            depth_of[row.pk] = depth
            item = ThreadItem(comment=row, depth=depth)
            if depth == 0 or not self._roots:
                self._roots.append([item])
            else:
                self._roots[-1].append(item)

        for index, group in enumerate(self._roots):
            page = index // self.per_page + 1
            for position, item in enumerate(group):
                nxt = group[position + 1].depth if position + 1 < len(group) else 0
                item.has_children = nxt > item.depth
                item.closes = max(0, item.depth - nxt) if not item.has_children else 0
                if item.comment.number is not None:
                    self._page_of_number[item.comment.number] = page
                self._page_of_pk[item.comment.pk] = page

    @property
    def num_pages(self) -> int:
        return max(1, math.ceil(len(self._roots) / self.per_page))

    @property
    def count(self) -> int:
        """Items shown, placeholders included."""
        return sum(len(group) for group in self._roots)

    def page(self, number: int) -> ThreadPage:
        """Page ``number`` (1-based), clamped into range so a stale link still shows something."""
        number = min(max(1, number), self.num_pages)
        start = (number - 1) * self.per_page
        items = [item for group in self._roots[start : start + self.per_page] for item in group]
        return ThreadPage(number=number, num_pages=self.num_pages, items=items)

    def page_of_comment(self, pk: int) -> int | None:
        """The page that shows the comment with this id (numbered or not)."""
        return self._page_of_pk.get(pk)

    def page_of(self, comment_number: int) -> int | None:
        """The page that shows comment ``comment_number``, or None if it is not shown."""
        return self._page_of_number.get(comment_number)
