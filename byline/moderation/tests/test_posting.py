"""Comments posted through the post page's form, with the site's default moderation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from byline.accounts.models import VerifiedEmail
from byline.discussion.models import Comment
from byline.moderation.models import AuditEntry, ModerationSettings, Term
from byline.moderation.pipeline import form_stamp
from byline.moderation.tests.helpers import moderation_off

pytestmark = pytest.mark.django_db


def token(client: Client) -> str:
    return client.get("/session/csrf/").json()["csrfToken"]


def stamp(seconds_ago: int = 60) -> str:
    return form_stamp(timezone.now() - timedelta(seconds=seconds_ago))


def send(client: Client, post, body: str, **extra) -> object:
    data = {
        "csrfmiddlewaretoken": token(client),
        "body": body,
        "name": "Dockside Dan",
        "email": "dan@example.org",
        "shown": stamp(),
        "homepage": "",
        **extra,
    }
    return client.post(f"/comments/post/{post.pk}/", data, REMOTE_ADDR="203.0.113.7")


def test_a_guests_first_comment_is_held_with_its_reason_and_audited(post, stranger):
    response = send(stranger, post, "The ferry timetable was better last year.")
    assert response.status_code == 303
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING and comment.number is None
    assert comment.moderation["action"] == "hold"
    assert comment.moderation["code"] == "new_commenter"
    assert "not verified" in comment.moderation["reason"]
    assert set(comment.moderation["scores"]) == {"spam", "abuse"}
    entry = AuditEntry.objects.get(action=AuditEntry.Action.VERDICT)
    assert entry.comment == comment and entry.actor is None
    assert entry.after["status"] == "pending" and entry.after["verdict"] == "hold"
    # The writer sees it, marked, on their own page.
    page = stranger.get(response["Location"]).content.decode()
    assert "Awaiting moderation" in page and "ferry timetable" in page


def _prove(client: Client, email: str) -> None:
    """Give ``client`` the cookie a browser gets by following the verification link."""
    from django.core.signing import get_cookie_signer

    from byline.accounts.verification import PROOF_COOKIE, PROOF_SALT

    signer = get_cookie_signer(salt=PROOF_COOKIE + PROOF_SALT)
    client.cookies[PROOF_COOKIE] = signer.sign(email)


def test_a_verified_guest_with_an_approved_comment_publishes_at_once(post, stranger, add_comment):
    moderation_off()
    add_comment(post, "An earlier, approved comment.", email="Dan@Example.org")
    rules = ModerationSettings.current()
    rules.trust_threshold = 1
    rules.save()
    send(stranger, post, "Unverified: still held, whatever name I type.")
    assert Comment.objects.latest("pk").status == Comment.Status.PENDING
    VerifiedEmail.objects.create(email="dan@example.org", verified_at=timezone.now())
    _prove(stranger, "dan@example.org")
    send(stranger, post, "Now verified, and one approved comment already.")
    assert Comment.objects.latest("pk").status == Comment.Status.PUBLIC


def test_typing_someone_elses_verified_email_earns_no_trust(post, add_comment):
    moderation_off()
    add_comment(post, "Dan's approved comment.", email="dan@example.org")
    VerifiedEmail.objects.create(email="dan@example.org", verified_at=timezone.now())
    rules = ModerationSettings.current()
    rules.trust_threshold = 1
    rules.save()
    impostor = Client()
    send(impostor, post, "Buy cheap watches, says the impostor.")
    assert Comment.objects.latest("pk").status == Comment.Status.PENDING
    # A browser that proved a different address does not vouch for this one either.
    _prove(impostor, "mallory@example.org")
    send(impostor, post, "Still pretending to be Dan, with my own proof.")
    assert Comment.objects.latest("pk").status == Comment.Status.PENDING
    # A forged cookie value is ignored.
    impostor.cookies["byline_verified"] = "dan@example.org"
    send(impostor, post, "A forged proof cookie, third try.")
    assert Comment.objects.latest("pk").status == Comment.Status.PENDING


def test_a_mail_server_that_is_down_does_not_lose_or_break_the_comment(post, stranger, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    response = send(stranger, post, "Posted while the mail server is down.")
    assert response.status_code == 303
    assert Comment.objects.get().status == Comment.Status.PENDING
    # The next comment tries the mail again instead of waiting a day.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send(stranger, post, "A second comment once the mail server is back.")
    assert len(mail.outbox) == 1


def test_a_guest_gets_one_verification_mail_and_the_link_verifies_on_post_only(post, stranger):
    send(stranger, post, "First comment, please verify me.")
    send(stranger, post, "Second comment the same day: no second mail.")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dan@example.org"]
    link = re.search(r"https?://\S+/accounts/verify/\S+/", message.body)
    assert link is not None
    path = "/" + link.group(0).split("/", 3)[3]
    page = stranger.get(path)
    assert page.status_code == 200 and b"Verify dan@example.org" in page.content
    assert not VerifiedEmail.is_verified("dan@example.org")  # a prefetching scanner: no
    client = Client(enforce_csrf_checks=True)
    form = client.get(path)
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.content)
    assert csrf is not None
    done = client.post(path, {"csrfmiddlewaretoken": csrf.group(1).decode()})
    assert done.status_code == 200 and b"is verified" in done.content
    assert VerifiedEmail.is_verified("DAN@example.org")


def test_a_tampered_verification_link_is_refused_clearly(stranger, db):
    response = stranger.post("/accounts/verify/not-a-real-token/")
    assert response.status_code == 400
    assert b"not valid" in response.content
    assert not VerifiedEmail.objects.exists()


def test_a_signed_in_readers_first_comment_is_held_then_trusted_after_approval(
    post, reader, moderator
):
    from byline.moderation import actions

    client = Client()
    client.force_login(reader)
    send(client, post, "My first comment here.")
    first = Comment.objects.get()
    assert first.status == Comment.Status.PENDING
    actions.approve(first, by=moderator)
    send(client, post, "My second comment, now trusted.")
    assert Comment.objects.latest("pk").status == Comment.Status.PUBLIC


def test_the_post_author_and_moderators_are_not_held_as_newcomers(post, author, moderator):
    for user in (author, moderator):
        client = Client()
        client.force_login(user)
        send(client, post, f"A comment by {user.username} about the timetable.")
        assert Comment.objects.latest("pk").status == Comment.Status.PUBLIC


def test_the_honeypot_files_the_comment_as_spam_not_lost(post, stranger):
    response = send(stranger, post, "Buy cheap watches now", homepage="http://spam.example")
    assert response.status_code == 303
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.SPAM
    assert comment.moderation["code"] == "honeypot"
    assert len(mail.outbox) == 0  # no verification mail for spam


def test_a_form_sent_too_fast_is_spam_and_one_without_a_stamp_is_held(post, stranger):
    send(stranger, post, "Submitted the instant the form appeared.", shown=stamp(0))
    assert Comment.objects.latest("pk").moderation["code"] == "too_fast"
    assert Comment.objects.latest("pk").status == Comment.Status.SPAM
    send(stranger, post, "A form that carried no stamp at all, oddly.", shown="")
    held = Comment.objects.latest("pk")
    assert held.status == Comment.Status.PENDING
    codes = {f["code"] for f in held.moderation["findings"]}
    assert "bad_form_stamp" in codes


def test_a_blocked_term_in_the_name_files_spam_and_a_held_term_holds(post, stranger):
    moderation_off()
    Term.objects.create(term="casino", action=Term.Action.BLOCK)
    Term.objects.create(term="parasites", action=Term.Action.HOLD)
    send(stranger, post, "An ordinary remark about the ferry.", name="Casino Royale")
    assert Comment.objects.latest("pk").status == Comment.Status.SPAM
    send(stranger, post, "The whole board are parasites, frankly.")
    held = Comment.objects.latest("pk")
    assert held.status == Comment.Status.PENDING
    assert "parasites" in held.moderation["reason"]


def test_over_the_rate_limit_gets_429_retry_after_and_keeps_the_text(post, stranger):
    moderation_off()
    for i in range(5):
        assert send(stranger, post, f"Comment number {i} on the ferry plan.").status_code == 303
    response = send(stranger, post, "The sixth one, typed with care.")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    page = response.content.decode()
    assert "The sixth one, typed with care." in page
    assert "Please wait a little" in page
    assert Comment.objects.count() == 5


@override_settings(
    CACHES={
        alias: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/14",
            "KEY_PREFIX": alias,
        }
        for alias in ("default", "shared")
    }
)
def test_the_rate_limit_holds_on_the_real_redis_across_clients(post):
    from django.core.cache import cache

    cache.clear()
    try:
        moderation_off()
        codes = [
            send(Client(), post, f"Comment {i} about the harbour.").status_code for i in range(6)
        ]
        assert codes == [303] * 5 + [429]
    finally:
        cache.clear()


def test_the_nudge_warns_before_storing_and_posting_anyway_holds(post, stranger, monkeypatch):
    moderation_off()
    rules = ModerationSettings.current()
    rules.abuse_threshold = 0.5
    rules.nudge = True
    rules.save()
    body = "All of those vermin should be driven out of the country, every one of them."
    response = send(stranger, post, body)
    assert response.status_code == 200
    page = response.content.decode()
    assert "may come across as abusive" in page
    assert "Post it as it is" in page
    assert body in page  # the text is kept for revising
    assert not Comment.objects.exists()
    response = send(stranger, post, body, post_anyway="1")
    assert response.status_code == 303
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert comment.moderation["code"] == "abuse_score"


def test_heated_political_criticism_is_not_nudged_or_held(post, stranger):
    moderation_off()
    rules = ModerationSettings.current()
    rules.abuse_threshold = 0.5
    rules.save()
    response = send(
        stranger, post, "Their government's policy is a disgrace. They need to be taken down…hard."
    )
    assert response.status_code == 303
    assert Comment.objects.get().status == Comment.Status.PUBLIC


def test_an_edit_that_adds_a_held_term_takes_the_comment_back_to_review(post, stranger):
    moderation_off()
    Term.objects.create(term="parasite", action=Term.Action.HOLD)
    send(stranger, post, "A perfectly mild comment about the timetable.")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PUBLIC and comment.number == 1
    page = stranger.get(f"/comments/{comment.pk}/edit/").content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf is not None
    response = stranger.post(
        f"/comments/{comment.pk}/edit/",
        {"csrfmiddlewaretoken": csrf.group(1), "body": "Edited: the board are parasites."},
    )
    assert response.status_code == 303
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PENDING and comment.number == 1
    assert comment.moderation["code"] == "held_term"
    entry = AuditEntry.objects.filter(comment=comment, reason__startswith="Edited").get()
    assert entry.before["status"] == "public" and entry.after["status"] == "pending"
    # The writer still sees it, awaiting moderation; a stranger does not.
    assert comment.edited_at is not None
    assert "the board are parasites" in stranger.get(response["Location"]).content.decode()
    assert "the board are parasites" not in Client().get(post.get_absolute_url()).content.decode()


def test_editing_a_held_comment_updates_its_verdict_and_can_file_it_as_spam(post, stranger):
    Term.objects.create(term="fast loans", action=Term.Action.BLOCK)
    send(stranger, post, "An innocent first comment, held as a newcomer's.")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    page = stranger.get(f"/comments/{comment.pk}/edit/").content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf is not None
    stranger.post(
        f"/comments/{comment.pk}/edit/",
        {"csrfmiddlewaretoken": csrf.group(1), "body": "Get fast loans at http://x.example"},
    )
    comment.refresh_from_db()
    assert comment.status == Comment.Status.SPAM
    codes = {f["code"] for f in comment.moderation["findings"]}
    assert {"blocked_term", "new_commenter"} <= codes  # the newcomer finding still stands


def test_the_confirm_page_and_stamps_resist_replay(post):
    from byline.moderation.pipeline import form_stamp as make_stamp

    moderation_off()
    rules = ModerationSettings.current()
    rules.min_seconds_to_submit = 3
    rules.save()
    # A bot that posts without a token, then at once from the confirm page: held, not public.
    bot = Client(enforce_csrf_checks=True)
    data = {"body": "Replayed spam text here", "name": "Bot", "email": "bot@example.org"}
    page = bot.post(f"/comments/post/{post.pk}/", data)
    assert page.status_code == 403
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    shown = re.search(rb'name="shown" value="([^"]+)"', page.content)
    assert token is not None and shown is not None
    bot.post(
        f"/comments/post/{post.pk}/",
        {**data, "csrfmiddlewaretoken": token.group(1).decode(), "shown": shown.group(1).decode()},
    )
    first = Comment.objects.get()
    assert first.status == Comment.Status.PENDING
    assert "too_fast" in {f["code"] for f in first.moderation["findings"]}
    # One harvested stamp, used again: the second comment is held.
    stamp = make_stamp(timezone.now() - timedelta(seconds=60))
    client = Client()
    send(client, post, "First use of this stamp, fine.", shown=stamp)
    send(client, post, "Second use of the same stamp.", shown=stamp)
    second, third = Comment.objects.order_by("pk")[1:3]
    assert second.status == Comment.Status.PUBLIC
    assert third.status == Comment.Status.PENDING
    assert third.moderation["code"] == "reused_form_stamp"


def test_editing_an_approved_guest_comment_keeps_it_public(post, stranger, moderator):
    from byline.moderation import actions

    send(stranger, post, "A first comment from a new guest, about the timetable.")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING  # a new commenter's first comment waits
    assert "new_commenter" in {f["code"] for f in comment.moderation["findings"]}
    actions.approve(comment, by=moderator)
    page = stranger.get(f"/comments/{comment.pk}/edit/").content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf is not None
    response = stranger.post(
        f"/comments/{comment.pk}/edit/",
        {"csrfmiddlewaretoken": csrf.group(1), "body": "A first comment, typo fixed."},
    )
    assert response.status_code == 303
    comment.refresh_from_db()
    assert comment.status == Comment.Status.PUBLIC and comment.body.endswith("typo fixed.")
    assert "new_commenter" not in {f["code"] for f in comment.moderation["findings"]}
