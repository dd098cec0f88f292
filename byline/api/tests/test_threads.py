"""Threads through the API: the page a stranger sees, in display order, with ETag and 304."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from byline.discussion.models import Comment, DiscussionSettings
from byline.discussion.services import edit_comment
from byline.moderation import actions

pytestmark = pytest.mark.django_db


def _thread(api, post, page: int = 1, **kwargs):
    response = api.get(f"/api/v1/posts/{post.pk}/comments?page={page}", **kwargs)
    assert response.status_code == 200, response.content
    return response


def test_a_page_in_display_order_with_numbers_depth_and_author_marks(
    api, post, add_comment, author, reader
):
    start = timezone.now() - timedelta(minutes=30)
    first = add_comment(post, "First!", name="Ann", now=start)
    reply = add_comment(post, "A reply.", parent=first, user=author, now=start + timedelta(1))
    deeper = add_comment(post, "Deeper.", parent=reply, user=reader, now=start + timedelta(2))
    second = add_comment(post, "Second.", name="", now=start + timedelta(minutes=1))
    items = _thread(api, post).json()["items"]
    assert [i["id"] for i in items] == [first.pk, reply.pk, deeper.pk, second.pk]
    assert [i["number"] for i in items] == [1, 2, 3, 4]
    assert [i["depth"] for i in items] == [0, 1, 2, 0]
    assert [i["parent_number"] for i in items] == [None, 1, 2, None]
    assert [i["author"] for i in items] == ["Ann", "Author", "Reader", "Anonymous"]
    assert [i["is_post_author"] for i in items] == [False, True, False, False]
    assert items[0]["body_html"] == "<p>First!</p>\n"
    assert items[0]["status"] == "public" and items[0]["removal_reason"] is None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", items[0]["created_at"])
    assert items[0]["edited_at"] is None


def test_strangers_view_removed_placeholders_and_no_held_comments(
    api, post, add_comment, moderator
):
    gone = add_comment(post, "The council is a disgrace.", name="Vic")
    add_comment(post, "That seems harsh.", parent=gone, name="Wes")
    lonely = add_comment(post, "Removed, no replies.")
    actions.remove(gone, by=moderator, reason="abuse")
    actions.remove(lonely, by=moderator, reason="off_topic")
    held = add_comment(post, "Waiting.")
    Comment.objects.filter(pk=held.pk).update(status=Comment.Status.PENDING, number=None)
    items = _thread(api, post).json()["items"]
    assert [i["status"] for i in items] == ["removed", "public"]
    placeholder = items[0]
    assert placeholder["body_html"] is None and placeholder["author"] is None
    assert placeholder["removal_reason"] == "abusive or hateful"
    assert "disgrace" not in str(items) and "Waiting" not in str(items)
    assert items[1]["parent_number"] == placeholder["number"]


def test_pages_break_between_top_level_threads(api, post, add_comment):
    rules = DiscussionSettings.current()
    rules.comments_per_page = 5
    rules.save()
    start = timezone.now() - timedelta(hours=1)
    for i in range(12):
        add_comment(post, f"Comment {i}", now=start + timedelta(seconds=i))
    first = _thread(api, post).json()
    assert (first["page"], first["pages"], len(first["items"])) == (1, 3, 5)
    last = _thread(api, post, 3).json()
    assert [i["number"] for i in last["items"]] == [11, 12]
    missing = api.get(f"/api/v1/posts/{post.pk}/comments?page=4")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_etag_and_304_until_the_thread_changes(api, post, add_comment, moderator):
    comment = add_comment(post, "First.")
    response = _thread(api, post)
    etag = response["ETag"]
    assert etag.startswith('"') and "no-cache" in response["Cache-Control"]
    assert "Authorization" in response["Vary"]
    again = api.get(f"/api/v1/posts/{post.pk}/comments?page=1", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and again.content == b""
    assert _thread(api, post)["ETag"] == etag  # the same while nothing changed

    def changed(what) -> str:
        what()
        fresh = api.get(f"/api/v1/posts/{post.pk}/comments?page=1", HTTP_IF_NONE_MATCH=etag)
        assert fresh.status_code == 200, what
        return fresh["ETag"]

    etag = changed(lambda: add_comment(post, "Second."))
    etag = changed(
        lambda: edit_comment(comment, "First, edited.", user=None, owned_ids={comment.pk})
    )
    etag = changed(lambda: actions.remove(comment, by=moderator, reason="other"))
    rules = DiscussionSettings.current()
    rules.show_removal_reason = False
    changed(rules.save)


def test_304_costs_no_comment_query(api, post, add_comment, django_assert_max_num_queries):
    add_comment(post, "First.")
    etag = _thread(api, post)["ETag"]
    with django_assert_max_num_queries(2):  # the post; its page count is on the row
        answer = api.get(f"/api/v1/posts/{post.pk}/comments", HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 304


def test_a_page_costs_a_fixed_number_of_queries(
    api, post, add_comment, django_assert_max_num_queries
):
    for i in range(30):
        add_comment(post, f"Comment {i}")
    _thread(api, post)  # builds what a first reader builds
    with django_assert_max_num_queries(4):
        _thread(api, post)


def test_a_thread_of_a_post_that_is_not_live_is_404(api, make_post):
    from byline.publishing.models import Post

    draft = make_post(status=Post.Status.DRAFT)
    response = api.get(f"/api/v1/posts/{draft.pk}/comments")
    assert response.status_code == 404
