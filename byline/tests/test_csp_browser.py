"""The strict Content-Security-Policy breaks nothing a reader or a moderator uses: chromium
reports no violation while the pages and their scripts run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from byline.accounts.models import User
from byline.conftest import PASSWORD
from byline.discussion.models import Comment
from byline.publishing.models import Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_and_scripts_run_without_a_policy_violation(
    open_page: Callable[..., Page],
    post: Post,
    add_comment: Callable[..., Comment],
    moderator: User,
    hold_comments: Any,
) -> None:
    add_comment(post, "A held comment for the queue.")
    page = open_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(post.get_absolute_url())
    expect(page.locator("#respond")).to_be_visible()
    page.get_by_role("textbox", name="Comment").fill(
        "Typing runs byline.js: the token fetch, the draft."
    )
    page.wait_for_load_state("networkidle")
    page.goto("/accounts/login/?next=/moderation/")
    page.get_by_label("Username").fill(moderator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".queue-item").first).to_be_visible()
    page.keyboard.press("j")  # moderation.js's keyboard triage
    page.goto("/admin/")
    page.wait_for_load_state("networkidle")
    assert violations == []
