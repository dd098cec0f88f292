"""Who is calling the API, and the checks every request passes before its view runs.

Authentication is a personal access token (``Authorization: Bearer byl_…``) or nothing (a
guest). **Session cookies are never read by the API**: a signed-in browser calling it is a guest
unless it sends a token, so a page on another site cannot make a visitor's browser act as
them (the classic CSRF), and the API needs no CSRF token. On top of that, an unsafe request
(POST, PATCH, …) is refused when it carries an ``Origin`` that is not this site's (the API is
same-origin only until an allowlist exists) and when its body is not ``application/json`` (what
an HTML form on another site can send). ``BearerToken`` runs all of this first for every
operation (ninja calls it before reading the body).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer

from byline.accounts.models import User
from byline.accounts.roles import is_moderator
from byline.api import tokens
from byline.api.errors import ApiError
from byline.api.models import AccessToken

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
JSON = "application/json"


@dataclass(frozen=True)
class Caller:
    """A request's caller: a token (with its user) or a guest (``token`` None)."""

    token: AccessToken | None = None

    @property
    def user(self) -> User | None:
        return self.token.user if self.token is not None else None


def own_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}".lower()


def _origin_allowed(request: HttpRequest, origin: str) -> bool:
    origin = origin.strip().lower().rstrip("/")
    trusted = {o.lower().rstrip("/") for o in settings.CSRF_TRUSTED_ORIGINS}
    return origin == own_origin(request) or origin in trusted


def guard_request(request: HttpRequest) -> None:
    """Refuse unsafe requests from another site's pages, or with a body that is not JSON."""
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("Origin")
    if origin is not None and not _origin_allowed(request, origin):
        raise ApiError(
            403,
            "forbidden_origin",
            f"Requests from {origin[:100]} are not accepted: this API takes changes only from "
            "this site's own pages and from programs (which send no Origin).",
        )
    if request.content_type != JSON:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"Send the request body as JSON (Content-Type: {JSON}).",
        )


class BearerToken(HttpBearer):
    """The API's one gate: ``guard_request``, then the token if one is sent. ``required``:
    a guest is refused (401); otherwise a guest gets ``Caller()``. A token that is sent but
    unknown, revoked or whose account is inactive is always refused, never taken for a
    guest."""

    def __init__(self, *, required: bool) -> None:
        super().__init__()
        self.required = required

    def __call__(self, request: HttpRequest) -> Caller | None:
        guard_request(request)
        header = request.headers.get("Authorization")
        if not header:
            return None if self.required else Caller()
        scheme, _, secret = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise ApiError(
                401, "invalid_token", "Send the token as “Authorization: Bearer <token>”."
            )
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Caller:
        found = tokens.authenticate(token)
        if found is None:
            raise ApiError(
                401,
                "invalid_token",
                "This token is not valid: it is unknown, revoked, or its account is inactive.",
            )
        return Caller(found)


OPTIONAL = BearerToken(required=False)
REQUIRED = BearerToken(required=True)
# For the OpenAPI schema: an endpoint open to guests takes a token too.
GUEST_OR_TOKEN: dict[str, Any] = {"security": [{}, {"BearerToken": []}]}


def caller(request: HttpRequest) -> Caller:
    found = getattr(request, "auth", None)
    return found if isinstance(found, Caller) else Caller()


def only_query(request: HttpRequest, *names: str) -> None:
    """Refuse query parameters the endpoint does not read, and repeated ones (400)."""
    fields: dict[str, str] = {}
    for name in request.GET:
        if name not in names:
            fields[name[:50]] = "This parameter is not known."
        elif len(request.GET.getlist(name)) > 1:
            fields[name[:50]] = "Give this parameter once."
    if fields:
        message = "; ".join(f"{name}: {text}" for name, text in fields.items())
        raise ApiError(400, "invalid", message, fields=fields)


def require_scope(request: HttpRequest, scope: str) -> User:
    """The token's user, if the request carries a token with ``scope``; else 401/403."""
    who = caller(request)
    if who.token is None or who.user is None:
        raise ApiError(401, "unauthorized", f"This needs an access token with the “{scope}” scope.")
    if not who.token.has_scope(scope):
        raise ApiError(
            403, "insufficient_scope", f"This token does not have the “{scope}” scope.", scope=scope
        )
    return who.user


def require_moderator(request: HttpRequest, scope: str) -> User:
    """A moderator's token with ``scope``, checked on every request (a moderator who lost the
    role gets 403 at once, whatever their tokens say)."""
    user = require_scope(request, scope)
    if not is_moderator(user):
        raise ApiError(403, "not_moderator", "This account is not a moderator (any more).")
    return user
