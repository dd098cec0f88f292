"""Django's own CSRF check, run by a view that answers a failure itself.

A reader whose token went stale (a long pause, a page served from a shared cache) must get
their text back with a fresh token, not a bare 403 that loses it. Views using this are
``csrf_exempt`` and call ``csrf_failed`` first thing on POST.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware


def csrf_failed(request: HttpRequest) -> bool:
    """Would Django's CSRF middleware refuse this request?"""
    check = CsrfViewMiddleware(lambda r: HttpResponse())
    return check.process_view(request, lambda r: HttpResponse(), (), {}) is not None
