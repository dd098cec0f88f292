"""Posting, editing and reporting comments through the API, with the personas and scopes.

Posting goes through the one intake with the site's moderation defaults (as a guest's first
comment is held on the form, it is held here) unless a test switches the holds off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from byline.accounts.models import User
from byline.api import tokens
from byline.discussion import intake
from byline.discussion.models import Comment
from byline.moderation.models import AuditEntry, Report
from byline.moderation.tests.helpers import moderation_off

pytestmark = pytest.mark.django_db

GUEST = {"body": "The 7:40 ferry was late again.", "name": "Ann", "email": "ann@example.org"}


def _url(post) -> str:
    return f"/api/v1/posts/{post.pk}/comments"


def test_a_guests_first_comment_is_held_with_its_verdict_audited(api, post):
    response = api.post(_url(post), GUEST, HTTP_USER_AGENT="TestClient/1")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "pending" and data["number"] is None
    comment = Comment.objects.get(pk=data["id"])
    assert (comment.author_name, comment.author_email) == ("Ann", "ann@example.org")
    assert comment.user_agent == "TestClient/1" and comment.ip_address == "127.0.0.1"
    assert comment.moderation["action"] == "hold"
    assert AuditEntry.objects.filter(comment=comment, action=AuditEntry.Action.VERDICT).exists()
    assert data["url"].startswith("http://testserver/")


def test_a_guest_comment_is_public_when_the_pipeline_passes_it(api, post):
    moderation_off()
    data = api.post(_url(post), GUEST).json()
    assert data["status"] == "public" and data["number"] == 1
    thread = api.get(_url(post)).json()
    assert thread["items"][0]["body_html"] == "<p>The 7:40 ferry was late again.</p>\n"


def test_a_token_with_comments_write_posts_as_its_account(api, post, reader, token_for):
    moderation_off()
    token = token_for(reader, "comments:write")
    # A name and address sent with a token are the account's, not what was typed.
    data = api.post(_url(post), {**GUEST, "name": "Someone else"}, token=token).json()
    comment = Comment.objects.get(pk=data["id"])
    assert comment.user == reader and comment.author_name == ""
    assert data["author"] == "Reader"


def test_replies_by_comment_id(api, post, add_comment):
    moderation_off()
    parent = add_comment(post, "Parent.")
    data = api.post(_url(post), {**GUEST, "parent": parent.pk}).json()
    assert Comment.objects.get(pk=data["id"]).parent == parent
    other = api.post(_url(post), {**GUEST, "body": "x", "parent": 999999})
    assert other.status_code == 400
    assert other.json()["fields"]["parent"].startswith("The comment you are replying to")


def test_scopes_and_bad_tokens(api, post, reader, token_for):
    read_only = token_for(reader)
    response = api.post(_url(post), GUEST, token=read_only)
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    for bad in ("byl_nonsense", "not-even-ours"):
        response = api.post(_url(post), GUEST, token=bad)
        assert response.status_code == 401 and response.json()["code"] == "invalid_token"
        assert response["WWW-Authenticate"] == "Bearer"
    response = api.post(_url(post), GUEST, HTTP_AUTHORIZATION="Basic abc")
    assert response.status_code == 401
    assert not Comment.objects.exists()


def test_revoked_tokens_and_inactive_accounts_are_refused(api, post, reader):
    token, secret = tokens.create(reader, "bot", ["comments:write"])
    tokens.revoke(token)
    assert api.post(_url(post), GUEST, token=secret).status_code == 401
    _, secret = tokens.create(reader, "bot 2", ["comments:write"])
    User.objects.filter(pk=reader.pk).update(is_active=False)
    assert api.post(_url(post), GUEST, token=secret).status_code == 401
    assert not Comment.objects.exists()


def test_validation_errors_are_json_with_fields_and_store_nothing(api, post):
    response = api.post(_url(post), {"body": " ", "name": "A\nB", "email": "nope"})
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid"
    assert set(data["fields"]) == {"body", "name", "email"}
    assert not Comment.objects.exists()


def test_a_comment_over_the_length_limit(api, post):
    response = api.post(_url(post), {**GUEST, "body": "x" * 10_001})
    data = response.json()
    assert response.status_code == 400 and data["fields"]["body"].endswith("Please shorten it.")
    assert not Comment.objects.exists()


def test_closed_comments(api, make_post):
    post = make_post(comments_open=False)
    response = api.post(_url(post), GUEST)
    assert response.status_code == 400 and "closed" in response.json()["message"]


def test_rate_limited_with_retry_after(api, post):
    moderation_off()
    for i in range(5):
        assert api.post(_url(post), {**GUEST, "body": f"Comment {i}"}).status_code == 201
    response = api.post(_url(post), {**GUEST, "body": "One too many."})
    assert response.status_code == 429
    data = response.json()
    assert data["code"] == "rate_limited" and data["retry_after"] >= 1
    assert response["Retry-After"] == str(data["retry_after"])
    assert "kept below" not in data["message"]  # the form's words; an API client keeps its text
    assert Comment.objects.count() == 5


class _Nudging:
    """A stand-in screening that asks to reconsider unless the writer confirmed."""

    def __init__(self, real):
        self.real = real
        self.origins = []

    def __getattr__(self, name):
        return getattr(self.real, name)

    def screen(self, submission, origin):
        self.origins.append(origin)
        if not origin.nudge_acknowledged:
            raise intake.Reconsider("This comment may come across as abusive.")
        return intake.Decision(intake.HOLD, {"action": "hold", "reason": "confirmed"})

    def stored(self, comment, decision, origin):
        return None


def test_reconsider_is_422_and_confirm_posts_it(api, post):
    real = intake.screening()
    nudging = _Nudging(real)
    intake.use_screening(nudging)
    try:
        response = api.post(_url(post), GUEST)
        assert response.status_code == 422
        assert response.json()["code"] == "reconsider"
        assert not Comment.objects.exists()
        response = api.post(_url(post), {**GUEST, "confirm": True})
        assert response.status_code == 201 and response.json()["status"] == "pending"
    finally:
        intake.use_screening(real)
    first = nudging.origins[0]
    assert (first.channel, first.form_stamp, first.rate_limit, first.proven_email) == (
        "api",
        None,
        True,
        "",
    )
    assert nudging.origins[1].nudge_acknowledged is True


def test_the_writer_edits_within_the_window(api, post, reader, token_for):
    moderation_off()
    token = token_for(reader, "comments:write")
    created = api.post(_url(post), {"body": "Frist."}, token=token).json()
    response = api.patch(f"/api/v1/comments/{created['id']}", {"body": "First."}, token=token)
    assert response.status_code == 200, response.content
    assert response.json()["body_html"] == "<p>First.</p>\n"
    assert response.json()["edited_at"] is not None
    assert Comment.objects.get(pk=created["id"]).body == "First."


def test_nobody_else_edits_and_not_after_the_window(
    api, post, reader, moderator, token_for, add_comment
):
    mine = add_comment(post, "Mine.", user=reader)
    theirs_token = token_for(moderator, "comments:write")
    response = api.patch(f"/api/v1/comments/{mine.pk}", {"body": "Hijacked."}, token=theirs_token)
    assert response.status_code == 403 and response.json()["code"] == "not_editable"
    token = token_for(reader, "comments:write")
    Comment.objects.filter(pk=mine.pk).update(created_at=timezone.now() - timedelta(hours=1))
    response = api.patch(f"/api/v1/comments/{mine.pk}", {"body": "Late."}, token=token)
    assert response.status_code == 403
    assert Comment.objects.get(pk=mine.pk).body == "Mine."
    # Without a token, or without the scope.
    assert api.patch(f"/api/v1/comments/{mine.pk}", {"body": "x"}).status_code == 401
    read_only = token_for(reader)
    assert (
        api.patch(f"/api/v1/comments/{mine.pk}", {"body": "x"}, token=read_only).status_code == 403
    )
    assert api.patch("/api/v1/comments/999999", {"body": "x"}, token=token).status_code == 404


def test_reports_by_guests_and_accounts(api, post, add_comment, reader, token_for):
    comment = add_comment(post, "Buy cheap pills.")
    url = f"/api/v1/comments/{comment.pk}/reports"
    response = api.post(url, {"reason": "spam", "note": "An advert."})
    assert response.status_code == 201 and response.json()["new"] is True
    assert api.post(url, {"reason": "spam"}).json()["new"] is False  # same reader (IP)
    token = token_for(reader, "comments:write")
    assert api.post(url, {"reason": "abuse"}, token=token).json()["new"] is True
    assert Report.objects.filter(comment=comment, reporter=reader).exists()
    assert AuditEntry.objects.filter(action=AuditEntry.Action.REPORT).count() == 2
    bad = api.post(url, {"reason": "boring"})
    assert bad.status_code == 400 and "reason" in bad.json()["fields"]


def test_reports_are_rate_limited(api, post, add_comment):
    comments = [add_comment(post, f"Comment {i}") for i in range(11)]
    answers = [
        api.post(f"/api/v1/comments/{c.pk}/reports", {"reason": "spam"}).status_code
        for c in comments
    ]
    assert answers == [201] * 10 + [429]
    assert Report.objects.count() == 10


def test_only_public_comments_of_readable_posts_are_reportable(api, post, make_post, add_comment):
    held = add_comment(post, "Held.")
    Comment.objects.filter(pk=held.pk).update(status=Comment.Status.PENDING)
    locked = make_post("Locked", password="letmein")
    hidden = add_comment(locked, "Behind a password.")
    for comment in (held, hidden):
        response = api.post(f"/api/v1/comments/{comment.pk}/reports", {"reason": "spam"})
        assert response.status_code == 404
    assert not Report.objects.exists()


def test_token_info(api, reader, moderator, token_for):
    info = api.get("/api/v1/token", token=token_for(moderator, "moderate")).json()
    assert info["scopes"] == ["moderate"] and info["moderator"] is True
    assert info["user"]["username"] == "moderator"
    assert api.get("/api/v1/token").status_code == 401
