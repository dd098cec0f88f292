"""Post passwords: who may read a protected post's body, excerpt and comments.

A post with a password (WordPress's "password protected") shows strangers its title, byline
and a password form; the body, the excerpt and the discussion stay hidden until the reader
enters the password. What the reader earns is one signed cookie, ``byline_unlock``, holding
per post a digest of the password it was opened with, so changing a post's password locks it
again for everyone. People who may edit the post always read it.

The cookie is one of the page cache's personal cookies (``core.pagecache.personal_cookies``,
and the nginx configuration's list): a reader who opened a protected post gets pages made for
them, so an opened page is never stored or served to anybody else.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare, salted_hmac

from byline.core import pagecache
from byline.moderation.ratelimits import POST_UNLOCK
from byline.publishing.models import Post

COOKIE_NAME = pagecache.UNLOCK_COOKIE
_SALT = "byline.publishing.protection"
# WordPress keeps a post's password cookie for ten days; so do we.
COOKIE_MAX_AGE = 10 * 24 * 3600
# A reader rarely opens many protected posts; the oldest are forgotten past this, which keeps
# the cookie well under browsers' 4 KB.
MAX_UNLOCKED = 40

UNLOCK_ATTEMPT = POST_UNLOCK  # declared with every other limit


def _digest(post: Post) -> str:
    """What the cookie keeps for ``post``: tied to its id and current password."""
    return salted_hmac(_SALT, f"{post.pk}:{post.password}").hexdigest()[:32]


def _opened(request: HttpRequest) -> dict[str, str]:
    """The posts this browser has opened, as {post id: digest}; empty if the cookie is
    missing, tampered with or expired."""
    value = request.COOKIES.get(COOKIE_NAME)
    if not value:
        return {}
    try:
        data: Any = signing.loads(value, salt=_SALT, max_age=COOKIE_MAX_AGE)
    except (signing.BadSignature, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items()}


def may_read(request: HttpRequest | None, post: Post) -> bool:
    """May this visitor read ``post``'s body, excerpt and comments?"""
    if not post.is_protected:
        return True
    if request is None:
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from byline.publishing.services import can_edit_post

        if can_edit_post(user, post):
            return True
    digest = _opened(request).get(str(post.pk))
    return digest is not None and constant_time_compare(digest, _digest(post))


def password_matches(post: Post, typed: str) -> bool:
    """Is ``typed`` the post's password? (Compared in constant time.)"""
    return post.is_protected and constant_time_compare(typed, post.password)


def remember_opened(request: HttpRequest, response: HttpResponse, post: Post) -> None:
    """Give this browser the cookie that opens ``post`` (keeping the others it opened)."""
    opened = _opened(request)
    opened.pop(str(post.pk), None)
    opened[str(post.pk)] = _digest(post)
    while len(opened) > MAX_UNLOCKED:
        opened.pop(next(iter(opened)))
    response.set_cookie(
        COOKIE_NAME,
        signing.dumps(opened, salt=_SALT, compress=True),
        max_age=COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
