"""Posting, replying, holding and editing comments through the real views."""

from __future__ import annotations

import re

import pytest

from byline.discussion.models import Comment, DiscussionSettings

pytestmark = pytest.mark.django_db


def comment_url(post):
    return f"/comments/post/{post.pk}/"


def guest(**extra):
    return {"name": "Pat", "email": "pat@example.org", "url": "", "body": "Hello there", **extra}


def test_a_guest_comment_is_published_numbered_and_linked(stranger, post):
    response = stranger.post(comment_url(post), guest())
    assert response.status_code == 303
    assert response["Location"] == f"{post.get_absolute_url()}#comment-1"
    page = stranger.get(post.get_absolute_url()).content.decode()
    assert 'id="comment-1"' in page and "Hello there" in page and ">Pat<" in page
    stored = Comment.objects.get()
    assert stored.ip_address == "127.0.0.1" and stored.author_email == "pat@example.org"


def test_a_blank_name_posts_as_anonymous(stranger, post):
    stranger.post(comment_url(post), guest(name=""))
    assert (
        '<span class="author"><bdi>Anonymous</bdi></span>'
        in stranger.get(post.get_absolute_url()).content.decode()
    )


def test_a_guest_website_links_their_name(stranger, post):
    stranger.post(comment_url(post), guest(url="https://pat.example.org/"))
    page = stranger.get(post.get_absolute_url()).content.decode()
    assert (
        '<a href="https://pat.example.org/" rel="nofollow ugc noopener"><bdi>Pat</bdi></a>' in page
    )


def test_a_signed_in_reader_comments_under_their_account(login, reader, post):
    client = login(reader)
    response = client.post(comment_url(post), {"body": "Signed comment", "name": "Fake"})
    assert response.status_code == 303
    comment = Comment.objects.get()
    assert comment.user == reader and comment.author_name == ""
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Commenting as <strong><bdi>Reader</bdi></strong>" in page


def test_the_post_author_is_marked(login, author, post):
    login(author).post(comment_url(post), {"body": "Author here"})
    page = login(author).get(post.get_absolute_url()).content.decode()
    assert 'class="comment by-post-author"' in page
    assert "Post author</span>" in page


def test_replying_threads_and_the_reply_form_says_to_whom(stranger, post, add_comment):
    parent = add_comment(post, "parent text", name="Lena")
    form_page = stranger.get(f"{post.get_absolute_url()}?replyto={parent.pk}").content.decode()
    assert "Reply to comment 1 by <bdi>Lena</bdi>" in form_page
    assert f'name="parent" value="{parent.pk}"' in form_page
    stranger.post(comment_url(post), guest(parent=parent.pk, body="child text"))
    child = Comment.objects.get(body="child text")
    assert child.parent == parent and child.number == 2
    page = stranger.get(post.get_absolute_url()).content.decode()
    nested = re.search(r'id="comment-1".*?<ol class="replies">.*?id="comment-2"', page, re.S)
    assert nested is not None


def test_held_comment_is_seen_only_by_its_writer(stranger, client, post, hold_comments):
    response = stranger.post(comment_url(post), guest(body="Wait for me"))
    comment = Comment.objects.get()
    assert response["Location"] == f"{post.get_absolute_url()}#pending-{comment.pk}"
    mine = stranger.get(post.get_absolute_url()).content.decode()
    assert "Wait for me" in mine and "Awaiting moderation" in mine
    assert "Comments are checked by a moderator" in mine
    others = client.get(post.get_absolute_url()).content.decode()
    assert "Wait for me" not in others


def test_held_comment_is_seen_by_its_signed_in_writer(
    login, reader, moderator, post, hold_comments
):
    login(reader).post(comment_url(post), {"body": "Mine, pending"})
    assert "Mine, pending" in login(reader).get(post.get_absolute_url()).content.decode()
    assert "Mine, pending" not in login(moderator).get(post.get_absolute_url()).content.decode()


def test_moderator_approves_in_the_admin(
    login, moderator, stranger, post, add_comment, hold_comments
):
    held = add_comment(post, "held text")
    response = login(moderator).post(
        "/admin/discussion/comment/",
        {"action": "approve", "_selected_action": [held.pk]},
    )
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == Comment.Status.PUBLIC and held.number == 1
    assert "held text" in stranger.get(post.get_absolute_url()).content.decode()


def test_readers_and_authors_cannot_reach_comment_admin(login, reader, author):
    assert login(reader).get("/admin/discussion/comment/").status_code == 302
    assert login(author).get("/admin/discussion/comment/").status_code == 403


def test_comment_permalinks_find_their_page(stranger, post, add_comment):
    rules = DiscussionSettings.current()
    rules.comments_per_page = 5
    rules.save()
    for i in range(12):
        add_comment(post, f"c{i}")
    base = post.get_absolute_url()
    assert stranger.get(f"{base}comment-3/")["Location"] == f"{base}#comment-3"
    assert stranger.get(f"{base}comment-7/")["Location"] == f"{base}?cpage=2#comment-7"
    page3 = stranger.get(f"{base}?cpage=3").content.decode()
    assert 'id="comment-11"' in page3 and 'id="comment-1"' not in page3
    assert "Comments page 3 of 3" in page3
    assert stranger.get(f"{base}comment-99/").status_code == 404
    # Posting lands on the page that shows the new comment.
    response = stranger.post(comment_url(post), guest())
    assert response["Location"] == f"{base}?cpage=3#comment-13"


def test_comment_permalinks_on_pages_work_too(stranger, make_post, add_comment):
    page = make_post(title="About this site", kind="page")
    add_comment(page, "A question about the about page.")
    assert page.get_absolute_url() == f"/{page.slug}/"
    shown = stranger.get(page.get_absolute_url()).content.decode()
    assert f'href="/{page.slug}/comment-1/"' in shown
    response = stranger.get(f"/{page.slug}/comment-1/")
    assert response.status_code == 302 and response["Location"] == f"/{page.slug}/#comment-1"
    assert stranger.get(f"/{page.slug}/comment-2/").status_code == 404


def test_removed_comments_leave_a_placeholder_while_replies_remain(
    stranger, post, add_comment, moderator
):
    from byline.discussion.services import remove_comment

    parent = add_comment(post, "nasty words")
    add_comment(post, "a calm reply", parent=parent)
    remove_comment(parent, by=moderator, reason="off_topic")
    page = stranger.get(post.get_absolute_url()).content.decode()
    assert "nasty words" not in page
    assert "Removed by a moderator: off-topic." in page and "a calm reply" in page
    rules = DiscussionSettings.current()
    rules.show_removal_reason = False
    rules.save()
    page = stranger.get(post.get_absolute_url()).content.decode()
    assert "Removed by a moderator." in page and "off-topic" not in page
    assert 'id="comment-2"' in page


def test_a_guest_edits_their_comment_in_the_window(stranger, post):
    stranger.post(comment_url(post), guest(body="teh typo"))
    comment = Comment.objects.get()
    page = stranger.get(post.get_absolute_url()).content.decode()
    assert f'href="/comments/{comment.pk}/edit/"' in page
    form = stranger.get(f"/comments/{comment.pk}/edit/")
    assert form.status_code == 200 and "teh typo" in form.content.decode()
    response = stranger.post(f"/comments/{comment.pk}/edit/", {"body": "the typo, fixed"})
    assert response.status_code == 303
    page = stranger.get(post.get_absolute_url()).content.decode()
    assert "the typo, fixed" in page and "(edited)" in page


def test_closed_posts_show_no_form(stranger, make_post):
    closed = make_post("Closed", comments_open=False)
    page = stranger.get(closed.get_absolute_url()).content.decode()
    assert "Comments are closed on this post." in page
    assert 'class="comment-form"' not in page


def test_a_held_comment_lands_on_the_page_that_shows_it(stranger, post, add_comment, hold_comments):
    rules = DiscussionSettings.current()
    rules.comments_per_page = 5
    rules.save()
    for i in range(6):
        public = add_comment(post, f"c{i}")
        public.status = Comment.Status.PUBLIC
        public.number = i + 1
        public.save()
    response = stranger.post(comment_url(post), guest(body="my held one"))
    held = Comment.objects.get(body="my held one")
    assert response["Location"] == f"{post.get_absolute_url()}?cpage=2#pending-{held.pk}"
    assert "my held one" in stranger.get(response["Location"]).content.decode()
