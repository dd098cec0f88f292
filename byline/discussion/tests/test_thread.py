"""Pure unit tests for thread shaping: no database."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from byline.discussion.thread import Thread


@dataclass
class Row:
    pk: int
    parent_id: int | None
    number: int | None
    status: str = "public"


def markup(thread: Thread, page: int = 1) -> str:
    """Render a page the way the template does, as a compact string, to check nesting."""
    out = ["<ol>"]
    for item in thread.page(page).items:
        out.append(f"<li>{item.comment.pk}")
        out.append("<ol>" if item.has_children else "</li>")
        out.extend("</ol></li>" for _ in item.close_range)
    out.append("</ol>")
    return "".join(out)


def test_it_nests_replies_under_their_parents() -> None:
    rows = [Row(1, None, 1), Row(2, 1, 2), Row(3, 2, 3), Row(4, 1, 4), Row(5, None, 5)]
    thread = Thread(rows)
    depths = [(i.comment.pk, i.depth) for i in thread.page(1).items]
    assert depths == [(1, 0), (2, 1), (3, 2), (4, 1), (5, 0)]
    assert markup(thread) == (
        "<ol><li>1<ol><li>2<ol><li>3</li></ol></li><li>4</li></ol></li><li>5</li></ol>"
    )


def test_markup_is_balanced_for_a_deep_chain_ending_a_page() -> None:
    rows = [Row(1, None, 1), Row(2, 1, 2), Row(3, 2, 3), Row(4, 3, 4)]
    html = markup(Thread(rows))
    assert html.count("<ol>") == html.count("</ol>")
    assert html.count("<li>") == html.count("</li>")


def test_pages_hold_whole_top_level_threads() -> None:
    rows = []
    for root in range(1, 8):  # 7 roots, each with one reply
        rows.append(Row(root * 10, None, root * 2 - 1))
        rows.append(Row(root * 10 + 1, root * 10, root * 2))
    thread = Thread(rows, per_page=3)
    assert thread.num_pages == 3
    assert [i.comment.pk for i in thread.page(2).items] == [40, 41, 50, 51, 60, 61]
    assert [i.comment.pk for i in thread.page(3).items] == [70, 71]


def test_it_finds_the_page_of_a_comment_number() -> None:
    # Rows come in display order: the late reply to #1 sits right after it.
    rows = [Row(1, None, 1), Row(100, 1, 12)] + [Row(n, None, n) for n in range(2, 12)]
    thread = Thread(rows, per_page=5)
    assert thread.page_of(3) == 1
    assert thread.page_of(7) == 2
    assert thread.page_of(11) == 3
    assert thread.page_of(12) == 1  # a late reply lives with its thread on page 1
    assert thread.page_of(99) is None


def test_out_of_range_pages_are_clamped() -> None:
    thread = Thread([Row(1, None, 1)], per_page=5)
    assert thread.page(0).number == 1
    assert thread.page(42).number == 1
    assert Thread([]).page(1).items == []
    assert Thread([]).num_pages == 1


def test_removed_comments_without_visible_replies_disappear() -> None:
    rows = [Row(1, None, 1, "removed"), Row(2, None, 2), Row(3, 2, 3, "removed")]
    thread = Thread(rows)
    assert [i.comment.pk for i in thread.page(1).items] == [2]
    assert thread.page(1).items[0].has_children is False


def test_removed_comments_with_visible_replies_stay_as_placeholders() -> None:
    rows = [Row(1, None, 1, "removed"), Row(2, 1, 2, "removed"), Row(3, 2, 3)]
    items = Thread(rows).page(1).items
    assert [(i.comment.pk, i.is_placeholder, i.depth) for i in items] == [
        (1, True, 0),
        (2, True, 1),
        (3, False, 2),
    ]


def test_pending_comment_keeps_its_placeholder_parent() -> None:
    rows = [Row(1, None, 1, "removed"), Row(2, 1, None, "pending")]
    items = Thread(rows).page(1).items
    assert [i.comment.pk for i in items] == [1, 2]
    assert items[1].is_pending


def test_an_orphan_whose_parent_is_hidden_starts_its_own_thread() -> None:
    # Comment 2's parent (99) is not in the list, e.g. it is held or became spam.
    rows = [Row(1, None, 1), Row(5, 1, 2), Row(2, 99, 3), Row(3, 2, 4)]
    thread = Thread(rows, per_page=1)
    html = markup(thread, 2)
    assert html.count("<ol>") == html.count("</ol>")
    assert [(i.comment.pk, i.depth) for i in thread.page(2).items] == [(2, 0), (3, 1)]
    assert thread.page_of_comment(3) == 2 and thread.page_of_comment(5) == 1


def test_per_page_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Thread([], per_page=0)
