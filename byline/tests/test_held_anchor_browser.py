"""A held comment that once had a number: its old anchor must not send the browser round."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from byline.accounts.models import User
from byline.conftest import PASSWORD
from byline.discussion.models import Comment, DiscussionSettings
from byline.discussion.services import hold_comment
from byline.moderation.tests.helpers import moderation_off
from byline.publishing.models import Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _trips(page: Page, url: str, needle: str) -> list[str]:
    trips: list[str] = []
    page.on("request", lambda r: trips.append(r.url) if needle in r.url else None)
    page.goto(url, wait_until="commit")
    with contextlib.suppress(PlaywrightTimeoutError):  # a loop never goes quiet
        page.wait_for_load_state("networkidle", timeout=3_000)
    return trips


@pytest.mark.parametrize("visitor", ["stranger", "writer"])
def test_the_anchor_of_a_held_numbered_comment_is_followed_once(
    open_page: Callable[..., Page],
    live_server: Any,
    post: Post,
    add_comment: Callable[..., Comment],
    reader: User,
    visitor: str,
) -> None:
    moderation_off()
    rules = DiscussionSettings.current()
    rules.comments_per_page = 5
    rules.save()
    for n in range(1, 7):
        add_comment(post, f"Comment {n}.", name=f"Reader {n}", user=reader if n == 6 else None)
    held = hold_comment(Comment.objects.get(post=post, number=6))
    assert held.status == Comment.Status.PENDING and held.number == 6
    page = open_page()
    if visitor == "writer":
        page.goto("/accounts/login/?next=/")
        page.get_by_label("Username").fill(reader.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
    trips = _trips(page, f"{live_server.url}{post.get_absolute_url()}#comment-6", "/comment-6/")
    assert len(trips) <= 1, f"{len(trips)} trips to the permalink in 3 s"
    if visitor == "writer":  # its writer sees it, awaiting moderation
        expect(page.locator("#comment-6 .comment-body")).to_have_text("Comment 6.")
    else:
        expect(page).to_have_url(f"{live_server.url}{post.get_absolute_url()}#comments")
