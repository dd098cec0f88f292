"""The one mechanism that guards every moderator page.

Moderator views are never routed one by one: ``byline/moderation/urls.py`` passes its whole
list through ``guarded``, which wraps each view so that strangers are sent to sign in and
signed-in people without the ``discussion.moderate_comments`` permission get 403. The views
themselves carry no guard of their own to forget; ``test_guard.py`` walks every route in the
``moderation`` namespace and proves each one refuses strangers and readers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver
from django.utils.cache import add_never_cache_headers

from byline.accounts.roles import is_moderator

View = Callable[..., HttpResponse]


def moderator_only(view: View) -> View:
    """Wrap one view: sign-in for strangers, 403 for others, never cached."""

    @wraps(view)
    def guarded_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_moderator(request.user):
            raise PermissionDenied("Only moderators can see this page.")
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    guarded_view.moderator_guard = True  # type: ignore[attr-defined]
    return guarded_view


def guarded(patterns: Sequence[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    """Every pattern (and every pattern of included resolvers) with its view guarded."""
    out: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            pattern.url_patterns[:] = guarded(pattern.url_patterns)
        else:
            pattern.callback = moderator_only(pattern.callback)
        out.append(pattern)
    return out
