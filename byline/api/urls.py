"""The API's routes: ``/api/v1/…`` (ninja), and a JSON 404 for any other address under /api/."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from byline.api.api import api
from byline.api.errors import error_response


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """No such endpoint (any method): the API's JSON 404, never a redirect to add a slash."""
    return error_response(
        404, "not_found", "There is no such endpoint; see /api/v1/docs for the list."
    )


urlpatterns = [
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>.*)$", not_found, name="api-not-found"),
]
