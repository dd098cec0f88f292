"""Old WordPress addresses, in every permalink form, find the post (301) or answer 404."""

from __future__ import annotations

import pytest

from byline.migration.models import LegacyURL
from byline.publishing.models import Post, SlugRedirect

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved(make_post) -> Post:
    """A post imported as ID 812 whose slug changed once on the old site."""
    post = make_post("Ferry fares rise", slug="ferry-fares-rise")
    LegacyURL.objects.create(path="/?p=812", post=post)
    LegacyURL.objects.create(path="/2006/12/05/ferry-fares-rise/", post=post)
    SlugRedirect.objects.create(old_slug="fares-go-up", post=post)
    return post


@pytest.mark.parametrize(
    "old",
    [
        "/2006/12/05/fares-go-up/",  # day and name, with the old slug
        "/2006/12/fares-go-up/",  # month and name
        "/fares-go-up/",  # post name
        "/news/harbor/fares-go-up/",  # a custom structure: /%category%/%postname%/
        "/2006/fares-go-up.html",  # a custom structure with an extension
        "/2006/12/05/fares-go-up/comment-page-2/",  # the old post's comment pages
        "/2006/12/05/fares-go-up/feed/",  # its comment feed
        "/2006/12/05/fares-go-up/2/",  # a part of a <!--nextpage--> post
        "/archives/812",  # numeric
        "/archives/812/",
        "/2001/01/01/ferry-fares-rise/",  # the current slug under a wrong day
        "/?p=812",
    ],
)
def test_every_permalink_form_of_an_old_or_current_slug_redirects(stranger, moved, old):
    response = stranger.get(old)
    assert response.status_code == 301, old
    assert response["Location"] == moved.get_absolute_url()


@pytest.mark.parametrize(
    "address",
    [
        "/2006/12/05/",  # a day archive is not a post number
        "/archives/999",  # a number nobody imported
        "/2006/12/05/never-existed/",
        "/?p=999",
        "/?page_id=4",
    ],
)
def test_addresses_that_name_nothing_are_404(stranger, moved, address):
    assert stranger.get(address).status_code == 404


@pytest.mark.parametrize("status", [Post.Status.DRAFT, Post.Status.PRIVATE])
def test_unpublished_items_are_404_by_number_and_by_name(stranger, make_post, status):
    hidden = make_post("Trashed draft", slug="trashed-draft", status=status)
    LegacyURL.objects.create(path="/?p=77", post=hidden)
    SlugRedirect.objects.create(old_slug="old-trashed", post=hidden)
    for address in ("/?p=77", "/archives/77", "/2006/12/05/old-trashed/", "/old-trashed/"):
        response = stranger.get(address)
        assert response.status_code == 404, address
        assert "Trashed draft" not in response.content.decode()


def test_front_page_with_other_parameters_still_shows_the_front_page(stranger, moved):
    assert stranger.get("/?utm_source=feed").status_code == 200
    assert stranger.get("/?p=abc").status_code == 200  # not a WordPress id: ignored
