"""Pure unit tests for thread shaping, page breaks and page assembly: no database."""

from __future__ import annotations

import html.parser
import re
from dataclasses import dataclass

from byline.discussion.fragments import thread_html
from byline.discussion.pagination import build_pages
from byline.discussion.thread import Thread


@dataclass
class Row:
    pk: int
    parent_id: int | None
    number: int | None
    status: str = "public"
    origin_id: str | None = None

    @property
    def legacy_anchor(self) -> int | None:
        origin = self.origin_id or ""
        return int(origin[3:]) if origin.startswith("wp:") else None


def markup(thread: Thread) -> str:
    """The page's nesting as a compact string (the fragments are just their ids)."""
    fragments = {item.comment.pk: str(item.comment.pk) for item in thread.items}
    html = thread_html(thread.items, fragments, last_number=0)
    html = re.sub(r'<ol class="\w+">', "<ol>", html)
    html = re.sub(r'<li class="[^"]*">', "<li>", html)
    return re.sub(r"\s+", "", html)


def test_it_nests_replies_under_their_parents() -> None:
    rows = [Row(1, None, 1), Row(2, 1, 2), Row(3, 2, 3), Row(4, 1, 4), Row(5, None, 5)]
    thread = Thread(rows)
    depths = [(i.comment.pk, i.depth) for i in thread.items]
    assert depths == [(1, 0), (2, 1), (3, 2), (4, 1), (5, 0)]
    assert markup(thread) == (
        "<ol><li>1<ol><li>2<ol><li>3</li></ol></li><li>4</li></ol></li><li>5</li></ol>"
    )


def test_markup_is_balanced_for_a_deep_chain_ending_a_page() -> None:
    rows = [Row(1, None, 1), Row(2, 1, 2), Row(3, 2, 3), Row(4, 3, 4)]
    html = markup(Thread(rows))
    assert html.count("<ol>") == html.count("</ol>")
    assert html.count("<li>") == html.count("</li>")


class _Balance(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("ol", "li", "article", "footer", "span"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("ol", "li", "article", "footer", "span"):
            return
        assert self.stack and self.stack.pop() == tag, (tag, self.stack)


def test_assembled_page_nests_fragments_and_adds_edit_links_and_legacy_anchors() -> None:
    rows = [Row(1, None, 1, origin_id="wp:900"), Row(2, 1, 2), Row(3, None, 3, origin_id="wp:2")]
    fragments = {
        r.pk: f'<article id="comment-{r.number}"><footer><a>Reply</a></footer></article>'
        for r in rows
    }
    html = thread_html(Thread(rows).items, fragments, last_number=3, editable={2})
    checker = _Balance()
    checker.feed(html)
    assert checker.stack == []
    assert html.count('class="edit"') == 1 and "/comments/2/edit/" in html
    assert html.index("/comments/2/edit/") < html.index("</footer>", html.index('id="comment-2"'))
    # #comment-900 (an old WordPress link) still lands; #comment-2 is our own comment 2.
    assert '<span id="comment-900"></span>' in html and '<span id="comment-2"></span>' not in html


def test_page_breaks_only_before_a_top_level_comment() -> None:
    # (path, depth): 7 top-level comments, each with one reply.
    rows = []
    for root in range(1, 8):
        rows += [(f"{root:02d}", 0), (f"{root:02d}r", 1)]
    assert build_pages(rows, per_page=4) == [("", 4), ("03", 4), ("05", 4), ("07", 2)]
    # A page never splits a thread, however long it is.
    long = [("01", 0)] + [(f"01-{i:03d}", 1) for i in range(10)] + [("02", 0)]
    assert build_pages(long, per_page=4) == [("", 11), ("02", 1)]
    assert build_pages([], per_page=4) == [("", 0)]


def test_removed_comments_without_visible_replies_disappear() -> None:
    rows = [Row(1, None, 1, "removed"), Row(2, None, 2), Row(3, 2, 3, "removed")]
    thread = Thread(rows)
    assert [i.comment.pk for i in thread.items] == [2]
    assert thread.items[0].has_children is False


def test_removed_comments_with_visible_replies_stay_as_placeholders() -> None:
    rows = [Row(1, None, 1, "removed"), Row(2, 1, 2, "spam"), Row(3, 2, 3)]
    items = Thread(rows).items
    assert [(i.comment.pk, i.is_placeholder, i.depth) for i in items] == [
        (1, True, 0),
        (2, True, 1),
        (3, False, 2),
    ]


def test_pending_comment_keeps_its_placeholder_parent() -> None:
    rows = [Row(1, None, 1, "removed"), Row(2, 1, None, "pending")]
    items = Thread(rows).items
    assert [i.comment.pk for i in items] == [1, 2]
    assert items[1].is_pending


def test_an_orphan_whose_parent_is_hidden_starts_its_own_thread() -> None:
    # Comment 2's parent (99) is not in the list, e.g. it is held or became spam.
    rows = [Row(1, None, 1), Row(5, 1, 2), Row(2, 99, 3), Row(3, 2, 4)]
    thread = Thread(rows)
    html = markup(thread)
    assert html.count("<ol>") == html.count("</ol>")
    assert [(i.comment.pk, i.depth) for i in thread.items] == [(1, 0), (5, 1), (2, 0), (3, 1)]


def test_an_empty_page() -> None:
    thread = Thread([])
    assert thread.items == [] and thread.page(1, 1).items == []
    assert thread.page(2, 3).has_previous and thread.page(2, 3).has_next
