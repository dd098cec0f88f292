"""Moderator endpoints: scope AND role, checked on every request; every change audited."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from byline.accounts.roles import MODERATOR
from byline.api import tokens
from byline.discussion.models import Comment
from byline.moderation import actions
from byline.moderation.models import AuditEntry, Ban, ModerationSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(post, add_comment):
    comment = add_comment(post, "Please approve me.", name="Ann", email="ann@example.org")
    Comment.objects.filter(pk=comment.pk).update(
        status=Comment.Status.PENDING,
        number=None,
        moderation={"v": 1, "action": "hold", "code": "new", "reason": "A first comment."},
    )
    return Comment.objects.get(pk=comment.pk)


def test_the_queue_lists_pending_comments_with_their_verdict(api, held, moderator, token_for):
    token = token_for(moderator, "moderate")
    response = api.get("/api/v1/moderation/queue", token=token)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["tab"] == "pending" and data["count"] == 1
    item = data["items"][0]
    assert item["id"] == held.pk and item["status"] == "pending"
    assert (item["verdict"], item["verdict_reason"]) == ("hold", "A first comment.")
    assert item["author_email"] == "ann@example.org"
    assert "no-store" not in response.get("Cache-Control", "")


def test_reported_and_spam_tabs(api, post, add_comment, moderator, token_for):
    rules = ModerationSettings.current()
    rules.report_threshold = 1
    rules.save()
    reported = add_comment(post, "Reported.")
    actions.report(reported, reason="abuse", ip="192.0.2.1")
    spam = add_comment(post, "Spam.")
    actions.mark_spam(spam, by=moderator)
    token = token_for(moderator, "moderate")
    tab = api.get("/api/v1/moderation/queue?tab=reported", token=token).json()
    assert [(i["id"], i["open_reports"]) for i in tab["items"]] == [(reported.pk, 1)]
    tab = api.get("/api/v1/moderation/queue?tab=spam", token=token).json()
    assert [i["id"] for i in tab["items"]] == [spam.pk]
    assert api.get("/api/v1/moderation/queue?tab=nope", token=token).status_code == 400


def test_scope_and_role_are_both_needed(api, held, moderator, reader, token_for):
    url = "/api/v1/moderation/queue"
    assert api.get(url).status_code == 401
    no_scope = api.get(url, token=token_for(moderator, "comments:write"))
    assert no_scope.status_code == 403 and no_scope.json()["code"] == "insufficient_scope"
    not_moderator = api.get(url, token=token_for(reader, "moderate", "ban"))
    assert not_moderator.status_code == 403 and not_moderator.json()["code"] == "not_moderator"


def test_a_demoted_moderator_or_a_revoked_token_is_refused_at_once(api, held, moderator):
    token, secret = tokens.create(moderator, "bot", ["moderate"])
    url = "/api/v1/moderation/queue"
    assert api.get(url, token=secret).status_code == 200
    moderator.groups.remove(Group.objects.get(name=MODERATOR))
    # Permissions are cached on the user object; the API loads the user afresh every request.
    assert api.get(url, token=secret).status_code == 403
    moderator.groups.add(Group.objects.get(name=MODERATOR))
    assert api.get(url, token=secret).status_code == 200
    tokens.revoke(token)
    assert api.get(url, token=secret).status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "audited"),
    [
        ({"action": "approve"}, "public", AuditEntry.Action.APPROVE),
        ({"action": "spam", "note": "An advert."}, "spam", AuditEntry.Action.SPAM),
        ({"action": "remove", "reason": "off_topic"}, "removed", AuditEntry.Action.REMOVE),
    ],
)
def test_decisions_go_through_the_actions_and_are_audited(
    api, held, moderator, token_for, body, status, audited
):
    token = token_for(moderator, "moderate")
    url = f"/api/v1/moderation/comments/{held.pk}/decision"
    response = api.post(url, body, token=token)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == status
    assert Comment.objects.get(pk=held.pk).status == status
    entry = AuditEntry.objects.get(comment=held, action=audited)
    assert entry.actor == moderator


def test_removing_needs_a_reason(api, held, moderator, token_for):
    token = token_for(moderator, "moderate")
    url = f"/api/v1/moderation/comments/{held.pk}/decision"
    response = api.post(url, {"action": "remove"}, token=token)
    assert response.status_code == 400 and "reason" in response.json()["fields"]
    assert Comment.objects.get(pk=held.pk).status == "pending"
    missing = api.post(
        "/api/v1/moderation/comments/999999/decision", {"action": "approve"}, token=token
    )
    assert missing.status_code == 404


def test_bans_need_the_ban_scope(api, held, moderator, token_for):
    body = {"kind": "email", "value": "Spam@Example.org", "until": "7d", "reason": "Adverts"}
    moderate_only = token_for(moderator, "moderate")
    assert api.post("/api/v1/moderation/bans", body, token=moderate_only).status_code == 403
    token = token_for(moderator, "ban")
    response = api.post("/api/v1/moderation/bans", body, token=token)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["kind"], data["value"], data["reason"]) == ("email", "spam@example.org", "Adverts")
    assert data["until"].endswith("Z")
    assert AuditEntry.objects.filter(action=AuditEntry.Action.BAN, actor=moderator).exists()
    bad = api.post("/api/v1/moderation/bans", {**body, "until": "soon"}, token=token)
    assert bad.status_code == 400 and "until" in bad.json()["fields"]
    bad = api.post("/api/v1/moderation/bans", {"kind": "ip", "value": "nope"}, token=token)
    assert bad.status_code == 400 and "value" in bad.json()["fields"]
    assert Ban.objects.count() == 1


def test_ban_a_commenter(api, held, moderator, token_for):
    token = token_for(moderator, "ban", "moderate")
    url = f"/api/v1/moderation/comments/{held.pk}/ban"
    response = api.post(url, {"until": "permanent", "reason": "Spammer"}, token=token)
    assert response.status_code == 200, response.content
    assert {b["kind"] for b in response.json()} == {"email", "ip"}
    assert Comment.objects.get(pk=held.pk).status == "spam"
    assert api.post(url, {}, token=token).json() == []  # already banned
