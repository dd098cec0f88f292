"""Bad input on every endpoint — oversized, wrong types, unknown fields, malformed JSON, the
wrong content type, forged origins — gets a JSON error and stores nothing.

``ENDPOINTS`` lists each operation with a request that works; each test spoils it one way. A
test checks the list against the OpenAPI document, so a new endpoint must be added here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings

from byline.api.models import AccessToken
from byline.discussion.models import Comment
from byline.moderation.models import AuditEntry, Ban, Report
from byline.moderation.tests.helpers import moderation_off

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # as in the OpenAPI document
    url: str  # with {post}/{public}/{held}/{mine} from the fixture
    body: dict[str, Any] | None = None
    scopes: tuple[str, ...] = ()
    moderator: bool = False
    # A field of ``body`` and a value of the wrong type for it.
    wrong_type: tuple[str, Any] = ("", None)
    query: dict[str, str] = field(default_factory=dict)


ENDPOINTS = [
    Endpoint("GET", "/api/v1/posts", "/api/v1/posts", query={"page": "first"}),
    Endpoint("GET", "/api/v1/posts/{post_id}", "/api/v1/posts/{post}"),
    Endpoint(
        "GET", "/api/v1/posts/{post_id}/comments", "/api/v1/posts/{post}/comments",
        query={"page": "[1]"},
    ),
    Endpoint(
        "POST", "/api/v1/posts/{post_id}/comments", "/api/v1/posts/{post}/comments",
        body={"body": "A fine comment.", "name": "Ann", "email": "ann@example.org"},
        wrong_type=("body", ["not", "text"]),
    ),
    Endpoint(
        "PATCH", "/api/v1/comments/{comment_id}", "/api/v1/comments/{mine}",
        body={"body": "Edited."}, scopes=("comments:write",), wrong_type=("body", 42),
    ),
    Endpoint(
        "POST", "/api/v1/comments/{comment_id}/reports", "/api/v1/comments/{public}/reports",
        body={"reason": "spam", "note": ""}, wrong_type=("note", {"a": 1}),
    ),
    Endpoint("GET", "/api/v1/token", "/api/v1/token", scopes=("moderate",)),
    Endpoint(
        "GET", "/api/v1/moderation/queue", "/api/v1/moderation/queue", scopes=("moderate",),
        moderator=True, query={"page": "-1"},
    ),
    Endpoint(
        "POST", "/api/v1/moderation/comments/{comment_id}/decision",
        "/api/v1/moderation/comments/{held}/decision", body={"action": "approve"},
        scopes=("moderate",), moderator=True, wrong_type=("note", 7),
    ),
    Endpoint(
        "POST", "/api/v1/moderation/bans", "/api/v1/moderation/bans",
        body={"kind": "email", "value": "spam@example.org", "until": "7d"}, scopes=("ban",),
        moderator=True, wrong_type=("value", 12345),
    ),
    Endpoint(
        "POST", "/api/v1/moderation/comments/{comment_id}/ban",
        "/api/v1/moderation/comments/{held}/ban", body={"until": "24h"}, scopes=("ban",),
        moderator=True, wrong_type=("also_spam", "yes"),
    ),
]  # fmt: skip
WRITES = [e for e in ENDPOINTS if e.body is not None]


def _id(endpoint: Endpoint) -> str:
    return f"{endpoint.method} {endpoint.path}"


@pytest.fixture
def site(post, add_comment, reader, moderator, token_for):
    moderation_off()
    public = add_comment(post, "Public.")
    held = add_comment(post, "Held.", name="Spammer", email="spammer@example.org")
    Comment.objects.filter(pk=held.pk).update(status=Comment.Status.PENDING, number=None)
    mine = add_comment(post, "Mine.", user=reader)
    values = {"post": post.pk, "public": public.pk, "held": held.pk, "mine": mine.pk}
    people = {"reader": reader, "moderator": moderator}
    return values, people, token_for


def _request(api, site, endpoint: Endpoint, *, body: Any = ..., raw: bytes | None = None,
             query: dict[str, str] | None = None, **headers: str):  # fmt: skip
    values, people, token_for = site
    url = endpoint.url.format(**values)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    token = None
    if endpoint.scopes:
        person = people["moderator" if endpoint.moderator else "reader"]
        token = token_for(person, *endpoint.scopes)
    data = endpoint.body if body is ... else body
    return api.call(endpoint.method, url, data, token=token, raw=raw, **headers)


def _stored() -> tuple[object, ...]:
    return (
        sorted(Comment.objects.values_list("pk", "status", "body")),
        Report.objects.count(),
        Ban.objects.count(),
        sorted(AuditEntry.objects.values_list("pk", flat=True)),
    )


def _json_error(response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    data = json.loads(response.content)
    assert isinstance(data["code"], str) and isinstance(data["message"], str) and data["message"]
    if code is not None:
        assert data["code"] == code, data
    return data


def test_the_table_covers_every_operation(api):
    schema = api.get("/api/v1/openapi.json").json()
    operations = {f"{m.upper()} {p}" for p, ops in schema["paths"].items() for m in ops}
    assert {_id(e) for e in ENDPOINTS} == operations


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_id)
def test_the_good_request_works(api, site, endpoint):
    response = _request(api, site, endpoint)
    assert response.status_code < 300, response.content


@pytest.mark.parametrize("endpoint", WRITES, ids=_id)
def test_oversized_bodies_get_json_413(api, site, endpoint):
    before = _stored()
    huge = {**(endpoint.body or {}), "body": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    _json_error(_request(api, site, endpoint, body=huge), 413, "too_large")
    assert _stored() == before


@pytest.mark.parametrize("endpoint", WRITES, ids=_id)
def test_long_fields_within_the_size_limit_are_refused_by_the_schema(api, site, endpoint):
    before = _stored()
    name, _ = endpoint.wrong_type
    long_text = {**(endpoint.body or {}), name: "x" * 200_001}
    data = _json_error(_request(api, site, endpoint, body=long_text), 400)
    assert data["code"] == "invalid" and data["fields"]
    assert _stored() == before


@pytest.mark.parametrize("endpoint", WRITES, ids=_id)
def test_wrong_types_get_json_400(api, site, endpoint):
    before = _stored()
    name, value = endpoint.wrong_type
    data = _json_error(
        _request(api, site, endpoint, body={**(endpoint.body or {}), name: value}), 400, "invalid"
    )
    assert name in data["fields"]
    for not_an_object in ([1, 2], "text", 5, None):
        response = _request(api, site, endpoint, raw=json.dumps(not_an_object).encode())
        assert response.status_code == 400 and response.json()["code"] in ("invalid", "malformed")
    assert _stored() == before


@pytest.mark.parametrize("endpoint", WRITES, ids=_id)
def test_unknown_fields_get_json_400(api, site, endpoint):
    before = _stored()
    body = {**(endpoint.body or {}), "is_admin": True, "status": "public"}
    data = _json_error(_request(api, site, endpoint, body=body), 400, "invalid")
    assert data["fields"]["is_admin"] == "This field is not known."
    assert _stored() == before


@pytest.mark.parametrize("endpoint", WRITES, ids=_id)
def test_malformed_json_and_other_content_types(api, site, endpoint):
    before = _stored()
    _json_error(_request(api, site, endpoint, raw=b'{"body": "unfinished'), 400, "malformed")
    form_encoded = _request(
        api, site, endpoint, raw=b"body=hello", content_type="application/x-www-form-urlencoded"
    )
    _json_error(form_encoded, 415, "unsupported_media_type")
    plain = _request(
        api, site, endpoint, raw=json.dumps(endpoint.body).encode(), content_type="text/plain"
    )
    _json_error(plain, 415, "unsupported_media_type")
    assert _stored() == before


@pytest.mark.parametrize("endpoint", WRITES, ids=_id)
def test_forged_origins_cannot_act_even_with_a_signed_in_session(api, site, endpoint, admin_user):
    before = _stored()
    api.client.force_login(admin_user)  # the victim's browser carries a session cookie
    for origin in ("https://evil.example", "null", "http://testserver.evil.example"):
        response = _request(api, site, endpoint, HTTP_ORIGIN=origin)
        _json_error(response, 403, "forbidden_origin")
    assert _stored() == before
    # The same request from the site's own pages goes through.
    assert _request(api, site, endpoint, HTTP_ORIGIN="http://testserver").status_code < 300


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.query], ids=_id)
def test_bad_query_parameters_get_json_400(api, site, endpoint):
    _json_error(_request(api, site, endpoint, query=endpoint.query), 400, "invalid")
    data = _json_error(_request(api, site, endpoint, query={"bogus": "1"}), 400, "invalid")
    assert data["fields"] == {"bogus": "This parameter is not known."}
    _json_error(_request(api, site, endpoint, query={"page": "99999999999999999999"}), 400)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=_id)
def test_unknown_query_parameters_are_refused_everywhere(api, site, endpoint):
    before = _stored()
    _json_error(_request(api, site, endpoint, query={"as_user": "admin"}), 400, "invalid")
    assert _stored() == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if "{" in e.path], ids=_id)
def test_ids_that_do_not_exist_or_are_not_numbers(api, site, endpoint):
    for missing in ("999999", "abc", "-1", "1.5"):
        spoilt = Endpoint(**{**endpoint.__dict__, "url": endpoint.url.split("{")[0] + missing
                             + endpoint.url.split("}", 1)[1]})  # fmt: skip
        before = _stored()
        _json_error(_request(api, site, spoilt), 404, "not_found")
        assert _stored() == before


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_methods_an_address_does_not_take_get_json_405(api, site, method):
    values, _, _ = site
    response = api.call(method, f"/api/v1/posts/{values['post']}/comments", {"body": "x"})
    _json_error(response, 405, "method_not_allowed")
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


@pytest.mark.parametrize("url", ["/api/v1/nope", "/api/v1/posts/", "/api/v2/posts", "/api/"])
def test_unknown_addresses_get_json_404_not_a_redirect(api, url):
    _json_error(api.get(url), 404, "not_found")
    _json_error(api.post(url, {"body": "x"}), 404, "not_found")


def test_a_crash_is_a_json_500(api, site, monkeypatch):
    from byline.api import threads

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(threads, "load", broken)
    values, _, _ = site
    api.client.raise_request_exception = False
    data = _json_error(api.get(f"/api/v1/posts/{values['post']}/comments"), 500, "server_error")
    assert "boom" not in data["message"]


def test_tokens_are_not_stored_by_failed_requests(api, site):
    count = AccessToken.objects.count()
    api.post("/api/v1/moderation/bans", {"kind": "email"}, HTTP_AUTHORIZATION="Bearer byl_x")
    assert AccessToken.objects.count() == count
