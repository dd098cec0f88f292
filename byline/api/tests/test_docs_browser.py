"""/api/v1/docs renders in a real browser (Swagger UI from the site's own static files, under
the site's strict Content-Security-Policy, nothing fetched from elsewhere) and lists every
endpoint."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_list_every_endpoint_without_a_policy_violation(
    open_page: Callable[..., Page], live_server: Any
) -> None:
    from byline.api.api import api

    schema = api.get_openapi_schema(path_params={})
    operations = [(m.upper(), p) for p, ops in schema["paths"].items() for m in ops]
    page = open_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    outside: list[str] = []
    page.on(
        "request",
        lambda r: None if r.url.startswith(live_server.url) else outside.append(r.url),
    )
    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Byline API")
    # Every operation, and the three webhooks (documented, sent by Byline).
    expect(page.locator(".opblock")).to_have_count(len(operations) + len(schema["webhooks"]))
    for method, path in operations:
        block = page.locator(f".opblock-{method.lower()}", has_text=path)
        expect(block.first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert [m for m in console if "Content Security Policy" in m] == []
    assert outside == []
