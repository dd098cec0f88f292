"""Posts through the API: what is live, filters, and password-protected posts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from byline.publishing.models import Category, Post, Tag

pytestmark = pytest.mark.django_db


def test_lists_live_posts_newest_first_without_drafts_or_scheduled(api, make_post):
    older = make_post("Older", published_at=timezone.now() - timedelta(days=2))
    newer = make_post("Newer")
    make_post("Draft", status=Post.Status.DRAFT)
    make_post("Later", published_at=timezone.now() + timedelta(days=1))
    response = api.get("/api/v1/posts")
    assert response.status_code == 200
    data = response.json()
    assert [p["id"] for p in data["items"]] == [newer.pk, older.pk]
    assert data | {"items": None} == {"items": None, "page": 1, "pages": 1, "count": 2}
    first = data["items"][0]
    assert first["url"] == f"http://testserver{newer.get_absolute_url()}"
    assert first["author"] == {"username": "author", "name": "Author"}
    assert first["protected"] is False and first["excerpt"] == ""
    assert first["published_at"].endswith("Z") and "." not in first["published_at"]


def test_filters_by_category_with_subcategories_tag_and_author(
    api, make_post, other_author, editor
):
    politics = Category.objects.create(name="Politics", slug="politics")
    local = Category.objects.create(name="Local", slug="local", parent=politics)
    ferries = Tag.objects.create(name="Ferries", slug="ferries")
    in_local = make_post("Local one", categories=[local], tags=[ferries])
    in_politics = make_post("Politics one", categories=[politics])
    make_post("Elsewhere", author=other_author, by=editor)

    def ids(query: str) -> list[int]:
        response = api.get(f"/api/v1/posts?{query}")
        assert response.status_code == 200, response.content
        return sorted(p["id"] for p in response.json()["items"])

    assert ids("category=politics") == sorted([in_local.pk, in_politics.pk])
    assert ids("category=politics/local") == [in_local.pk]
    assert ids("tag=ferries") == [in_local.pk]
    assert len(ids("author=otherauthor")) == 1
    for query in ("category=nope", "tag=nope", "author=nobody"):
        response = api.get(f"/api/v1/posts?{query}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_pages_of_posts(api, make_post, settings):
    for i in range(22):
        make_post(f"Post {i}", published_at=timezone.now() - timedelta(hours=i + 1))
    first, second = api.get("/api/v1/posts").json(), api.get("/api/v1/posts?page=2").json()
    assert (len(first["items"]), len(second["items"]), first["pages"]) == (20, 2, 2)
    assert api.get("/api/v1/posts?page=3").json()["code"] == "not_found"
    assert api.get("/api/v1/posts?page=0").status_code == 400


def test_detail_has_body_tags_and_pages(api, make_post):
    ferries = Tag.objects.create(name="Ferries", slug="ferries")
    post = make_post(body="Some **commentary**.", tags=[ferries])
    data = api.get(f"/api/v1/posts/{post.pk}").json()
    assert data["body_html"] == "<p>Some <strong>commentary</strong>.</p>\n"
    assert data["tags"] == [{"name": "Ferries", "slug": "ferries"}]
    assert data["comment_pages"] == 1


def test_drafts_and_missing_posts_are_404(api, make_post):
    draft = make_post(status=Post.Status.DRAFT)
    for url in (f"/api/v1/posts/{draft.pk}", "/api/v1/posts/999999"):
        response = api.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_protected_post_shows_no_body_except_to_whoever_may_edit_it(
    api, make_post, author, editor, reader, token_for, add_comment
):
    post = make_post("Locked", password="letmein", excerpt="A secret lede.")
    add_comment(post, "Inside.")
    listed = api.get("/api/v1/posts").json()["items"][0]
    assert listed["protected"] is True and listed["excerpt"] is None
    stranger_view = api.get(f"/api/v1/posts/{post.pk}").json()
    assert stranger_view["body_html"] is None and stranger_view["excerpt"] is None
    assert "Some commentary" not in str(stranger_view)
    thread = api.get(f"/api/v1/posts/{post.pk}/comments")
    assert thread.status_code == 403 and thread.json()["code"] == "protected"
    # A reader's token does not open it; the author's and an editor's do.
    reader_token = token_for(reader)
    assert api.get(f"/api/v1/posts/{post.pk}", token=reader_token).json()["body_html"] is None
    for person in (author, editor):
        token = token_for(person)
        data = api.get(f"/api/v1/posts/{post.pk}", token=token).json()
        assert "Some commentary" in data["body_html"]
        thread = api.get(f"/api/v1/posts/{post.pk}/comments", token=token)
        assert thread.status_code == 200 and thread.json()["items"][0]["body_html"]
        assert "private" in thread["Cache-Control"]


def test_the_unlock_cookie_does_not_open_a_post_through_the_api(api, make_post, client):
    post = make_post("Locked", password="letmein")
    opened = client.post(f"/unlock/{post.pk}/", {"password": "letmein"})
    assert opened.status_code in (302, 303)
    api.client.cookies = client.cookies
    assert api.get(f"/api/v1/posts/{post.pk}").json()["body_html"] is None


def test_session_sign_in_is_not_api_authentication(api, make_post, author):
    post = make_post("Locked", password="letmein")
    api.client.force_login(author)
    assert api.get(f"/api/v1/posts/{post.pk}").json()["body_html"] is None


def test_answers_are_revalidated_and_never_in_the_page_cache(api, post, reader, token_for):
    response = api.get("/api/v1/posts")
    assert response["Cache-Control"] == "no-cache" and "Authorization" in response["Vary"]
    assert "X-Byline-Cache" not in response  # the page cache never saw it
    assert api.get("/api/v1/posts", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    mine = api.get(f"/api/v1/posts/{post.pk}", token=token_for(reader))
    assert mine["Cache-Control"] == "private, no-cache"


def test_the_page_cache_does_not_even_look_api_answers_up(api, post, monkeypatch):
    from byline.core import pagecache

    looked_up: list[str] = []
    real = pagecache.lookup
    monkeypatch.setattr(pagecache, "lookup", lambda key: looked_up.append(key) or real(key))
    assert api.get("/api/v1/posts?page=1").status_code == 200
    assert api.get(f"/api/v1/posts/{post.pk}/comments?page=1").status_code == 200
    assert looked_up == []
    api.client.get("/?page=1")  # pages still go through it
    assert len(looked_up) == 1
