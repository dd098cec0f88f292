"""Byline's JSON API, version 1: ``/api/v1/`` (django-ninja; schema at ``/api/v1/openapi.json``,
interactive docs at ``/api/v1/docs``). See docs/api.md.

Versioning: within v1, changes only add (new endpoints, new fields in answers, new optional
fields in requests). Anything that would break a client — removing or renaming a field,
changing a type or a meaning, a new required input — goes into ``/api/v2/`` (a second
``NinjaAPI`` beside this one), and v1 keeps answering as it did.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from byline.api import comments, errors, moderation, posts
from byline.api.schemas import WebhookPayload

DESCRIPTION = """\
Posts, threads and comments of this Byline site, and its moderation.

**Authentication.** Reading needs none. Send a personal access token as
`Authorization: Bearer byl_…` to act as its account; tokens are created and revoked in the
admin (*JSON API › API access tokens*) or with `byline tokens`, and carry scopes:
`comments:write` (post, edit and report as the account), `moderate` (queue and decisions)
and `ban`; the last two also need the account to be a moderator. Session cookies are not
read: without a token, a request is a guest's.

**Errors** are JSON: `{"code": "...", "message": "..."}`, with a stable `code`
(`invalid` adds `fields`; `rate_limited` adds `retry_after` and a `Retry-After` header).

**Versions.** v1 only grows; breaking changes go to `/api/v2/`.
"""


def _docs_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The docs page and the schema are never cached (they change with each deploy). Swagger
    UI comes from ninja's own static files (no CDN) and runs under the site's strict policy
    (``BYLINE_CONTENT_SECURITY_POLICY``): it needs no inline script and no inline style
    (test_docs_browser.py checks that chromium reports no violation)."""
    return never_cache(view)


api = NinjaAPI(
    title="Byline API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs=Swagger(settings={"persistAuthorization": False, "tryItOutEnabled": False}),
    docs_url="/docs",
    docs_decorator=_docs_page,
)
errors.install(api)
api.add_router("", posts.router)
api.add_router("", comments.router)
api.add_router("", moderation.router)

_SIGNED = (
    "Signed: `X-Byline-Signature: sha256=<hex>` is the HMAC-SHA256, under the webhook's "
    "secret, of `X-Byline-Timestamp` + `.` + the body. Retried up to 3 times (docs/api.md)."
)
for _event, _when in (
    ("comment.published", "A comment became public (a new one that passed, or one approved)."),
    ("comment.held", "A new comment is held for review, or an edit sent one back for review."),
    ("comment.removed", "A public comment was removed or filed as spam."),
):
    api.webhook(_event, summary=_when, description=_SIGNED, tags=["webhooks"])(WebhookPayload)
