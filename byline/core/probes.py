"""``/healthz`` and ``/readyz`` for load balancers and orchestrators (docs/operations.md).

``/healthz``: the process is up — ``ok``, touching neither the database nor a cache.
``/readyz``: ``core.health.readiness()`` as JSON, 200 when ok or degraded, 503 when failing.

``ProbeMiddleware`` sits first in ``MIDDLEWARE`` and answers both before anything else runs:
no page cache lookup, no session, no HTTPS redirect, and no ``ALLOWED_HOSTS`` check (a load
balancer often asks by the machine's own address; neither answer shows anything taken from the
request). The same views are routed in ``byline/urls.py`` too, so they work without it.
Neither answer is ever cached (``Cache-Control: no-store``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.cache import patch_cache_control

from byline.core import health


def _uncached(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, no_store=True)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return _uncached(HttpResponse("ok\n", content_type="text/plain; charset=utf-8"))


def readyz(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    report = health.readiness()
    status = 503 if report.status == health.FAIL else 200
    return _uncached(JsonResponse(report.public(), status=status))


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": healthz,
    "/readyz": readyz,
}


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        return probe(request)
