"""Writing in the admin: saves go through the services (revisions, permissions)."""

from __future__ import annotations

import pytest

from byline.publishing.models import Post

pytestmark = pytest.mark.django_db


def form(**extra):
    return {
        "title": "From the admin",
        "slug": "from-the-admin",
        "excerpt": "",
        "body": "Admin **body**",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "comments_open": "on",
        "revisions-TOTAL_FORMS": "0",
        "revisions-INITIAL_FORMS": "0",
        **extra,
    }


def test_an_author_writes_a_draft_and_it_keeps_a_revision(login, author):
    response = login(author).post("/admin/publishing/post/add/", form())
    assert response.status_code == 302, response.content.decode()[:2000]
    post = Post.objects.get()
    assert post.author == author and post.status == "draft"
    assert "<strong>body</strong>" in post.body_html
    assert post.revisions.count() == 1


def test_an_author_publishes_and_edits_and_the_old_slug_redirects(login, author, stranger):
    client = login(author)
    client.post("/admin/publishing/post/add/", form(status="published"))
    post = Post.objects.get()
    old_url = post.get_absolute_url()
    client.post(
        f"/admin/publishing/post/{post.pk}/change/",
        form(status="published", slug="renamed", author=author.pk,
             published_at_0=post.published_at.strftime("%Y-%m-%d"),
             published_at_1=post.published_at.strftime("%H:%M:%S")),
    )  # fmt: skip
    post.refresh_from_db()
    assert post.slug == "renamed" and post.revisions.count() == 2
    assert stranger.get(old_url).status_code == 301


def test_authors_see_only_their_own_posts(login, author, other_author, make_post):
    mine = make_post("Mine")
    theirs = make_post("Theirs", author=other_author, by=other_author)
    client = login(author)
    listing = client.get("/admin/publishing/post/").content.decode()
    assert "Mine" in listing and "Theirs" not in listing
    assert client.get(f"/admin/publishing/post/{theirs.pk}/change/").status_code in (302, 403, 404)
    assert client.get(f"/admin/publishing/post/{mine.pk}/change/").status_code == 200


def test_editors_see_everyones_posts(login, editor, author, make_post):
    make_post("By author")
    assert "By author" in login(editor).get("/admin/publishing/post/").content.decode()
