"""Access tokens: only a digest is stored; made and revoked in the admin and by `byline tokens`."""

from __future__ import annotations

import hashlib
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from byline.api import tokens
from byline.api.models import AccessToken

pytestmark = pytest.mark.django_db


def test_only_the_sha256_of_the_secret_is_stored(reader):
    token, secret = tokens.create(reader, "bot", ["comments:write"])
    assert secret.startswith("byl_") and len(secret) > 40
    stored = AccessToken.objects.get(pk=token.pk)
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(AccessToken.objects.values().get(pk=token.pk))
    assert stored.prefix == secret[:10]
    assert tokens.authenticate(secret) == token
    assert tokens.authenticate(secret + "x") is None


def test_unknown_scopes_and_empty_names_are_refused(reader):
    with pytest.raises(ValidationError):
        tokens.create(reader, "bot", ["superpowers"])
    with pytest.raises(ValidationError):
        tokens.create(reader, "  ", [])


def test_last_used_is_recorded_without_a_write_per_request(api, reader):
    token, secret = tokens.create(reader, "bot")
    assert api.get("/api/v1/token", token=secret).status_code == 200
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    api.get("/api/v1/token", token=secret)
    token.refresh_from_db()
    assert token.last_used_at == first


def test_the_command_creates_lists_and_revokes(api, moderator):
    out = StringIO()
    call_command("tokens", "create", "--user", "moderator", "--name", "bot", "--scope",
                 "moderate", "--scope", "ban", stdout=out)  # fmt: skip
    secret = out.getvalue().strip().splitlines()[-1]
    assert api.get("/api/v1/moderation/queue", token=secret).status_code == 200
    token = AccessToken.objects.get()
    assert token.scopes == ["ban", "moderate"]
    listing = StringIO()
    call_command("tokens", "list", stdout=listing)
    assert token.prefix in listing.getvalue() and secret not in listing.getvalue()
    call_command("tokens", "revoke", str(token.pk), stdout=StringIO())
    assert api.get("/api/v1/moderation/queue", token=secret).status_code == 401
    listing = StringIO()
    call_command("tokens", "list", stdout=listing)
    assert token.prefix not in listing.getvalue()
    with pytest.raises(CommandError):
        call_command("tokens", "create", "--user", "nobody", "--name", "x", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("tokens", "revoke", "999", stdout=StringIO())


def test_the_admin_shows_the_secret_once_and_revokes(api, admin_user, reader, login):
    client = login(admin_user)
    page = client.get("/admin/api/accesstoken/add/")
    assert page.status_code == 200
    response = client.post(
        "/admin/api/accesstoken/add/",
        {"user": reader.pk, "name": "reader's bot", "scopes": ["comments:write"]},
    )
    assert response.status_code == 200, response.content[:500]
    assert "no-store" in response["Cache-Control"]
    token = AccessToken.objects.get()
    html = response.content.decode()
    secret = html.split('id="token-secret" type="text" readonly size="60" value="')[1].split('"')[0]
    assert tokens.authenticate(secret) == token and token.scopes == ["comments:write"]
    # Never shown again: the change page has no secret.
    again = client.get(f"/admin/api/accesstoken/{token.pk}/change/").content.decode()
    assert secret not in again and token.prefix in again
    client.post(
        "/admin/api/accesstoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/api/v1/token", token=secret).status_code == 401


def test_webhooks_in_the_admin_get_a_secret(admin_user, login):
    from byline.api.models import Webhook

    client = login(admin_user)
    response = client.post(
        "/admin/api/webhook/add/",
        {"name": "Chat", "url": "https://chat.example/hook", "events": ["comment.held"],
         "active": "on", "secret": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.content[:800]
    hook = Webhook.objects.get()
    assert hook.events == ["comment.held"] and len(hook.secret) >= 32
    bad = client.post("/admin/api/webhook/add/", {"name": "x", "url": "ftp://x", "events": []})
    assert bad.status_code == 200 and Webhook.objects.count() == 1
    assert client.get("/admin/api/webhookdelivery/").status_code == 200
