"""Password-protected posts: nothing but the title and byline until the reader opens them."""

from __future__ import annotations

import pytest
from django.test import Client

from byline.core import pagecache
from byline.discussion.models import Comment
from byline.publishing.models import Post
from byline.publishing.services import save_post

pytestmark = pytest.mark.django_db

BODY = "The minutes of the harbor board, not for everyone."
EXCERPT = "A lede only members should read."
SECRET = "gull-wing 42"


@pytest.fixture
def protected(make_post, add_comment) -> Post:
    post = make_post("Board minutes", body=BODY, excerpt=EXCERPT, password=SECRET)
    add_comment(post, "Members-only remark about the dredging.")
    return post


def _opened_client(post: Post, password: str = SECRET) -> tuple[Client, object]:
    client = Client()
    response = client.post(f"/unlock/{post.pk}/", {"password": password})
    return client, response


def test_stranger_sees_title_and_form_but_not_body_excerpt_or_comments(stranger, protected):
    response = stranger.get(protected.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert "Board minutes" in page
    assert 'name="password"' in page and f'action="/unlock/{protected.pk}/"' in page
    assert BODY not in page and EXCERPT not in page
    assert "dredging" not in page
    assert 'name="body"' not in page  # no comment form either
    # The locked page holds nothing personal: one copy may serve every stranger.
    assert "csrfmiddlewaretoken" not in page
    assert "public" in response["Cache-Control"]


def test_listings_feed_and_sitemap_keep_the_body_and_the_post_to_themselves(
    stranger, protected, make_post
):
    make_post("An open post", body="Open to all.")
    front = stranger.get("/").content.decode()
    assert "Board minutes" in front and "password protected" in front
    assert EXCERPT not in front and BODY not in front
    feed = stranger.get("/feed/").content.decode()
    assert "An open post" in feed
    assert "Board minutes" not in feed and BODY not in feed
    sitemap = stranger.get("/sitemap.xml").content.decode()
    assert "board-minutes" not in sitemap and "an-open-post" in sitemap


def test_wrong_password_is_refused_with_a_clear_message(protected):
    client, response = _opened_client(protected, "guess")
    assert response.status_code == 403
    page = response.content.decode()
    assert "That password is not right" in page and BODY not in page
    assert pagecache.UNLOCK_COOKIE not in response.cookies
    assert BODY not in client.get(protected.get_absolute_url()).content.decode()


def test_right_password_opens_the_post_and_its_discussion_for_that_browser_only(
    stranger, protected
):
    client, response = _opened_client(protected)
    assert response.status_code == 302 and response["Location"] == protected.get_absolute_url()
    opened = client.get(protected.get_absolute_url())
    page = opened.content.decode()
    assert BODY in page and "dredging" in page and 'name="body"' in page
    assert "private" in opened["Cache-Control"]  # never stored for others
    # A stranger asking after the reader opened it still gets the locked page.
    after = stranger.get(protected.get_absolute_url()).content.decode()
    assert BODY not in after and "dredging" not in after


def test_changing_the_password_locks_the_post_again(protected):
    client, _ = _opened_client(protected)
    assert BODY in client.get(protected.get_absolute_url()).content.decode()
    protected.password = "a new one"
    save_post(protected, by=protected.author)
    assert BODY not in client.get(protected.get_absolute_url()).content.decode()


def test_a_forged_cookie_opens_nothing(protected):
    client = Client()
    client.cookies[pagecache.UNLOCK_COOKIE] = f'{{"{protected.pk}": "0000"}}'
    assert BODY not in client.get(protected.get_absolute_url()).content.decode()


def test_people_who_may_edit_the_post_read_it_without_the_password(login, protected, editor):
    assert BODY in login(protected.author).get(protected.get_absolute_url()).content.decode()
    assert BODY in login(editor).get(protected.get_absolute_url()).content.decode()


def test_reader_cannot_comment_or_report_on_a_post_they_have_not_opened(protected):
    client = Client(enforce_csrf_checks=False)
    before = Comment.objects.count()
    response = client.post(
        f"/comments/post/{protected.pk}/",
        {"body": "Let me in", "name": "Gatecrasher", "email": "g@example.org"},
    )
    assert response.status_code == 403
    assert Comment.objects.count() == before
    remark = Comment.objects.get(post=protected)
    report = client.get(f"/comments/{remark.pk}/report/")
    assert report.status_code == 404 and "dredging" not in report.content.decode()


def test_password_guessing_is_rate_limited(protected):
    client = Client()
    codes = [
        client.post(f"/unlock/{protected.pk}/", {"password": f"guess {i}"}).status_code
        for i in range(12)
    ]
    assert codes[:10] == [403] * 10
    assert codes[10:] == [429, 429]
    # Even the right password waits out the limit: guessing must not be cheap.
    late = client.post(f"/unlock/{protected.pk}/", {"password": SECRET})
    assert late.status_code == 429 and "Retry-After" in late


def test_an_open_post_needs_no_password(stranger, make_post):
    post = make_post("Open", body="For everyone.")
    assert stranger.post(f"/unlock/{post.pk}/", {"password": ""}).status_code == 302
    assert "For everyone." in stranger.get(post.get_absolute_url()).content.decode()


def test_an_imported_protected_post_shows_a_stranger_nothing_but_its_title(tmp_path, stranger):
    """WordPress's password-protected post, imported: the body, its comments, the feed and the
    old address all keep it to those who know the password."""
    from byline.migration.tests.test_wordpress_import import HEADER, comment_xml, item_xml
    from byline.migration.wordpress import import_wordpress

    archive = tmp_path / "protected.wxr"
    archive.write_text(
        HEADER
        + item_xml(
            41,
            comment_xml(1, body="Only members saw this remark about the berths."),
            slug="members-only",
            title="Members only",
            extra="<wp:post_password>harbour-key</wp:post_password>",
        )
        + "</channel></rss>"
    )
    import_wordpress(archive)
    post = Post.objects.get(slug="members-only")
    assert post.password == "harbour-key"
    for address in (post.get_absolute_url(), "/?p=41"):
        response = stranger.get(address, follow=True)
        page = response.content.decode()
        assert "Members only" in page
        assert "Body one." not in page and "berths" not in page
    assert "Body one." not in stranger.get("/feed/").content.decode()
    assert "Body one." not in stranger.get("/").content.decode()
    client, response = _opened_client(post, "harbour-key")
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Body one." in page and "berths" in page
