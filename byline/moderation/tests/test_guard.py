"""Every moderator page refuses strangers and readers — including pages added later, because
this walks the URL configuration instead of listing views."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from byline.moderation.guard import guarded, moderator_only


def _moderation_routes() -> list[tuple[str, URLPattern]]:
    """(URL with sample arguments, pattern) for every route under the moderation namespace."""
    found: list[tuple[str, URLPattern]] = []

    def walk(patterns: list, prefix: str, inside: bool) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route, inside or p.namespace == "moderation")
            elif inside:
                # Fill every converter with a harmless sample value.
                url = "/" + re.sub(r"<(?:\w+:)?\w+>", "1", route).replace("^", "").replace("$", "")
                found.append((url, p))

    walk(get_resolver().url_patterns, "", False)
    return found


def test_the_moderation_namespace_has_routes_and_all_are_guarded() -> None:
    routes = _moderation_routes()
    assert routes, "the moderation namespace should have pages"
    for url, pattern in routes:
        assert getattr(pattern.callback, "moderator_guard", False), f"{url} is not guarded"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_moderation_route_refuses_strangers_and_readers(method, stranger, reader_client):
    for url, _ in _moderation_routes():
        response = getattr(stranger, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
        response = getattr(reader_client, method)(url)
        assert response.status_code == 403, url


@pytest.mark.django_db
def test_a_moderator_gets_past_the_guard(moderator_client):
    # At least the queue itself answers a moderator; other routes may need real ids.
    response = moderator_client.get("/moderation/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


def test_guarded_wraps_views_of_included_resolvers_too() -> None:
    from django.urls import include, path

    def view(request):  # pragma: no cover - never called
        raise AssertionError

    inner = path("x/", view)
    outer = guarded([path("sub/", include([inner]))])
    assert isinstance(outer[0], URLResolver)
    assert getattr(outer[0].url_patterns[0].callback, "moderator_guard", False)
    assert getattr(moderator_only(view), "moderator_guard", False)


def test_the_walk_finds_a_route_added_without_the_guard() -> None:
    # What the tests above rely on: a route someone adds to the namespace by hand, bypassing
    # ``guarded``, shows up in the walk without the guard mark.
    from django.urls import path

    def view(request):  # pragma: no cover - never called
        raise AssertionError

    resolver = next(
        p
        for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and p.namespace == "moderation"
    )
    sneaky = path("sneaky/", view)
    resolver.url_patterns.append(sneaky)
    try:
        unguarded = [
            url for url, p in _moderation_routes() if not getattr(p.callback, "moderator_guard", 0)
        ]
    finally:
        resolver.url_patterns.remove(sneaky)
    assert unguarded == ["/moderation/sneaky/"]
