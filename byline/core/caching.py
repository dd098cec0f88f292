"""Whether a response may be shared between visitors.

Decision (see ARCHITECTURE.md, "Cacheable pages"): a *stranger* — no session, CSRF or messages
cookie, not signed in — receives HTML with nothing personal in it (no CSRF token, no "awaiting
moderation" comments, no edit links), so one copy serves every stranger from Byline's page cache
(``byline.core.pagecache``), a proxy or a CDN. A visitor who carries one of those cookies gets a
personal, uncacheable page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

from byline.core.pagecache import has_personal_cookie


def is_personal(request: HttpRequest) -> bool:
    """Does this request carry anything that makes its page differ from a stranger's: a
    session, CSRF, messages or post-unlock cookie, or a signed-in user?"""
    if has_personal_cookie(request):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def shared_when_anonymous(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a stranger's page publicly cacheable for a short time, and others private."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code != 200:
            return response
        patch_vary_headers(response, ["Cookie"])
        if is_personal(request) or response.cookies:
            patch_cache_control(response, private=True, no_cache=True)
        else:
            patch_cache_control(
                response,
                public=True,
                max_age=settings.BYLINE_PAGE_MAX_AGE,
                stale_while_revalidate=settings.BYLINE_PAGE_STALE,
            )
        return response

    return wrapper
