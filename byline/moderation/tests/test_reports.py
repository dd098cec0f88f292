"""Reader reports through the real pages: the link in the thread, the report page, the
rate limit (in the local cache and in Redis), CSRF, and what a hostile note can do."""

from __future__ import annotations

import csv
import io
import os
import re
import time
from html import unescape

import html5lib
import pytest
from django.core.cache import caches
from django.test import Client
from django.test.utils import override_settings

from byline.discussion.models import Comment
from byline.moderation import actions
from byline.moderation.models import AuditEntry, ModerationSettings, Report

pytestmark = pytest.mark.django_db

REDIS = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    "KEY_PREFIX": f"byline-report-test-{os.getpid()}",
}
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def report_url(comment: Comment) -> str:
    return f"/comments/{comment.pk}/report/"


def assert_valid_html(content: bytes) -> None:
    html5lib.HTMLParser(strict=True).parse(content)


def textarea(content: bytes, name: str = "note") -> str:
    found = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', content.decode(), re.S)
    assert found is not None, "the form has no note field"
    return unescape(found.group(1)).lstrip("\n")


def wait_for_room_in_the_hour() -> None:
    """The report limit counts in fixed one-hour windows; a test that sends eleven reports
    must not straddle the change of window, or the eleventh would be allowed."""
    left = 3600 - time.time() % 3600
    if left < 30:
        time.sleep(left + 1)


@pytest.fixture
def comment(post, add_comment) -> Comment:
    made = add_comment(post, "The harbor **bridge** opens at noon.", name="Lena")
    assert made.status == Comment.Status.PUBLIC
    return made


# The link in the thread


def test_public_comments_carry_a_report_link_and_the_shared_page_stays_shared(
    post, add_comment, hold_comments, moderator
):
    public = actions.approve(add_comment(post, "First!", name="Ann"), by=moderator)
    held = add_comment(post, "Still waiting", name="Bo")
    first = Client().get(post.get_absolute_url())
    second = Client().get(post.get_absolute_url())
    page = first.content.decode()
    assert first.status_code == 200
    link = (
        f'<a class="report" href="/comments/{public.pk}/report/" rel="nofollow">'
        f'Report<span class="visually-hidden"> comment 1</span></a>'
    )
    assert link in page
    assert f"/comments/{held.pk}/report/" not in page
    # Still one page for every stranger: nothing personal was added, and no CSRF token.
    assert first.content == second.content
    assert not re.search(r'name="csrfmiddlewaretoken" value="[^"]', page)
    assert "public" in first["Cache-Control"]
    assert_valid_html(first.content)


# The report page


def test_the_report_page_shows_the_comment_and_the_reasons_and_is_never_cached(stranger, comment):
    response = stranger.get(report_url(comment))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The harbor <strong>bridge</strong> opens at noon." in page
    assert "comment 1 by <bdi>Lena</bdi>" in page
    for value, label in Report.Reason.choices:
        assert f'value="{value}"' in page and label in page
    assert "csrfmiddlewaretoken" in page
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert_valid_html(response.content)


def test_a_guest_reports_a_comment(stranger, comment):
    response = stranger.post(report_url(comment), {"reason": "spam", "note": "An advert."})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Thank you for your report" in page
    assert f"{comment.post.get_absolute_url()}#comment-1" in page  # the way back
    made = Report.objects.get()
    assert (made.comment, made.reason, made.note) == (comment, "spam", "An advert.")
    assert made.reporter is None and made.ip_address == "127.0.0.1"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.REPORT)
    assert entry.comment == comment and entry.actor is None
    assert entry.reason == "Spam: An advert."
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLIC  # a report alone takes nothing down


@override_settings(BYLINE_PROXY_COUNT=1)
def test_behind_a_declared_proxy_the_report_keeps_the_readers_address(comment):
    proxied = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.44")
    assert proxied.post(report_url(comment), {"reason": "spam"}).status_code == 200
    assert Report.objects.get().ip_address == "203.0.113.44"


def test_a_signed_in_reader_reports_under_their_account(reader_client, reader, comment):
    response = reader_client.post(report_url(comment), {"reason": "abuse", "note": ""})
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    made = Report.objects.get()
    assert made.reporter == reader and made.reason == "abuse"
    assert AuditEntry.objects.get(action=AuditEntry.Action.REPORT).actor == reader


def test_reports_at_the_threshold_put_the_comment_in_the_reported_queue(
    stranger, reader_client, comment
):
    assert ModerationSettings.current().report_threshold == 2
    stranger.post(report_url(comment), {"reason": "off_topic"})
    assert comment not in list(actions.reported_comments())
    reader_client.post(report_url(comment), {"reason": "abuse"})
    queued = list(actions.reported_comments())
    assert queued == [comment] and queued[0].open_reports == 2  # type: ignore[attr-defined]
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLIC
    assert "The harbor" in Client().get(comment.post.get_absolute_url()).content.decode()


def test_a_lower_threshold_set_by_the_site_counts_one_report(stranger, comment):
    rules = ModerationSettings.current()
    rules.report_threshold = 1
    rules.save()
    stranger.post(report_url(comment), {"reason": "spam"})
    assert list(actions.reported_comments()) == [comment]


def test_reporting_twice_counts_once(reader_client, stranger, comment):
    reader_client.post(report_url(comment), {"reason": "abuse"})
    again = reader_client.post(report_url(comment), {"reason": "spam", "note": "and more"})
    assert again.status_code == 200
    assert "You already reported this comment" in again.content.decode()
    stranger.post(report_url(comment), {"reason": "spam"})
    guest_again = stranger.post(report_url(comment), {"reason": "spam"})
    assert "You already reported this comment" in guest_again.content.decode()
    assert Report.objects.count() == 2  # one by the reader, one by the guest's address
    assert AuditEntry.objects.filter(action=AuditEntry.Action.REPORT).count() == 2
    assert [c.open_reports for c in actions.reported_comments()] == [2]  # type: ignore[attr-defined]


# Bad input


def test_no_reason_is_refused_and_the_note_is_kept(stranger, comment):
    response = stranger.post(report_url(comment), {"note": "It is rude to Lena's neighbour"})
    assert response.status_code == 400
    assert "Please choose why you are reporting this comment." in response.content.decode()
    assert textarea(response.content) == "It is rude to Lena's neighbour"
    assert not Report.objects.exists()
    assert_valid_html(response.content)


def test_an_unknown_reason_is_refused(stranger, comment):
    response = stranger.post(report_url(comment), {"reason": "boring", "note": "zzz"})
    assert response.status_code == 400
    assert "Please choose why" in response.content.decode()
    assert not Report.objects.exists()


def test_an_over_long_note_is_refused_and_comes_back_whole(stranger, comment):
    note = "word " * 120 + "end"  # 603 characters
    response = stranger.post(report_url(comment), {"reason": "other", "note": note})
    assert response.status_code == 400
    assert "Please keep your note under 500 characters." in response.content.decode()
    assert textarea(response.content) == note
    assert not Report.objects.exists()


def test_a_note_with_a_nul_character_is_refused_not_crashed(stranger, comment):
    response = stranger.post(report_url(comment), {"reason": "other", "note": "a\x00b"})
    assert response.status_code == 400
    assert not Report.objects.exists()


@pytest.mark.parametrize("state", ["pending", "removed", "spam", "missing", "draft post"])
def test_only_public_comments_on_live_posts_can_be_reported(
    state, stranger, moderator, post, add_comment, hold_comments
):
    target = add_comment(post, "Text under review", name="Cy")
    if state == "removed":
        actions.approve(target, by=moderator)
        actions.remove(target, by=moderator, reason="abuse")
    elif state == "spam":
        actions.mark_spam(target, by=moderator)
    elif state == "draft post":
        actions.approve(target, by=moderator)
        post.status = post.Status.DRAFT
        post.save()
    url = "/comments/987654/report/" if state == "missing" else report_url(target)
    for response in (stranger.get(url), stranger.post(url, {"reason": "spam"})):
        assert response.status_code == 404
        page = response.content.decode()
        assert "This comment cannot be reported" in page and "not public" in page
        assert "Text under review" not in page
    assert not Report.objects.exists()


# CSRF


def test_a_report_without_the_csrf_token_is_refused(comment):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        report_url(comment), {"reason": "abuse", "note": "Kept across the stale token"}
    )
    assert response.status_code == 403
    assert not Report.objects.exists()
    # Nothing the reader chose is lost: the form comes back filled, with a fresh token.
    page = response.content.decode()
    assert "Kept across the stale token" in page and "Nothing was sent" in page
    assert re.search(r'value="abuse"[^>]*checked|checked[^>]*value="abuse"', page)
    # …and the token the report page hands out is what makes it work.
    form = client.get(report_url(comment)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token is not None
    response = client.post(
        report_url(comment), {"reason": "spam", "csrfmiddlewaretoken": token.group(1)}
    )
    assert response.status_code == 200 and Report.objects.count() == 1


# Rate limits


def _eleven_reports(post, add_comment, ip: str) -> tuple[Client, list[Comment]]:
    targets = [add_comment(post, f"Comment number {i}", name=f"W{i}") for i in range(11)]
    client = Client(REMOTE_ADDR=ip)
    wait_for_room_in_the_hour()
    for target in targets[:10]:
        response = client.post(report_url(target), {"reason": "spam"})
        assert response.status_code == 200, response.content.decode()[:500]
    return client, targets


def _assert_eleventh_refused(client: Client, target: Comment) -> None:
    note = "This one too, it is the same advert"
    response = client.post(report_url(target), {"reason": "spam", "note": note})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    page = response.content.decode()
    assert "You have sent many reports in a short time" in page
    assert textarea(response.content) == note
    assert "no-store" in response["Cache-Control"]
    assert not Report.objects.filter(comment=target).exists()


def test_the_eleventh_report_in_an_hour_from_one_address_is_refused(post, add_comment):
    client, targets = _eleven_reports(post, add_comment, "203.0.113.7")
    _assert_eleventh_refused(client, targets[10])
    assert Report.objects.count() == 10
    # Another address is not held back by this one.
    other = Client(REMOTE_ADDR="203.0.113.8").post(report_url(targets[10]), {"reason": "spam"})
    assert other.status_code == 200


def test_the_report_limit_holds_in_redis(post, add_comment):
    with override_settings(CACHES={"default": REDIS, "shared": {**REDIS, "KEY_PREFIX": "s"}}):
        redis = caches["default"]
        redis.clear()
        try:
            client, targets = _eleven_reports(post, add_comment, "203.0.113.9")
            _assert_eleventh_refused(client, targets[10])
            window = int(time.time() // 3600)
            # The count really lives in Redis, where every app process sees it.
            assert redis.get(f"rl:comment_report:ip:203.0.113.9:{window}") == 11
        finally:
            redis.clear()


# Hostile input


def test_a_hostile_note_is_stored_as_text_and_escaped_in_the_audit_log(
    stranger, moderator_client, comment
):
    response = stranger.post(report_url(comment), {"reason": "abuse", "note": HOSTILE})
    assert response.status_code == 200
    assert Report.objects.get().note == HOSTILE
    log = moderator_client.get("/moderation/log/")
    page = log.content.decode()
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror" in page
    csv_text = b"".join(moderator_client.get("/moderation/log.csv").streaming_content).decode()
    reasons = [row["reason"] for row in csv.DictReader(io.StringIO(csv_text))]
    assert reasons == [f"Abusive or hateful: {HOSTILE}"]  # text, not markup: kept as typed


def test_a_hostile_comment_is_shown_sanitised_on_the_report_page(stranger, post, add_comment):
    target = add_comment(post, f"Look {HOSTILE} [here](javascript:alert(2))", name="<b>Eve</b>")
    page = stranger.get(report_url(target)).content.decode()
    excerpt = page[page.index("<blockquote") : page.index("</blockquote>")]
    assert "Look" in excerpt  # the comment is shown…
    assert "<script" not in excerpt and "<img" not in excerpt  # …without its markup
    assert 'href="javascript:' not in page
    assert "&lt;b&gt;Eve&lt;/b&gt;" in page and "<b>Eve" not in page
