"""One shape for every error the API gives: ``{"code": "...", "message": "..."}``.

``code`` is stable (clients branch on it); ``message`` is for people and may be reworded.
Some errors add fields: ``fields`` (which input was wrong, and why) for ``invalid``,
``retry_after`` for ``rate_limited``. The handlers below turn every exception a view may raise
into that shape, and ``byline.api.middleware.ApiMiddleware`` does the same for the answers
Django gives before or around the API's views (an unknown address, a body over the size limit,
a server error), so nothing under ``/api/`` ever answers with an HTML error page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from byline.discussion import intake

log = logging.getLogger(__name__)

API_PREFIX = "/api/"

# The code for each status when nothing more specific was said.
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "reconsider",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}
MESSAGES = {
    400: "The request could not be understood.",
    401: "A valid access token is needed (Authorization: Bearer …).",
    403: "This is not allowed.",
    404: "There is nothing at this address.",
    405: "This address does not take that method.",
    413: "The request is too large.",
    500: "Something went wrong on the server. Nothing was changed by this request.",
    503: "The site is briefly unavailable. Please try again shortly.",
}


class ApiError(Exception):
    """An error with a stable ``code``, answered with ``status`` (extra keys go in the body)."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


# The services word some messages for the comment form, which shows the text again below them.
_FORM_ONLY = (" Your text is kept below.", " — your text is kept below.")


def for_api(message: str) -> str:
    """A service's message without what only the form does (keep the text below it)."""
    for words in _FORM_ONLY:
        message = message.replace(words, "." if words.startswith(" —") else "")
    return message


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> JsonResponse:
    response = JsonResponse({"code": code, "message": for_api(message), **extra}, status=status)
    response["Cache-Control"] = "no-store"
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field_errors(exc: DjangoValidationError) -> dict[str, str]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field" if name == "__all__" else name): for_api(
                " ".join(m for e in errors for m in e.messages)
            )
            for name, errors in exc.error_dict.items()
        }
    return {}


def invalid(exc: DjangoValidationError) -> JsonResponse:
    """A service refused the input: 400 with each field's message in the service's words."""
    fields = _field_errors(exc)
    message = " ".join(fields.values()) if fields else " ".join(exc.messages)
    return error_response(400, "invalid", message, fields=fields)


def _pydantic_fields(errors: list[dict[str, Any]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        # ("query", "page") → "page"; ("body", "payload", "name") → "name"
        if loc and loc[0] in ("query", "path", "header"):
            loc = loc[1:]
        name = ".".join(loc) or "body"
        kind = error.get("type", "")
        if kind == "extra_forbidden":
            text = "This field is not known."
        elif kind == "missing":
            text = "This field is required."
        else:
            text = str(error.get("msg", "Not valid."))
        fields.setdefault(name, text)
    return fields


def install(api: NinjaAPI) -> None:
    """Answer every exception under ``api`` with the one error shape."""

    @api.exception_handler(ApiError)
    def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return error_response(exc.status, exc.code, exc.message, **exc.extra)

    @api.exception_handler(NinjaValidationError)
    def _bad_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        fields = _pydantic_fields(exc.errors)
        if any(e.get("type") == "json_invalid" for e in exc.errors) or not fields:
            return error_response(400, "malformed", "The request body is not valid JSON.")
        message = "; ".join(f"{name}: {text}" for name, text in fields.items())
        return error_response(400, "invalid", message, fields=fields)

    @api.exception_handler(DjangoValidationError)
    def _invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return invalid(exc)

    @api.exception_handler(intake.TryLater)
    def _try_later(request: HttpRequest, exc: intake.TryLater) -> HttpResponse:
        return error_response(
            429,
            "rate_limited",
            str(exc),
            headers={"Retry-After": str(exc.retry_after)},
            retry_after=exc.retry_after,
        )

    @api.exception_handler(intake.Reconsider)
    def _reconsider(request: HttpRequest, exc: intake.Reconsider) -> HttpResponse:
        return error_response(
            422,
            "reconsider",
            exc.reason,
            hint='Revise the text, or send it again with "confirm": true to post it as it '
            "is for a moderator to review.",
        )

    @api.exception_handler(PermissionDenied)
    def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(403, "forbidden", str(exc) or MESSAGES[403])

    @api.exception_handler(Http404)
    def _missing(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, "not_found", str(exc) or MESSAGES[404])

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(401, "unauthorized", MESSAGES[401])

    @api.exception_handler(HttpError)
    def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        if status == 400:  # ninja's only 400: a body it cannot parse
            return error_response(400, "malformed", "The request body is not valid JSON.")
        return error_response(status, CODES.get(status, "error"), str(exc))

    @api.exception_handler(Exception)
    def _crash(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("API error on %s %s", request.method, request.path)
        return error_response(500, "server_error", MESSAGES[500])
