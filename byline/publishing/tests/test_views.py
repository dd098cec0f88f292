"""Reader-facing pages, through the test client, as a stranger unless said otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import html5lib
import pytest
from django.test.utils import override_settings
from django.utils import timezone

from byline.publishing.models import Category, Post, Tag
from byline.publishing.services import save_post

pytestmark = pytest.mark.django_db


def assert_valid_html(content: bytes) -> None:
    """Parse strictly as HTML5: any parse error (bad nesting, stray end tag) fails."""
    html5lib.HTMLParser(strict=True).parse(content)


def test_front_page_lists_newest_first_and_paginates(stranger, make_post):
    now = timezone.now()
    for i in range(12):
        make_post(f"Post {i}", published_at=now - timedelta(days=i))
    first = stranger.get("/")
    assert first.status_code == 200
    titles = [p.title for p in first.context["posts"]]
    assert titles == [f"Post {i}" for i in range(10)]
    second = stranger.get("/?page=2")
    assert [p.title for p in second.context["posts"]] == ["Post 10", "Post 11"]
    assert_valid_html(first.content)


def test_drafts_and_scheduled_posts_stay_hidden(stranger, make_post):
    draft = make_post("Secret draft", status=Post.Status.DRAFT)
    later = make_post("Tomorrow", published_at=timezone.now() + timedelta(days=1))
    page = stranger.get("/").content.decode()
    assert "Secret draft" not in page and "Tomorrow" not in page
    assert stranger.get(draft.get_absolute_url()).status_code == 404
    assert stranger.get(later.get_absolute_url()).status_code == 404


def test_post_page_shows_byline_categories_tags_and_body(stranger, make_post):
    politics = Category.objects.create(name="Politics", slug="politics")
    local = Category.objects.create(name="Local", slug="local", parent=politics)
    tag = Tag.objects.create(name="ferries", slug="ferries")
    post = make_post("The ferry", body="> quoted\n\n— Someone", categories=[local], tags=[tag])
    response = stranger.get(post.get_absolute_url())
    page = response.content.decode()
    assert "<h1" in page and "The ferry" in page
    assert 'By <a rel="author" href="/author/author/"><bdi>Author</bdi></a>' in page
    assert 'href="/category/politics/local/"' in page
    assert 'href="/tag/ferries/"' in page
    assert "<figcaption>Someone</figcaption>" in page
    assert_valid_html(response.content)


def test_post_page_landmarks_and_labels(stranger, post, add_comment):
    add_comment(post)
    page = stranger.get(post.get_absolute_url()).content.decode()
    for landmark in ("<header", "<main", "<footer", "<nav", 'class="skip-link"'):
        assert landmark in page
    for field in ("id_name", "id_email", "id_url", "id_body"):
        assert f'<label for="{field}"' in page


def test_post_page_query_count_does_not_grow_with_comments(
    stranger, post, add_comment, django_assert_num_queries, author
):
    parent = None
    for i in range(30):
        parent = add_comment(post, f"c{i}", parent=parent if i % 3 else None)
        add_comment(post, "signed", user=author)
    url = post.get_absolute_url()
    with override_settings(BYLINE_PAGE_CACHE=False):
        # Warm up: the first requests create the settings rows (a change of the site's token),
        # cache them and store the page index.
        stranger.get(url)
        stranger.get(url)
        # The post's id (so the page cache knows what the page shows before it reads it),
        # post+author, categories, tags, where the page starts and ends, the page's comments.
        with django_assert_num_queries(6, info="rendered post page"):
            response = stranger.get(url)
    assert response.content.count(b'class="comment') >= 60
    # From the page cache: none at all.
    stranger.get(url)
    with django_assert_num_queries(0):
        cached = stranger.get(url)
    assert cached.content == response.content and cached["X-Byline-Cache"] == "hit"


def test_old_slug_redirects_permanently(stranger, post, author):
    old_url = post.get_absolute_url()
    post.slug = "renamed"
    save_post(post, by=author)
    response = stranger.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == post.get_absolute_url()
    assert stranger.get(response["Location"]).status_code == 200


def test_wrong_date_in_url_redirects_to_canonical(stranger, post):
    response = stranger.get(f"/1999/01/{post.slug}/")
    assert response.status_code == 301
    assert response["Location"] == post.get_absolute_url()


def test_bare_slug_redirects(stranger, post):
    response = stranger.get(f"/{post.slug}/")
    assert response.status_code == 301 and response["Location"] == post.get_absolute_url()
    assert stranger.get("/no-such-post/").status_code == 404


def test_archives_by_year_and_month(stranger, make_post):
    make_post("Old", published_at=datetime(2006, 12, 10, 12, tzinfo=UTC))
    make_post("Older", published_at=datetime(2006, 11, 10, 12, tzinfo=UTC))
    make_post("New", published_at=datetime(2007, 1, 10, 12, tzinfo=UTC))
    year = [p.title for p in stranger.get("/2006/").context["posts"]]
    assert year == ["Old", "Older"]
    month = stranger.get("/2006/12/")
    assert [p.title for p in month.context["posts"]] == ["Old"]
    assert "December 2006" in month.content.decode()
    assert stranger.get("/2006/13/").status_code == 404


def test_category_archive_includes_subcategories(stranger, make_post):
    politics = Category.objects.create(name="Politics", slug="politics")
    local = Category.objects.create(name="Local", slug="local", parent=politics)
    other = Category.objects.create(name="Politics Extra", slug="politics-extra")
    make_post("Top", categories=[politics])
    make_post("Nested", categories=[local])
    make_post("Unrelated", categories=[other])
    titles = {p.title for p in stranger.get("/category/politics/").context["posts"]}
    assert titles == {"Top", "Nested"}
    nested = {p.title for p in stranger.get("/category/politics/local/").context["posts"]}
    assert nested == {"Nested"}
    assert stranger.get("/category/nope/").status_code == 404


def test_category_path_follows_a_renamed_parent():
    politics = Category.objects.create(name="Politics", slug="politics")
    local = Category.objects.create(name="Local", slug="local", parent=politics)
    politics.slug = "policy"
    politics.save()
    local.refresh_from_db()
    assert local.path == "policy/local"


def test_tag_and_author_archives(stranger, make_post, other_author):
    tag = Tag.objects.create(name="ferries", slug="ferries")
    make_post("Tagged", tags=[tag])
    make_post("Theirs", author=other_author, by=other_author)
    assert [p.title for p in stranger.get("/tag/ferries/").context["posts"]] == ["Tagged"]
    by = stranger.get(f"/author/{other_author.username}/")
    assert [p.title for p in by.context["posts"]] == ["Theirs"]
    assert stranger.get("/author/nobody/").status_code == 404


def test_preview_is_for_people_who_can_edit(
    login, stranger, author, other_author, editor, make_post
):
    draft = make_post("Draft", status=Post.Status.DRAFT)
    url = f"/preview/{draft.pk}/"
    assert stranger.get(url).status_code == 302  # to the admin login
    assert login(other_author).get(url).status_code == 403
    page = login(author).get(url)
    assert page.status_code == 200 and "Preview: this post is draft" in page.content.decode()
    assert login(editor).get(url).status_code == 200


def test_feed_and_sitemap(stranger, post):
    feed = stranger.get("/feed/")
    assert feed.status_code == 200 and post.title.encode() in feed.content
    sitemap = stranger.get("/sitemap.xml")
    assert sitemap.status_code == 200 and post.slug.encode() in sitemap.content


@override_settings(DEBUG=False)
def test_unknown_pages_are_404_with_site_chrome(stranger):
    response = stranger.get("/2006/12/nothing-here/")
    assert response.status_code == 404
    assert b"Skip to content" in response.content


def test_unicode_slugs_serve_without_redirect_loops(stranger, make_post):
    post = make_post("Привет мир")
    assert post.slug == "привет-мир"
    assert stranger.get(post.get_absolute_url()).status_code == 200
    page = make_post("Über uns", kind=Post.Kind.PAGE)
    assert stranger.get(page.get_absolute_url()).status_code == 200


def test_nonsense_archive_years_are_404_not_errors(stranger):
    for url in ("/0/", "/10000/", "/0/01/", "/99999999999999999999/"):
        assert stranger.get(url).status_code == 404, url


def test_a_post_cannot_take_one_of_the_sites_own_addresses(author):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="site's own addresses"):
        save_post(Post(title="Feed", slug="feed", body="."), by=author)
    assert save_post(Post(title="Feed", body="."), by=author).slug == "feed-2"
