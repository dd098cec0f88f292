"""Personal access tokens: made with a random secret shown once, stored as its SHA-256.

The admin's "add token" form, ``byline tokens create`` and the tests all call ``create``;
``revoke`` is the one way to end a token. ``authenticate`` is what the API asks on every
request: a revoked token, or one whose user is no longer active, is no token at all.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from byline.accounts.models import User
from byline.api.models import AccessToken, Scope

PREFIX = "byl_"
# last_used_at is written at most this often per token (not a write per request).
TOUCH_EVERY = timedelta(minutes=1)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def clean_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = sorted({s.strip() for s in scopes if s.strip()})
    unknown = [s for s in chosen if s not in Scope.values]
    if unknown:
        raise ValidationError(
            {"scopes": f"Unknown scope {unknown[0]!r}; scopes are {', '.join(Scope.values)}."}
        )
    return chosen


def create(user: User, name: str, scopes: Iterable[str] = ()) -> tuple[AccessToken, str]:
    """A new token for ``user``: (the token, its secret). The secret is not stored: show it
    now or never."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name saying what it is for."})
    secret = PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(
        user=user,
        name=name[:100],
        scopes=clean_scopes(scopes),
        prefix=secret[: len(PREFIX) + 6],
        secret_hash=digest(secret),
    )
    return token, secret


def revoke(token: AccessToken) -> AccessToken:
    """End a token now (the row stays, for the record)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def authenticate(secret: str) -> AccessToken | None:
    """The usable token with this secret (its user loaded), or None."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = (
        AccessToken.objects.usable().select_related("user").filter(secret_hash=digest(secret))
    ).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
