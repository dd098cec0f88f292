"""Fixtures for API tests: tokens for the personas, and a client that speaks JSON.

``api`` is a Django test client whose ``call(method, url, data=None, token=None, **headers)``
sends JSON (with ``Content-Type: application/json``) and an optional bearer token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from byline.accounts.models import User
from byline.api import tokens
from byline.tests.conftest import browser, open_page  # noqa: F401 - the browser fixtures


class ApiClient:
    def __init__(self) -> None:
        self.client = Client()

    def call(
        self,
        method: str,
        url: str,
        data: Any = None,
        *,
        token: str | None = None,
        raw: bytes | str | None = None,
        content_type: str = "application/json",
        **headers: str,
    ) -> Any:
        if token is not None:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        body: Any = raw if raw is not None else (json.dumps(data) if data is not None else "")
        handler = getattr(self.client, method.lower())
        if method.upper() in ("GET", "HEAD"):
            return handler(url, **headers)
        return handler(url, data=body, content_type=content_type, **headers)

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.call("GET", url, **kwargs)

    def post(self, url: str, data: Any = None, **kwargs: Any) -> Any:
        return self.call("POST", url, data, **kwargs)

    def patch(self, url: str, data: Any = None, **kwargs: Any) -> Any:
        return self.call("PATCH", url, data, **kwargs)


@pytest.fixture
def api() -> ApiClient:
    return ApiClient()


@pytest.fixture
def token_for() -> Callable[..., str]:
    """``token_for(user, *scopes)`` → a new token's secret."""

    def make(user: User, *scopes: str) -> str:
        return tokens.create(user, "test", scopes)[1]

    return make
