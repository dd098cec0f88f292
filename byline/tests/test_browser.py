"""Real-browser tests: the discussion as readers use it, in Debian's chromium.

Each test drives the live server through Playwright (fixtures in ``byline/tests/conftest.py``)
and checks what a person would see: numbers, nesting, badges, kept text, layout on a phone.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from byline.accounts.models import User
from byline.conftest import PASSWORD
from byline.demo.content import load_demo
from byline.discussion.models import Comment, DiscussionSettings
from byline.discussion.services import remove_comment
from byline.moderation.tests.helpers import moderation_off
from byline.publishing.models import Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _publish_at_once(db: None) -> None:
    # These tests are about the discussion itself; moderation's defaults (a guest's first
    # comment is held, bot timing) have their own browser test in test_moderation_browser.py.
    # The demo is loaded first, with the defaults, so its queue is as a new site's would be.
    load_demo()
    moderation_off()


PHONE = {"width": 390, "height": 844}


def _fill_guest_form(page: Page, *, name: str, email: str, body: str, url: str = "") -> None:
    form = page.locator("#respond form.comment-form")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Email").fill(email)
    if url:
        form.get_by_label("Website").fill(url)
    form.get_by_label("Comment").fill(body)


def _post_button(page: Page) -> Locator:
    return page.locator("#respond").get_by_role("button", name="Post comment")


def _comment(post: Post, number: int) -> Comment:
    return Comment.objects.get(post=post, number=number)


def test_guest_comment_then_post_author_replies_under_it(
    open_page: Callable[..., Page], live_server: Any
) -> None:
    """The acceptance scenario, on the demo site, with JavaScript on."""
    demo = load_demo()
    margaret = User.objects.get(username="margaret")
    margaret.set_password(PASSWORD)
    margaret.save()
    post_url = demo.post.get_absolute_url()

    # A stranger comments.
    page = open_page()
    page.goto(post_url)
    expect(page.locator("ol.comments article.comment")).to_have_count(6)
    _fill_guest_form(
        page,
        name="Harriet Vane",
        email="harriet@example.org",
        body="The council should publish the mediator's report in full.",
    )
    _post_button(page).click()

    expect(page).to_have_url(f"{live_server.url}{post_url}#comment-7")
    guest = page.locator("#comment-7")
    expect(guest.locator("a.number")).to_have_text("7")
    expect(guest.locator(".author")).to_have_text("Harriet Vane")
    expect(guest.locator(".comment-body")).to_contain_text("publish the mediator's report")
    expect(guest).to_be_in_viewport()
    expect(guest).not_to_have_class(re.compile(r"\bby-post-author\b"))

    # The post's author signs in through the real login page and answers it.
    page.get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(
        f"{live_server.url}/accounts/login/?next={demo.post.get_absolute_url()}"
    )
    page.get_by_label("Username").fill("margaret")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as Margaret Hale")).to_be_visible()
    # Signing in brings the author back to the post they came from.
    expect(page).to_have_url(post_url)
    expect(page.locator("#respond")).to_contain_text("Commenting as Margaret Hale")

    guest.get_by_role("link", name="Reply").click()
    respond = page.locator("#respond")
    # JavaScript moved the form right under the comment, pointed it there and focused it.
    expect(page.locator("#comment-7 + #respond")).to_have_count(1)
    expect(respond.locator("h2")).to_have_text("Reply to comment 7 by Harriet Vane")
    expect(respond.locator('input[name="parent"]')).to_have_value(str(_comment(demo.post, 7).pk))
    textarea = respond.get_by_label("Comment")
    expect(textarea).to_be_focused()
    page.keyboard.type("It will be, Harriet. Tuesday, they promise.")
    _post_button(page).click()

    expect(page).to_have_url(f"{live_server.url}{post_url}#comment-8")
    expect(page.locator("#comment-7 a.number")).to_have_text("7")
    expect(page.locator("#comment-8 a.number")).to_have_text("8")
    nested = page.locator(
        "li.comment-item:has(> article#comment-7) > ol.replies > li.comment-item"
        " > article#comment-8"
    )
    expect(nested).to_have_count(1)
    reply = page.locator("#comment-8")
    expect(reply).to_have_class(re.compile(r"\bby-post-author\b"))
    expect(reply.locator(".author-badge")).to_have_text("Post author")
    expect(reply.locator(".author")).to_have_text("Margaret Hale")
    expect(reply.locator(".comment-body")).to_contain_text("Tuesday, they promise.")
    expect(page.locator("#comments-heading")).to_have_text("8 comments")

    stored = _comment(demo.post, 8)
    assert stored.user_id == margaret.pk
    assert stored.parent_id == _comment(demo.post, 7).pk


def test_without_javascript_a_first_comment_is_confirmed_and_nothing_typed_is_lost(
    open_page: Callable[..., Page], live_server: Any, post: Post
) -> None:
    page = open_page(java_script_enabled=False)
    page.goto(post.get_absolute_url())
    # The page a stranger gets is shareable, so it carries no CSRF token.
    token = page.locator('#respond input[name="csrfmiddlewaretoken"]')
    expect(token).to_have_value("")
    typed = {
        "name": "Ünsal O'Brien",
        "email": "unsal@example.org",
        "url": "https://example.org/~unsal",
        "body": "First paragraph: 2 < 3 & 5 > 4, surely.\n\n"
        "> A quoted line.\n\n— The Coastal Ledger",
    }
    _fill_guest_form(page, **typed)

    with page.expect_navigation() as first:
        _post_button(page).click()
    assert first.value.status == 403
    expect(page.locator("h1")).to_contain_text("Confirm your comment")
    form = page.locator("#respond form.comment-form")
    expect(form.get_by_label("Name")).to_have_value(typed["name"])
    expect(form.get_by_label("Email")).to_have_value(typed["email"])
    expect(form.get_by_label("Website")).to_have_value(typed["url"])
    expect(form.get_by_label("Comment")).to_have_value(typed["body"])
    expect(token).not_to_have_value("")
    assert not Comment.objects.filter(post=post).exists()

    with page.expect_navigation() as second:
        _post_button(page).click()
    assert second.value.status == 200
    expect(page).to_have_url(f"{live_server.url}{post.get_absolute_url()}#comment-1")
    posted = page.locator("#comment-1")
    expect(posted.locator("a.number")).to_have_text("1")
    expect(posted.locator(".author")).to_have_text(typed["name"])
    expect(posted.locator(".comment-body")).to_contain_text(
        "First paragraph: 2 < 3 & 5 > 4, surely."
    )
    expect(posted.locator(".comment-body blockquote")).to_contain_text("A quoted line.")
    stored = _comment(post, 1)
    assert (stored.author_email, stored.author_url) == (typed["email"], typed["url"])
    assert stored.body.replace("\r\n", "\n") == typed["body"]


def test_a_validation_error_is_explained_and_the_comment_text_is_kept(
    open_page: Callable[..., Page], live_server: Any, post: Post
) -> None:
    page = open_page()
    page.goto(post.get_absolute_url())
    body = "A long, careful answer\n\nthat took twenty minutes to write."
    _fill_guest_form(page, name="Harriet", email="harriet@example", body=body)
    with page.expect_navigation() as sent:
        _post_button(page).click()

    assert sent.value.status == 400
    email_field = page.locator("#respond .field.has-error", has=page.get_by_label("Email"))
    error = email_field.locator("strong.error")
    expect(error).to_have_text("“harriet@example” is not a valid email address.")
    expect(error).to_be_visible()
    form = page.locator("#respond form.comment-form")
    expect(form.get_by_label("Comment")).to_have_value(body)
    expect(form.get_by_label("Name")).to_have_value("Harriet")
    expect(form.get_by_label("Email")).to_have_value("harriet@example")
    assert not Comment.objects.filter(post=post).exists()

    # Fixing the address is all it takes.
    form.get_by_label("Email").fill("harriet@example.org")
    _post_button(page).click()
    expect(page).to_have_url(f"{live_server.url}{post.get_absolute_url()}#comment-1")
    expect(page.locator("#comment-1 .comment-body")).to_contain_text("twenty minutes")


def test_a_validation_error_on_a_long_post_is_brought_into_view(
    open_page: Callable[..., Page],
) -> None:
    post = load_demo().post
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(post.get_absolute_url())
    _fill_guest_form(page, name="Harriet", email="harriet@example", body="Kept, but seen?")
    with page.expect_navigation() as sent:
        _post_button(page).tap()
    assert sent.value.status == 400
    error = page.locator("#respond strong.error")
    expect(error).to_have_count(1)
    expect(error).to_be_in_viewport(timeout=1_000)


def _overflowing(page: Page) -> list[str]:
    """Elements reaching past the right edge of the viewport, for a readable failure."""
    return page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
            .slice(0, 10)
            .map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                 + (el.className && typeof el.className === "string"
                    ? "." + el.className.trim().replace(/\\s+/g, ".") : ""))"""
    )


def _assert_fits_phone(page: Page) -> None:
    widths = page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth,"
        " client: document.documentElement.clientWidth})"
    )
    assert widths["client"] == PHONE["width"], widths
    assert widths["scroll"] <= widths["inner"], (widths, _overflowing(page))
    assert widths["scroll"] <= PHONE["width"], (widths, _overflowing(page))


def test_phone_layout_fits_and_the_form_and_keyboard_work(
    open_page: Callable[..., Page], live_server: Any, artifacts: Path
) -> None:
    demo = load_demo()
    post_url = demo.post.get_absolute_url()
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1)
    page.goto(post_url)
    _assert_fits_phone(page)
    page.screenshot(path=artifacts / "phone-post.png", full_page=True)

    # Keyboard: the first Tab from the top lands on the skip link, shown on screen.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()

    # The form fits and its controls are comfortably tappable.
    form = page.locator("#respond form.comment-form")
    for label in ("Name", "Email", "Website", "Comment"):
        box = form.get_by_label(label).bounding_box()
        assert box is not None, label
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (label, box)
        assert box["width"] >= PHONE["width"] * 0.8, (label, box)
        assert box["height"] >= 36, (label, box)
    button = _post_button(page).bounding_box()
    assert button is not None and button["height"] >= 44, button

    # Replying to a nested comment moves the form in deeper; it must still fit.
    page.locator("#comment-2").get_by_role("link", name="Reply").tap()
    expect(page.locator("#comment-2 + #respond")).to_have_count(1)
    _assert_fits_phone(page)
    page.locator("#respond").screenshot(path=artifacts / "phone-reply-form.png")
    page.locator("#respond").get_by_role("button", name="Cancel reply").tap()
    expect(page.locator("#comment-2 + #respond")).to_have_count(0)

    _fill_guest_form(page, name="Pat", email="pat@example.org", body="Typed on a phone.")
    _post_button(page).tap()
    expect(page).to_have_url(f"{live_server.url}{post_url}#comment-7")
    expect(page.locator("#comment-7 .comment-body")).to_have_text("Typed on a phone.")
    _assert_fits_phone(page)


def _paginated_thread(post: Post, add_comment: Callable[..., Comment], top_level: int) -> None:
    rules = DiscussionSettings.current()
    rules.comments_per_page = 5
    rules.save()
    for n in range(1, top_level + 1):
        add_comment(post, f"Top-level comment {n}.", name=f"Reader {n}")


def test_a_bare_anchor_to_a_comment_on_another_page_finds_its_page(
    open_page: Callable[..., Page],
    live_server: Any,
    post: Post,
    add_comment: Callable[..., Comment],
) -> None:
    _paginated_thread(post, add_comment, top_level=7)
    post_url = post.get_absolute_url()
    page = open_page()

    # On this page already: the browser simply scrolls there, no detour.
    page.goto(f"{post_url}#comment-2")
    page.wait_for_load_state("networkidle")
    expect(page).to_have_url(f"{live_server.url}{post_url}#comment-2")

    # Arriving from elsewhere (a feed, an email) with a bare fragment for page 2.
    page = open_page()
    permalinks: list[str] = []
    page.on("request", lambda r: permalinks.append(r.url) if "/comment-" in r.url else None)
    page.goto(f"{post_url}#comment-6")
    expect(page).to_have_url(f"{live_server.url}{post_url}?cpage=2#comment-6")
    expect(page.get_by_text("Comments page 2 of 2").first).to_be_visible()
    target = page.locator("#comment-6")
    expect(target.locator(".comment-body")).to_have_text("Top-level comment 6.")
    expect(target).to_be_in_viewport()
    assert permalinks == [f"{live_server.url}{post_url}comment-6/"]


def test_a_bare_anchor_to_a_removed_comment_does_not_loop(
    open_page: Callable[..., Page],
    live_server: Any,
    post: Post,
    add_comment: Callable[..., Comment],
    moderator: User,
) -> None:
    """A removed comment is on no page: the permalink must not send byline.js round again."""
    _paginated_thread(post, add_comment, top_level=6)
    remove_comment(_comment(post, 6), by=moderator)
    page = open_page()
    permalinks: list[str] = []
    page.on("request", lambda r: permalinks.append(r.url) if "/comment-6/" in r.url else None)
    page.goto(f"{post.get_absolute_url()}#comment-6", wait_until="commit")
    with contextlib.suppress(PlaywrightTimeoutError):  # a loop never goes quiet
        page.wait_for_load_state("networkidle", timeout=3_000)
    assert len(permalinks) == 1, f"{len(permalinks)} trips to the permalink in 3 s"
    expect(page).to_have_url(f"{live_server.url}{post.get_absolute_url()}#comments")
    expect(page.locator("#comments-heading")).to_have_text("5 comments")
