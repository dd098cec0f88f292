"""Edges of the page cache found in review: addresses it must not answer or store, stale
write-backs, permalinks, page files. Each test failed before its fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from byline.accounts.models import User
from byline.core import pagecache, pagefiles
from byline.core.tests.test_pagecache import hit, warm
from byline.discussion import fragments, services
from byline.discussion.models import Comment, DiscussionSettings
from byline.migration.models import LegacyURL
from byline.moderation.tests.helpers import moderation_off

pytestmark = pytest.mark.django_db


def test_old_wordpress_links_on_the_front_page_still_redirect(post, stranger):
    LegacyURL.objects.create(path="/?p=123", post=post)
    warm(stranger, "/")
    response = stranger.get("/?p=123")
    assert response.status_code == 301 and response["Location"] == post.get_absolute_url()


def test_odd_addresses_are_answered_but_never_stored(post, add_comment, stranger):
    moderation_off()
    add_comment(post, "one")
    url = post.get_absolute_url()
    warm(stranger, url)
    for odd in ("?cpage=01", "?cpage=999999", "?replyto=abc", "?replyto=424242", "?page=7"):
        for _ in range(2):
            response = stranger.get(url + odd)
            assert response.status_code == 200 and pagecache.HIT_HEADER not in response, odd
    warm(stranger, "/?page=1")
    assert pagecache.HIT_HEADER not in stranger.get("/?page=99")
    warm(stranger, f"{url}?cpage=1")  # the page's own address is stored


def test_an_encoded_parameter_cannot_take_another_pages_key(post, add_comment, stranger):
    moderation_off()
    target = add_comment(post, "reply to me")
    forged = f"{post.get_absolute_url()}?cpage=1%26replyto%3D{target.pk}"
    stranger.get(forged)
    real = stranger.get(f"{post.get_absolute_url()}?cpage=1&replyto={target.pk}")
    assert f"Reply to comment {target.number}" in real.content.decode()


def test_a_held_comment_with_a_number_is_not_a_redirect_loop(post, add_comment, stranger):
    moderation_off()
    comment = add_comment(post, "public first")
    services.hold_comment(comment)  # screening, or an edit the pipeline flags
    response = stranger.get(f"{post.get_absolute_url()}comment-{comment.number}/")
    assert response["Location"] == f"{post.get_absolute_url()}#comments"


def test_a_page_with_everything_removed_still_links_the_others(
    post, add_comment, moderator, stranger
):
    from byline.moderation import actions

    moderation_off()
    rules = DiscussionSettings.current()
    rules.comments_per_page = 5
    rules.save()
    made = [add_comment(post, f"c{i}") for i in range(7)]
    for comment in made[:5]:
        actions.remove(comment, by=moderator, reason="off_topic")
    page = stranger.get(post.get_absolute_url()).content.decode()
    assert "Comments page 1 of 2" in page and "cpage=2" in page


def _render_and_meanwhile(change):
    real = fragments.render
    done: list[int] = []

    def render(*args, **kwargs):
        html = real(*args, **kwargs)
        if not done:
            done.append(1)
            change()
        return html

    return real, render


def test_a_stale_fragment_never_overwrites_a_concurrent_edit_or_rename(
    post, reader, add_comment, monkeypatch
):
    moderation_off()
    comment = add_comment(post, "original text", user=reader)
    Comment.objects.filter(pk=comment.pk).update(html_key="")  # as after a deploy
    _, render = _render_and_meanwhile(
        lambda: services.edit_comment(
            Comment.objects.get(pk=comment.pk), "edited text", user=reader
        )
    )
    monkeypatch.setattr(fragments, "render", render)
    Client().get(post.get_absolute_url())
    monkeypatch.undo()
    assert b"edited text" in Client().get(post.get_absolute_url()).content

    reader.display_name = "Name Two"
    reader.save()

    def rename() -> None:
        person = User.objects.get(pk=reader.pk)
        person.display_name = "Name Three"
        person.save()

    _, render = _render_and_meanwhile(rename)
    monkeypatch.setattr(fragments, "render", render)
    Client().get(post.get_absolute_url())
    monkeypatch.undo()
    assert b"Name Three" in Client().get(post.get_absolute_url()).content


def test_if_modified_since_sees_a_scheduled_post_go_live(make_post, stranger):
    import time
    from datetime import timedelta

    make_post("Out already")
    soon = timezone.now() + timedelta(seconds=1.2)
    make_post("Going live", published_at=soon)
    warm(stranger, "/")
    before = hit(stranger, "/")
    time.sleep(max(0.0, (soon - timezone.now()).total_seconds()) + 1.0)
    after = stranger.get("/", headers={"if-modified-since": before["Last-Modified"]})
    assert after.status_code == 200 and b"Going live" in after.content


def test_changes_made_with_the_cache_off_are_seen_when_it_is_on_again(post, add_comment, stranger):
    moderation_off()
    url = post.get_absolute_url()
    warm(stranger, url)
    with override_settings(BYLINE_PAGE_CACHE=False):
        add_comment(post, "Written while the cache was off")
    assert b"Written while the cache was off" in stranger.get(url).content


def test_page_files_are_html_only_under_a_safe_folder_and_listed_once(
    post, add_comment, stranger, tmp_path: Path
):
    moderation_off()
    with override_settings(BYLINE_PAGE_FILES_DIR=str(tmp_path)):
        warm(stranger, "/feed/")
        assert not list(tmp_path.rglob("feed"))  # RSS must not be served as text/html
        url = post.get_absolute_url()
        for i in range(5):
            add_comment(post, f"c{i}")
            warm(stranger, url)
            stranger.get(url)
        assert len(list((tmp_path / ".parts" / "site").iterdir())) == 1  # one marker per file
        other_port = Client(HTTP_HOST="testserver:6666")
        warm(other_port, url)
        assert (tmp_path / "testserver:6666").is_dir()  # a folder of its own, nobody else's
    with override_settings(ALLOWED_HOSTS=["*"]):
        for host in ("...", "..", ".hidden"):
            assert pagefiles.relative_path(RequestFactory().get("/x/", HTTP_HOST=host)) is None


def test_page_files_of_another_build_are_removed_at_start(tmp_path: Path):
    with override_settings(BYLINE_PAGE_FILES_DIR=str(tmp_path)):
        old = tmp_path / "testserver" / "index.html"
        old.parent.mkdir()
        old.write_text("rendered by the previous version")
        (tmp_path / pagefiles.BUILD_FILE).write_text("an older build")
        pagecache.PageCacheMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
        assert not old.exists()
        assert (tmp_path / pagefiles.BUILD_FILE).read_text() == pagecache.build_id()
