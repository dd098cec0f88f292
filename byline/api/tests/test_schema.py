"""The OpenAPI document: valid OpenAPI 3.1, and every route of the API is in it (walked from the
URL configuration, so an endpoint added later is checked without anyone listing it)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename  # noqa: F401 - import check

from byline.api.api import api as ninja_api

NAMESPACE = "api-v1"
# Routes of the namespace that are the schema and its docs, not endpoints.
NOT_ENDPOINTS = {"openapi-json", "openapi-view", "api-root"}


def api_routes() -> list[tuple[str, str]]:
    """(OpenAPI-style path, url name) of every route in the API's namespace."""
    found: list[tuple[str, str]] = []

    def walk(patterns: list, prefix: str, inside: bool) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route, inside or p.namespace == NAMESPACE)
            elif isinstance(p, URLPattern) and inside:
                found.append(("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route), p.name or ""))

    walk(get_resolver().url_patterns, "", False)
    return found


def test_the_schema_is_valid_openapi_3_1(db, api):
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    validate(schema)  # raises on any problem
    assert schema["info"]["version"] == "1"
    assert set(schema["webhooks"]) == {"comment.published", "comment.held", "comment.removed"}


def test_every_route_is_in_the_schema(db, api):
    schema = api.get("/api/v1/openapi.json").json()
    routes = api_routes()
    endpoints = [(path, name) for path, name in routes if name not in NOT_ENDPOINTS]
    assert len(endpoints) >= 8
    for path, name in endpoints:
        assert path in schema["paths"], f"{path} ({name}) is not in the OpenAPI document"
    # …and the other way round: nothing in the schema that is not routed.
    routed = {path for path, _ in routes}
    assert set(schema["paths"]) <= routed


def test_every_operation_documents_its_errors_and_has_an_id(db, api):
    schema = api.get("/api/v1/openapi.json").json()
    ids = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            ids.add(operation["operationId"])
            codes = set(operation["responses"])
            assert codes & {"400", "401", "404"}, f"{method} {path} documents no error"
            for code, answer in operation["responses"].items():
                if code.startswith(("4", "5")):
                    ref = answer["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/Error"), (method, path, code)
    assert len(ids) == sum(len(ops) for ops in schema["paths"].values())


def test_the_docs_page_lists_every_endpoint_and_serves_its_assets_locally(db, api):
    response = api.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    # The site's own strict policy (no inline script or style, nothing from elsewhere).
    assert response["Content-Security-Policy"] == settings.BYLINE_CONTENT_SECURITY_POLICY
    assert "no-cache" in response["Cache-Control"]
    for asset in ("swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css"):
        assert api.get(f"/static/ninja/{asset}").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_schema_and_docs_need_no_token(db, api, path):
    assert api.get(path).status_code == 200


def test_the_schema_object_matches_what_is_served(db, api):
    served = api.get("/api/v1/openapi.json").json()
    built = ninja_api.get_openapi_schema(path_params={})
    assert set(served["paths"]) == set(built["paths"])
