"""Real-browser test of moderation with the site's defaults: a guest's comments are held, a
moderator triages them with the keyboard only, and the thread shows the outcome.

Unlike ``test_browser.py`` nothing here switches moderation off: the trust rule holds a new
guest's comments and the timing check runs (set to one second so the test stays quick).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from byline.accounts.models import User
from byline.conftest import PASSWORD
from byline.discussion.models import Comment
from byline.moderation.models import AuditEntry, ModerationSettings
from byline.publishing.models import Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
HOSTILE = (
    "Nice of the Authority to make such a generous offer. The whole board are parasites.\n\n"
    "Somebody needs to drag them out of that building... by their ears."
)
FAIR = "The council should publish the mediator's report in full."
SPAMMY = "Cheap ferry passes and discount tickets, best prices online, order today and save big!"


@pytest.fixture(autouse=True)
def _quick_timing_check(db: None) -> None:
    # The default is 3 seconds; 1 keeps the bot-timing check on without a slow test.
    rules = ModerationSettings.current()
    rules.min_seconds_to_submit = 1
    # A site that chose to hold at 0.5 (the shipped default is 0.6): the hostile comments
    # below, padded with a long word for the phone layout, then meet the nudge every time.
    rules.abuse_threshold = 0.5
    rules.save()


def _post_as_guest(page: Page, post: Post, body: str, *, nudged: bool = False) -> Comment:
    page.goto(post.get_absolute_url())
    form = page.locator("#respond form.comment-form")
    form.get_by_label("Name").fill("Dockside Dan")
    form.get_by_label("Email").fill("dan@example.org")
    form.get_by_label("Comment").fill(body)
    # Slower than a bot: past the site's minimum time from showing the form.
    page.wait_for_timeout(2_100)
    page.locator("#respond").get_by_role("button", name="Post comment").click()
    if nudged:
        # The nudge: a warning before anything is stored, the text kept for revising.
        nudge = page.locator("#nudge")
        expect(nudge).to_contain_text("may come across as abusive")
        expect(page.locator("#respond textarea")).to_have_value(body.replace("\r\n", "\n"))
        assert not Comment.objects.filter(post=post, body=body).exists()
        nudge.get_by_role("button", name="Post it as it is").click()
    comment = Comment.objects.filter(post=post, body=body).get()
    expect(page).to_have_url(re.compile(rf"#pending-{comment.pk}$"))
    return comment


def _sign_in(page: Page, user: User, next_url: str) -> None:
    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


def test_a_moderator_triages_a_guests_comments_with_the_keyboard_only(
    open_page: Callable[..., Page], post: Post, moderator: User, artifacts: Path
) -> None:
    guest = open_page()
    fair = _post_as_guest(guest, post, FAIR)
    hostile = _post_as_guest(guest, post, HOSTILE, nudged=True)
    spammy = _post_as_guest(guest, post, SPAMMY)
    # All three wait for a moderator (a new guest's comments are checked), and the guest sees so.
    assert [c.status for c in (fair, hostile, spammy)] == ["pending"] * 3
    for held in (fair, hostile, spammy):
        badge = guest.locator(f"#pending-{held.pk} .pending-badge")
        expect(badge).to_have_text("Awaiting moderation")
    expect(guest.locator("#comments-heading")).to_have_text("0 comments")

    page = open_page()
    _sign_in(page, moderator, "/moderation/")
    items = page.locator("ol.queue > li.queue-item")
    expect(items).to_have_count(3)
    item = {c.pk: page.locator(f"#item-{c.pk}") for c in (fair, hostile, spammy)}
    # Oldest first; the first item is the current one.
    expect(items.first).to_have_id(f"item-{fair.pk}")
    expect(item[fair.pk]).to_have_attribute("aria-current", "true")
    expect(item[hostile.pk]).to_contain_text("Abuse score")
    expect(item[hostile.pk]).to_contain_text("drove it up")
    expect(page.locator("h1 .count")).to_have_text("3")

    # The help opens and closes with "?".
    help_panel = page.locator("#shortcuts dl")
    expect(help_panel).to_be_hidden()
    page.keyboard.press("?")
    expect(help_panel).to_be_visible()
    page.keyboard.press("?")
    expect(help_panel).to_be_hidden()

    # j / k move the highlight.
    page.keyboard.press("j")
    expect(item[hostile.pk]).to_have_attribute("aria-current", "true")
    expect(item[hostile.pk]).to_be_focused()
    expect(item[fair.pk]).not_to_have_attribute("aria-current", "true")
    page.keyboard.press("j")
    expect(item[spammy.pk]).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("k")
    page.keyboard.press("k")
    expect(item[fair.pk]).to_have_attribute("aria-current", "true")

    # a approves; the item is marked done in place and the next one becomes current.
    page.keyboard.press("a")
    expect(item[fair.pk]).to_have_class(re.compile(r"\bdone\b"))
    expect(item[fair.pk].locator(".outcome")).to_contain_text("it is number 1")
    expect(item[fair.pk].locator(".status")).to_have_text("Public")
    expect(item[hostile.pk]).to_have_attribute("aria-current", "true")
    expect(page.locator("h1 .count")).to_have_text("2")

    # r asks for the reason; Esc cancels, then r and 1 remove it as abusive.
    page.keyboard.press("r")
    keys = item[hostile.pk].locator(".reason-keys")
    expect(keys).to_be_visible()
    expect(keys).to_contain_text("1 abusive or hateful")
    page.keyboard.press("Escape")
    expect(keys).to_be_hidden()
    expect(item[hostile.pk]).not_to_have_class(re.compile(r"\bdone\b"))
    page.keyboard.press("r")
    page.keyboard.press("1")
    expect(item[hostile.pk]).to_have_class(re.compile(r"\bdone\b"))
    expect(item[hostile.pk].locator(".outcome")).to_contain_text("as abusive or hateful")

    # x ticks the box for a bulk action; b opens the ban form with focus in it, where typing
    # letters is not a shortcut; Esc closes it again.
    expect(item[spammy.pk]).to_have_attribute("aria-current", "true")
    box = item[spammy.pk].locator('input[name="ids"]')
    page.keyboard.press("x")
    expect(box).to_be_checked()
    page.keyboard.press("x")
    expect(box).not_to_be_checked()
    page.keyboard.press("b")
    expect(item[spammy.pk].locator(f"#until-{spammy.pk}")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type("as")
    expect(item[spammy.pk].get_by_label("Reason (for the log)")).to_have_value("as")
    expect(item[spammy.pk]).not_to_have_class(re.compile(r"\bdone\b"))
    page.keyboard.press("Escape")
    expect(item[spammy.pk].locator("details.ban")).not_to_have_attribute("open", "")
    expect(item[spammy.pk]).to_be_focused()
    page.screenshot(path=artifacts / "moderation-queue.png", full_page=True)

    # s files the last one as spam.
    page.keyboard.press("s")
    expect(item[spammy.pk]).to_have_class(re.compile(r"\bdone\b"))
    expect(page.locator("#queue-status")).to_contain_text("Nothing left on this page")
    expect(page.locator("h1 .count")).to_have_text("0")

    for c in (fair, hostile, spammy):
        c.refresh_from_db()
    assert (fair.status, fair.number) == ("public", 1)
    assert (hostile.status, hostile.removal_reason) == ("removed", "abuse")
    assert spammy.status == "spam"
    done = AuditEntry.objects.filter(actor=moderator).order_by("created_at", "pk")
    assert [(e.action, e.comment_id) for e in done] == [
        ("approve", fair.pk),
        ("remove", hostile.pk),
        ("spam", spammy.pk),
    ]

    # A reload shows the pending tab empty, and the moderator's queue without the handled items.
    page.reload()
    expect(page.locator(".empty")).to_have_text("Nothing here right now.")

    # The thread, as a stranger sees it: the approved comment numbered; the removed one had no
    # replies, so it leaves no placeholder; spam is not shown.
    reader = open_page()
    reader.goto(post.get_absolute_url())
    expect(reader.locator("#comments-heading")).to_have_text("1 comment")
    expect(reader.locator("#comment-1 a.number")).to_have_text("1")
    expect(reader.locator("#comment-1 .comment-body")).to_contain_text("mediator's report")
    expect(reader.locator("main")).not_to_contain_text("parasites")
    expect(reader.locator("main")).not_to_contain_text("Removed by a moderator")
    expect(reader.locator("main")).not_to_contain_text("discount tickets")


def test_without_javascript_the_queue_works_with_plain_forms(
    open_page: Callable[..., Page], post: Post, moderator: User
) -> None:
    guest = open_page()
    held = _post_as_guest(guest, post, FAIR)
    page = open_page(java_script_enabled=False)
    _sign_in(page, moderator, "/moderation/")
    item = page.locator(f"#item-{held.pk}")
    item.get_by_label("Why remove it").select_option("off_topic")
    item.get_by_role("button", name="Remove").click()
    expect(page).to_have_url(re.compile(r"/moderation/\?tab=pending$"))
    expect(page.locator(".messages")).to_contain_text("Removed the comment by Dockside Dan")
    expect(page.locator(f"#item-{held.pk}")).to_have_count(0)
    held.refresh_from_db()
    assert (held.status, held.removal_reason) == ("removed", "off_topic")


def _overflowing(page: Page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
            .slice(0, 10)
            .map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : ""))"""
    )


def test_the_queue_fits_a_phone(
    open_page: Callable[..., Page], post: Post, moderator: User, artifacts: Path
) -> None:
    guest = open_page()
    long_word = "harbor" * 30
    held = _post_as_guest(guest, post, f"{HOSTILE}\n\n{long_word}", nudged=True)
    assert held.status == "pending", held.moderation
    page = open_page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1)
    _sign_in(page, moderator, "/moderation/")
    item = page.locator(f"#item-{held.pk}")
    item.locator("details.ban summary").click()  # the ban form open too
    page.screenshot(path=artifacts / "phone-moderation-queue.png", full_page=True)

    widths = page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth,"
        " client: document.documentElement.clientWidth})"
    )
    assert widths["client"] == PHONE["width"], widths
    assert widths["scroll"] <= PHONE["width"], (widths, _overflowing(page))

    controls = item.locator("button, select, summary, input[type=text]")
    assert controls.count() >= 6
    for i in range(controls.count()):
        box = controls.nth(i).bounding_box()
        assert box is not None
        assert box["height"] >= 44, (controls.nth(i).evaluate("e => e.outerHTML"), box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    for link in page.locator(".mod-nav a").all():
        box = link.bounding_box()
        assert box is not None and box["height"] >= 44, box
