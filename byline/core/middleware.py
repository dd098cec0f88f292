"""Refuse request bodies over the configured size before anything reads them.

It sits right after authentication (nothing before it reads a body) so that the larger limit
for archive uploads goes only to administrators.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE counts form fields but not uploaded files, so a multipart
body with a huge "file" would still be streamed to disk. Byline takes no uploads from readers,
so one byte limit for the whole body is the simple, safe rule.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def _may_upload_archives(request: HttpRequest) -> bool:
    """The one who may send a body as large as an archive: a signed-in, active superuser (the
    upload view asks the same)."""
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_active and user.is_superuser)


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse("The request's Content-Length is not a number.", status=400)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request.path in settings.BYLINE_LARGE_UPLOAD_PATHS and _may_upload_archives(request):
            # Archive uploads, by administrators only: anybody else's large body is refused
            # here, before Django's CSRF check would parse it (and spool files to disk).
            limit = settings.BYLINE_MAX_IMPORT_BYTES
        if limit is not None and length > limit:
            return HttpResponse(
                f"This request is {length:,} bytes; the most this site accepts is {limit:,}. "
                "Nothing was saved.",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response (Django's
    SecurityMiddleware already sends Referrer-Policy, nosniff and Cross-Origin-Opener-Policy).

    Outside the page cache, so cached pages carry them too; a view that needs another policy
    sets its own header and keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.BYLINE_CONTENT_SECURITY_POLICY:
            response.headers.setdefault(
                "Content-Security-Policy", settings.BYLINE_CONTENT_SECURITY_POLICY
            )
        response.headers.setdefault("Permissions-Policy", settings.BYLINE_PERMISSIONS_POLICY)
        return response
