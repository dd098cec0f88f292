"""Old addresses from an imported site keep working.

Consulted only for ``/?p=ID``-style links (which would otherwise show the front page) and for
requests nothing else answered (404), so ordinary pages never pay for it.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect

from byline.migration.models import LegacyURL

# WordPress's "plain" permalinks: /?p=123 for posts, /?page_id=45 for pages.
_ID_PARAMS = ("p", "page_id")


def legacy_paths(request: HttpRequest) -> list[str]:
    """The keys an old link to this request could have been stored under."""
    path = request.path
    candidates = [path]
    if path.endswith("/") and len(path) > 1:
        candidates.append(path[:-1])
    else:
        candidates.append(f"{path}/")
    for param in _ID_PARAMS:
        value = request.GET.get(param, "")
        if value.isascii() and value.isdigit():
            candidates.insert(0, f"/?{param}={int(value)}")
    return candidates


def find_legacy_target(request: HttpRequest) -> str | None:
    """The current address of the post an old link meant, if it is readable."""
    for legacy in LegacyURL.objects.filter(path__in=legacy_paths(request)).select_related("post"):
        if legacy.post.is_live:
            return legacy.post.get_absolute_url()
    return None


class LegacyURLMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reading = request.method in ("GET", "HEAD")
        if reading and request.path == "/" and any(p in request.GET for p in _ID_PARAMS):
            target = find_legacy_target(request)
            if target:
                return HttpResponsePermanentRedirect(target)
        response = self.get_response(request)
        if response.status_code == 404 and request.method in ("GET", "HEAD"):
            target = find_legacy_target(request)
            if target and unquote(target) != request.path:
                return HttpResponsePermanentRedirect(target)
        return response
