"""What every answer under ``/api/`` gets, whoever made it (``ApiMiddleware``, in settings before
the body-size limit and the page cache, so it sees their answers too):

* an error that is not JSON yet (no such address, a body over the size limit, a crash in a
  middleware) becomes the API's JSON error (``byline.api.errors``);
* caching: ``Cache-Control: no-cache`` (``private, no-cache`` when a token was sent) unless the
  view said otherwise, and ``Vary: Authorization``. Answers are revalidated every time, cheaply
  with their ETags; none is ever kept in the site's page cache (``core.pagecache`` skips /api/).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import patch_vary_headers

from byline.api.errors import API_PREFIX, CODES, MESSAGES, error_response


def _as_json_error(response: HttpResponseBase) -> HttpResponseBase:
    status = response.status_code
    message = MESSAGES.get(status, "The request failed.")
    if response.get("Content-Type", "").startswith("text/plain") and isinstance(
        response, HttpResponse
    ):
        # Byline's own plain-text refusals (the body-size limit) say it well already.
        message = response.content.decode("utf-8", "replace").strip()[:500] or message
    answer = error_response(status, CODES.get(status, "error"), message)
    for name in ("Allow", "Retry-After", "WWW-Authenticate"):
        if name in response:
            answer[name] = response[name]
    return answer


class ApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX):
            return response
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            response = _as_json_error(response)
        if "Cache-Control" not in response:
            private = "HTTP_AUTHORIZATION" in request.META
            response["Cache-Control"] = "private, no-cache" if private else "no-cache"
        patch_vary_headers(response, ["Authorization"])
        return response
