"""Pages of a long thread: counted in comments, broken between top-level threads, loaded by a
range of paths, found by index — and kept right as comments arrive, leave and are imported."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from byline.discussion import pagination
from byline.discussion.models import Comment, CommentPage, DiscussionSettings
from byline.discussion.page import load_page
from byline.moderation import actions
from byline.publishing.models import Post

pytestmark = pytest.mark.django_db


@pytest.fixture
def per_page_10() -> DiscussionSettings:
    rules = DiscussionSettings.current()
    rules.comments_per_page = 10
    rules.save()
    return rules


def thread(post, add_comment, roots: int, replies: int) -> list[Comment]:
    """``roots`` top-level comments, each followed by ``replies`` replies, one minute apart."""
    start = timezone.now() - timedelta(days=1)
    made: list[Comment] = []
    for r in range(roots):
        root = add_comment(post, f"root {r}", now=start + timedelta(minutes=len(made)))
        made.append(root)
        for i in range(replies):
            made.append(
                add_comment(
                    post, f"reply {r}.{i}", parent=root, now=start + timedelta(minutes=len(made))
                )
            )
    return made


def shown_numbers(post: Post, page: int) -> list[int]:
    return [c.number for c in load_page(Post.objects.get(pk=post.pk), None, page).comments]


def test_pages_count_comments_and_never_split_a_thread(post, add_comment, per_page_10):
    thread(post, add_comment, roots=9, replies=3)  # 36 comments, threads of 4
    post.refresh_from_db()
    assert pagination.ensure_index(post) == 3
    pages = [shown_numbers(post, n) for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [12, 12, 12]  # 3 threads of 4 reach 10: the page closes
    assert [n for page in pages for n in page] == list(range(1, 37))


def test_new_comments_open_a_new_last_page_and_late_replies_stay_with_their_thread(
    post, add_comment, per_page_10, stranger
):
    made = thread(post, add_comment, roots=6, replies=1)  # 12 comments: pages of 10 + 2
    post.refresh_from_db()
    assert pagination.ensure_index(post) == 2
    late = add_comment(post, "a late reply to the first thread", parent=made[0])
    assert stranger.get(f"{post.get_absolute_url()}comment-{late.number}/")["Location"].endswith(
        f"#comment-{late.number}"
    )  # page 1: with its parent
    for i in range(8):
        add_comment(post, f"more {i}")
    post.refresh_from_db()
    assert post.comment_pages == 2  # page 2 grew from 2 to 10 comments, then…
    newest = add_comment(post, "the one that opens page 3")
    post.refresh_from_db()
    assert post.comment_pages == 3
    assert shown_numbers(post, 3) == [newest.number]
    location = stranger.get(f"{post.get_absolute_url()}comment-{newest.number}/")["Location"]
    assert location == f"{post.get_absolute_url()}?cpage=3#comment-{newest.number}"


def test_a_page_is_read_by_its_range_in_a_fixed_number_of_queries(post, add_comment, per_page_10):
    thread(post, add_comment, roots=30, replies=1)
    live = Post.objects.get(pk=post.pk)
    pagination.ensure_index(live)
    with CaptureQueriesContext(connection) as queries:
        loaded = load_page(live, None, 4)
    assert len(queries) == 2  # the page's bounds, then its comments
    assert [c.number for c in loaded.comments] == list(range(31, 41))
    assert "path" in queries[1]["sql"] and ">=" in queries[1]["sql"]


def test_removed_comments_do_not_shift_pages(post, add_comment, per_page_10, moderator):
    made = thread(post, add_comment, roots=10, replies=1)
    post.refresh_from_db()
    before = [shown_numbers(post, n) for n in (1, 2)]
    actions.remove(made[4], by=moderator, reason="off_topic")  # a root with a reply: placeholder
    actions.remove(made[9], by=moderator, reason="off_topic")  # a reply: gone
    after = [shown_numbers(post, n) for n in (1, 2)]
    assert after[0] == [n for n in before[0] if n != 10] and after[1] == before[1]


def test_the_index_is_rebuilt_for_a_new_page_size_and_after_an_import(
    post, add_comment, per_page_10, stranger
):
    thread(post, add_comment, roots=12, replies=1)
    post.refresh_from_db()
    assert pagination.ensure_index(post) == 3
    rules = DiscussionSettings.current()
    rules.comments_per_page = 20
    rules.save()
    page = stranger.get(post.get_absolute_url()).content.decode()
    assert "Comments page 1 of 2" in page
    assert CommentPage.objects.filter(post=post).count() == 2
    pagination.forget(post.pk)  # what an import does to the posts it touches
    assert CommentPage.objects.filter(post=post).count() == 2  # rebuilt lazily…
    assert pagination.page_range(Post.objects.get(pk=post.pk), 2).number == 2  # …when read
    assert Post.objects.get(pk=post.pk).comment_page_size == 20


def test_a_stale_page_link_shows_the_last_page(post, add_comment, per_page_10, stranger):
    thread(post, add_comment, roots=6, replies=1)
    page = stranger.get(f"{post.get_absolute_url()}?cpage=99").content.decode()
    assert "Comments page 2 of 2" in page and 'id="comment-12"' in page
    assert stranger.get(f"{post.get_absolute_url()}?cpage=abc").status_code == 200


def test_reply_without_javascript_shows_the_page_of_the_comment(
    post, add_comment, per_page_10, stranger
):
    made = thread(post, add_comment, roots=6, replies=1)
    target = made[11]  # on page 2
    page = stranger.get(f"{post.get_absolute_url()}?replyto={target.pk}").content.decode()
    assert "Comments page 2 of 2" in page
    assert f"Reply to comment {target.number}" in page
    assert f'name="parent" value="{target.pk}"' in page


@override_settings(BYLINE_PAGE_CACHE=False)
def test_the_post_page_shows_only_its_page(post, add_comment, per_page_10, stranger):
    thread(post, add_comment, roots=30, replies=0)
    first = stranger.get(post.get_absolute_url()).content.decode()
    last = stranger.get(f"{post.get_absolute_url()}?cpage=3").content.decode()
    assert first.count('class="comment-item') == 10 and last.count('class="comment-item') == 10
    assert 'id="comment-1"' in first and 'id="comment-30"' in last
    assert 'id="comment-11"' not in first
