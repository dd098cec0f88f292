"""A server error loses no comment: byline.js keeps the draft until the server shows it back."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, Route, expect

from byline.discussion.models import Comment
from byline.moderation.tests.helpers import moderation_off
from byline.publishing.models import Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BODY = "The ferry timetable change is worse than it looks, and here is why."


def _fill(page: Page) -> None:
    form = page.locator("#respond form.comment-form")
    form.get_by_label("Name").fill("Dana")
    form.get_by_label("Email").fill("dana@example.org")
    page.get_by_role("textbox", name="Comment").fill(BODY)


def test_a_500_then_back_restores_the_comment_and_a_success_forgets_it(
    open_page: Callable[..., Page], post: Post
) -> None:
    moderation_off()
    page = open_page()
    page.goto(post.get_absolute_url())
    _fill(page)

    # The database is down: the server answers 500 to the post (injected at the network).
    def fail(route: Route) -> None:
        route.fulfill(status=500, body="Server Error (500)", content_type="text/html")

    page.route("**/comments/post/**", fail)
    page.locator("#respond").get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("Server Error (500)")).to_be_visible()
    assert not Comment.objects.exists()

    page.unroute("**/comments/post/**")
    page.goto(post.get_absolute_url())  # the reader comes back to the post
    expect(page.get_by_role("textbox", name="Comment")).to_have_value(BODY)
    expect(page.locator("#respond").get_by_label("Name")).to_have_value("Dana")
    expect(page.get_by_role("status").filter(has_text="kept what you typed")).to_be_visible()

    page.locator("#respond").get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment-body").filter(has_text="worse than it looks")).to_be_visible()
    assert Comment.objects.filter(body=BODY).count() == 1
    page.goto(post.get_absolute_url())  # posted: nothing is restored any more
    expect(page.get_by_role("textbox", name="Comment")).to_have_value("")
    expect(page.get_by_text("kept what you typed")).to_have_count(0)
