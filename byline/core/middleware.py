"""Refuse request bodies over the configured size before anything reads them.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE counts form fields but not uploaded files, so a multipart
body with a huge "file" would still be streamed to disk. Byline takes no uploads from readers,
so one byte limit for the whole body is the simple, safe rule.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return HttpResponse("The request's Content-Length is not a number.", status=400)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request.path in settings.BYLINE_LARGE_UPLOAD_PATHS:
            # Archive uploads by administrators (the view itself checks who is asking).
            limit = settings.BYLINE_MAX_IMPORT_BYTES
        if limit is not None and length > limit:
            return HttpResponse(
                f"This request is {length:,} bytes; the most this site accepts is {limit:,}. "
                "Nothing was saved.",
                status=413,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
