"""The page cache through the test client: what it serves, to whom, and when it lets go.

The cross-process and nginx cases run real servers: see ``test_pagecache_processes.py``.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from byline.core import pagecache
from byline.discussion.models import Comment, DiscussionSettings
from byline.moderation import actions
from byline.moderation.tests.helpers import moderation_off
from byline.publishing.models import Category
from byline.publishing.services import save_post

pytestmark = pytest.mark.django_db


def warm(client: Client, url: str) -> None:
    """Render ``url`` until it is stored (the very first page of a test also creates the
    settings rows, which counts as a change)."""
    for _ in range(3):
        if client.get(url).get(pagecache.HIT_HEADER) in ("miss", "hit"):
            return
    raise AssertionError(f"{url} was never stored")


def hit(client: Client, url: str, **extra: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    assert response.get(pagecache.HIT_HEADER) == "hit", (url, response.status_code)
    assert len(queries) == 0, [q["sql"] for q in queries]
    return response


def test_a_strangers_page_is_answered_without_a_query(stranger, post, add_comment):
    moderation_off()
    add_comment(post, "First!")
    url = post.get_absolute_url()
    warm(stranger, url)
    first = hit(stranger, url)
    second = hit(Client(), url)  # another stranger gets the same bytes
    assert first.content == second.content and b"First!" in first.content
    assert first["Cache-Control"] == "public, max-age=60, stale-while-revalidate=30"
    assert first["Vary"] == "Cookie"
    assert first["ETag"].startswith('"') and first["Last-Modified"].endswith("GMT")
    assert "Set-Cookie" not in first and not first.cookies


def test_conditional_gets_and_head_are_answered(stranger, post):
    url = post.get_absolute_url()
    warm(stranger, url)
    page = hit(stranger, url)
    not_modified = stranger.get(url, headers={"if-none-match": page["ETag"]})
    assert not_modified.status_code == 304 and not_modified.content == b""
    since = stranger.get(url, headers={"if-modified-since": page["Last-Modified"]})
    assert since.status_code == 304
    changed = stranger.get(url, headers={"if-none-match": '"something-else"'})
    assert changed.status_code == 200 and changed.content == page.content
    head = stranger.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == page["ETag"] and int(head["Content-Length"]) == len(page.content)


@override_settings(BYLINE_PAGE_CACHE=False)
def test_head_and_etags_work_with_the_cache_off(stranger, post):
    url = post.get_absolute_url()
    assert stranger.head(url).status_code == 200
    assert stranger.head("/").status_code == 200
    page = stranger.get(url)
    assert pagecache.HIT_HEADER not in page
    assert stranger.get(url, headers={"if-none-match": page["ETag"]}).status_code == 304


def test_tracking_parameters_share_the_page_and_page_numbers_do_not(stranger, post):
    url = post.get_absolute_url()
    warm(stranger, url)
    hit(stranger, f"{url}?utm_source=news&fbclid=x1")
    assert stranger.get(f"{url}?cpage=2").get(pagecache.HIT_HEADER) != "hit"


def test_a_new_public_comment_shows_at_once_on_the_post_and_in_listings(
    stranger, post, add_comment, make_post
):
    moderation_off()
    other = make_post("Another story", tags=[])
    other.tags.create(name="Elsewhere", slug="elsewhere")
    url = post.get_absolute_url()
    for page in (url, "/", "/feed/", "/tag/elsewhere/", other.get_absolute_url()):
        warm(stranger, page)
    add_comment(post, "Late but important.")
    assert b"Late but important." in stranger.get(url).content
    assert b"1 comment<" in stranger.get("/").content
    # Exactly those: the feed shows no comments, the tag page and the other post not this one.
    for untouched in ("/feed/", "/tag/elsewhere/", other.get_absolute_url()):
        hit(stranger, untouched)


def test_moderator_decisions_show_at_once(stranger, post, add_comment, moderator, hold_comments):
    held = add_comment(post, "Held for a look.")
    url = post.get_absolute_url()
    warm(stranger, url)
    assert b"Held for a look." not in hit(stranger, url).content
    actions.approve(held, by=moderator)
    assert b"Held for a look." in stranger.get(url).content
    warm(stranger, url)
    actions.remove(Comment.objects.get(pk=held.pk), by=moderator, reason="off_topic")
    page = stranger.get(url).content
    assert b"Held for a look." not in page and b"0 comments" in page


def test_an_edit_shows_at_once(stranger, post, add_comment, reader, login):
    moderation_off()
    comment = add_comment(post, "Teh typo.", user=reader)
    url = post.get_absolute_url()
    warm(stranger, url)
    response = login(reader).post(
        reverse("discussion:edit", args=[comment.pk]), {"body": "The fix."}
    )
    assert response.status_code == 303
    page = stranger.get(url).content
    assert b"The fix." in page and b"Teh typo." not in page


def test_post_and_site_changes_show_at_once(stranger, post, author, add_comment, reader):
    moderation_off()
    add_comment(post, "Mine.", user=reader)
    url = post.get_absolute_url()
    for page in (url, "/"):
        warm(stranger, page)
    post.title = "A better title"
    save_post(post, by=author)
    assert b"A better title" in stranger.get(url).content
    assert b"A better title" in stranger.get("/").content

    warm(stranger, url)
    reader.display_name = "Reader Renamed"
    reader.save()
    assert b"Reader Renamed" in stranger.get(url).content

    warm(stranger, url)
    politics = Category.objects.create(name="Politics", slug="politics")
    save_post(post, by=author, categories=[politics])
    assert b"Politics" in stranger.get(url).content
    warm(stranger, url)
    politics.name = "Local politics"
    politics.save()
    assert b"Local politics" in stranger.get(url).content

    warm(stranger, url)
    rules = DiscussionSettings.current()
    rules.hold_new_comments = True
    rules.save()
    assert b"checked by a moderator before they appear" in stranger.get(url).content


def test_a_sign_in_does_not_empty_the_cache(stranger, post, reader, login):
    url = post.get_absolute_url()
    warm(stranger, url)
    client = Client()
    assert (
        client.post(
            reverse("login"), {"username": "reader", "password": "correct horse battery staple"}
        ).status_code
        == 302
    )
    hit(stranger, url)


def test_a_scheduled_post_appears_in_listings_when_it_goes_live(stranger, make_post):
    make_post("Already out")
    soon = timezone.now() + timedelta(seconds=1.5)
    make_post("Coming soon", published_at=soon)
    warm(stranger, "/")
    page = hit(stranger, "/")
    assert b"Coming soon" not in page.content
    assert 0 <= int(re.search(r"max-age=(\d+)", page["Cache-Control"])[1]) <= 2
    time.sleep(max(0.0, (soon - timezone.now()).total_seconds()) + 0.1)
    assert b"Coming soon" in stranger.get("/").content


def test_personal_requests_are_never_answered_or_stored(stranger, post, reader, login):
    url = post.get_absolute_url()
    signed_in = login(reader)
    for _ in range(2):
        page = signed_in.get(url)
        assert pagecache.HIT_HEADER not in page
        assert "private" in page["Cache-Control"] and b"Signed in as" in page.content
    for cookie in ("sessionid", "csrftoken", "messages"):
        client = Client()
        client.cookies[cookie] = "x"
        assert pagecache.HIT_HEADER not in client.get(url)
    # What strangers then get was never touched by those visits.
    warm(stranger, url)
    assert b"Signed in as" not in hit(stranger, url).content


def test_a_guests_pending_comment_never_reaches_a_shared_page(post, hold_comments):
    guest = Client()
    token = guest.get(reverse("discussion:csrf")).json()["csrfToken"]
    response = guest.post(
        reverse("discussion:post", args=[post.pk]),
        {"body": "Only I may see this", "email": "g@example.org", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 303
    assert b"Only I may see this" in guest.get(post.get_absolute_url()).content
    stranger = Client()
    warm(stranger, post.get_absolute_url())
    assert b"Only I may see this" not in hit(stranger, post.get_absolute_url()).content


def test_every_shared_page_type_is_cached_and_holds_nothing_personal(
    post, make_post, add_comment, reader, login, hold_comments
):
    """Walk every reader-facing URL with a session (signed in, and a guest with a pending
    comment), then as strangers: the strangers' pages are cached, identical for each of them,
    and carry no token, no signed-in name and no comment awaiting moderation."""
    moderation_off()
    politics = Category.objects.create(name="Politics", slug="politics")
    tagged = make_post("Tagged and filed", categories=[politics])
    tagged.tags.create(name="Ferries", slug="ferries")
    add_comment(post, "Pending words of the reader", user=reader)
    page = make_post("About", kind="page")
    when = timezone.localtime(post.published_at)
    urls = [
        "/", "/feed/", "/sitemap.xml", f"/{when.year}/", f"/{when.year}/{when.month:02d}/",
        "/category/politics/", "/tag/ferries/", f"/author/{post.author.username}/",
        post.get_absolute_url(), tagged.get_absolute_url(), page.get_absolute_url(),
        f"{post.get_absolute_url()}?cpage=1",
    ]  # fmt: skip
    signed_in = login(reader)
    for url in urls:
        personal = signed_in.get(url)
        assert personal.status_code == 200, url
        assert pagecache.HIT_HEADER not in personal and "private" in personal["Cache-Control"]
    for url in urls:
        warm(Client(), url)
        one, two = hit(Client(), url), hit(Client(), url)
        assert one.content == two.content, url
        body = one.content
        assert b"Pending words of the reader" not in body, url
        assert b"Signed in as" not in body, url
        assert not re.search(rb'name="csrfmiddlewaretoken" value="[^"]', body), url
        assert not re.search(rb'name="shown" value="[^"]', body), url


def test_only_one_render_for_many_waiting_readers(live_server, post, monkeypatch):
    """A stampede on a missing page: the readers wait for one render instead of all rendering."""
    import urllib.request

    from byline.publishing import views

    renders = []
    real = views.render_post

    def slow_render(*args, **kwargs):
        renders.append(1)
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(views, "render_post", slow_render)
    url = live_server.url + post.get_absolute_url()
    urllib.request.urlopen(url).read()  # noqa: S310 - the live server; creates the settings rows
    pagecache.clear()
    renders.clear()
    bodies: list[bytes] = []

    def read() -> None:
        with urllib.request.urlopen(url) as response:  # noqa: S310 - the live server
            bodies.append(response.read())

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(bodies) == 8 and len(set(bodies)) == 1
    assert len(renders) == 1


def test_pages_are_served_from_the_database_when_the_shared_cache_is_down(stranger, post):
    down = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
    }
    local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    with override_settings(CACHES={"default": local, "shared": down}):
        pagecache._memory.clear()
        response = stranger.get(post.get_absolute_url())
        assert response.status_code == 200 and post.title.encode() in response.content
        assert stranger.get("/").status_code == 200


def test_page_files_for_nginx_are_written_and_removed(stranger, post, add_comment, tmp_path: Path):
    moderation_off()
    with override_settings(BYLINE_PAGE_FILES_DIR=str(tmp_path)):
        url = post.get_absolute_url()
        warm(stranger, url)
        written = tmp_path / "testserver" / url.strip("/") / "index.html"
        assert written.read_bytes() == hit(stranger, url).content
        warm(stranger, "/")
        front = tmp_path / "testserver" / "index.html"
        assert front.exists()
        warm(stranger, f"{url}?cpage=1")  # a query string: nginx cannot tell, so no file
        assert len(list(tmp_path.rglob("index.html"))) == 2
        add_comment(post, "News!")
        assert not written.exists() and not front.exists()
        warm(stranger, url)
        assert b"News!" in written.read_bytes()


def test_clearing_on_redis_removes_only_the_page_caches_keys(stranger, post):
    import os

    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    shared = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
              "KEY_PREFIX": f"byline-clear-{os.getpid()}"}  # fmt: skip
    local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    client = redis.Redis.from_url(url)
    client.set("someone-else:key", b"kept")
    try:
        with override_settings(CACHES={"default": local, "shared": shared}):
            warm(stranger, post.get_absolute_url())
            assert client.keys(f"{shared['KEY_PREFIX']}:*")
            pagecache.clear()
            assert not client.keys(f"{shared['KEY_PREFIX']}:*")
            assert client.get("someone-else:key") == b"kept"
    finally:
        client.delete("someone-else:key")
