"""Real-browser test of appeals: a guest asks for another look from the thread, a moderator
answers from the queue's Appeals tab with the keyboard and with a note, and the guest sees the
answer where they saw their comment."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from byline.accounts.models import User
from byline.conftest import PASSWORD
from byline.discussion.models import Comment
from byline.moderation import actions
from byline.moderation.models import Appeal, AuditEntry, ModerationSettings
from byline.publishing.models import Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _quick_timing_check(db: None) -> None:
    rules = ModerationSettings.current()
    rules.min_seconds_to_submit = 1
    rules.save()


def _post_as_guest(page: Page, post: Post, body: str) -> Comment:
    page.goto(post.get_absolute_url())
    form = page.locator("#respond form.comment-form")
    form.get_by_label("Name").fill("Dockside Dan")
    form.get_by_label("Email").fill("dan@example.org")
    form.get_by_label("Comment").fill(body)
    page.wait_for_timeout(1_100)  # slower than a bot
    page.locator("#respond").get_by_role("button", name="Post comment").click()
    comment = Comment.objects.filter(post=post, body=body).get()
    expect(page).to_have_url(re.compile(rf"#pending-{comment.pk}$"))
    return comment


def _ask(page: Page, comment: Comment, note: str) -> None:
    standing = page.locator(f"#standing-{comment.pk}")
    standing.locator("details.appeal > summary").click()
    standing.get_by_label("Why should a moderator look again?").fill(note)
    standing.locator('.appeal-form button[type="submit"]').click()
    expect(page.locator(f"#standing-{comment.pk}")).to_contain_text("a moderator will decide.")


def test_a_guest_appeals_and_a_moderator_answers_from_the_appeals_tab(
    open_page: Callable[..., Page], post: Post, moderator: User, artifacts: Path
) -> None:
    guest = open_page()
    held = _post_as_guest(guest, post, "The council should publish the mediator's report.")
    gone = _post_as_guest(guest, post, "The ferry board ought to answer for the delays.")
    actions.approve(gone, by=moderator)
    actions.remove(gone, by=moderator, reason="off_topic")

    guest.goto(post.get_absolute_url())
    expect(guest.locator(f"#standing-{held.pk}")).to_contain_text("Held for review.")
    removed = guest.locator(f"#standing-{gone.pk}")
    expect(removed).to_contain_text("Removed by a moderator.")
    expect(removed).to_contain_text("Reason: off-topic.")
    # Their own removed comment, as they wrote it, marked for them alone.
    expect(guest.locator("#comment-1 .comment-body")).to_contain_text("ferry board")
    _ask(guest, held, "It only asks for a report to be published.")
    _ask(guest, gone, "The delays are what the post is about.")
    guest.screenshot(path=artifacts / "appeal-thread.png", full_page=True)
    assert Appeal.objects.count() == 2
    assert Comment.objects.get(pk=held.pk).status == "pending"

    page = open_page()
    page.goto("/accounts/login/?next=/moderation/%3Ftab%3Dappeals")
    page.get_by_label("Username").fill(moderator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/moderation/\?tab=appeals$"))
    expect(page.locator("h1 .count")).to_have_text("2")
    first, second = page.locator(f"#item-{held.pk}"), page.locator(f"#item-{gone.pk}")
    expect(first).to_have_attribute("aria-current", "true")
    expect(first).to_contain_text("It only asks for a report to be published.")
    expect(second).to_contain_text("while it was removed")
    page.screenshot(path=artifacts / "moderation-appeals.png", full_page=True)

    # a restores the current one; the next becomes current.
    page.keyboard.press("a")
    expect(first).to_have_class(re.compile(r"\bdone\b"))
    expect(first.locator(".outcome")).to_contain_text("on appeal; it is number 2")
    expect(first.locator(".status")).to_have_text("Public")
    expect(second).to_have_attribute("aria-current", "true")

    # Keep the other with a note: typing in the note field is not a shortcut.
    second.get_by_label("Note to the commenter (optional)").fill("Still off-topic, sorry.")
    second.get_by_role("button", name="Keep decision").click()
    expect(second).to_have_class(re.compile(r"\bdone\b"))
    expect(second.locator(".outcome")).to_contain_text("Kept the decision")
    expect(page.locator("h1 .count")).to_have_text("0")

    assert Comment.objects.get(pk=held.pk).status == "public"
    assert Comment.objects.get(pk=gone.pk).status == "removed"
    decided = AuditEntry.objects.filter(action=AuditEntry.Action.APPEAL_DECIDED).order_by("pk")
    assert [(e.comment_id, e.after["appeal"], e.reason) for e in decided] == [
        (held.pk, "restored", "Restored"),
        (gone.pk, "kept", "Still off-topic, sorry."),
    ]

    guest.reload()
    expect(guest.locator(f"#standing-{held.pk}")).to_contain_text(": restored.")
    expect(guest.locator(f"#standing-{gone.pk}")).to_contain_text(
        ": kept removed. Their note: “Still off-topic, sorry.”"
    )
    expect(guest.locator("#comments-heading")).to_have_text("1 comment")

    # Another reader sees the restored comment and nothing of the removed one.
    reader = open_page()
    reader.goto(post.get_absolute_url())
    expect(reader.locator("main")).to_contain_text("mediator's report")
    expect(reader.locator("main")).not_to_contain_text("ferry board")
    expect(reader.locator("main")).not_to_contain_text("another look")


PHONE = {"width": 375, "height": 740}


def _fits(page: Page, scope: str) -> None:
    widths = page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= PHONE["width"], widths
    controls = page.locator(f"{scope} :is(button, summary, input[type=text], textarea)")
    assert controls.count() >= 2
    for i in range(controls.count()):
        if not controls.nth(i).is_visible():
            continue
        box = controls.nth(i).bounding_box()
        assert box is not None
        assert box["height"] >= 44, (controls.nth(i).evaluate("e => e.outerHTML"), box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


def test_asking_and_answering_fit_a_phone(
    open_page: Callable[..., Page], post: Post, moderator: User, artifacts: Path
) -> None:
    phone = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}
    guest = open_page(**phone)
    held = _post_as_guest(guest, post, "A long word: " + "harbor" * 30)
    guest.locator(f"#standing-{held.pk} details.appeal > summary").click()
    _fits(guest, f"#standing-{held.pk}")
    guest.screenshot(path=artifacts / "phone-appeal-thread.png", full_page=True)
    standing = guest.locator(f"#standing-{held.pk}")
    standing.get_by_label("Why should a moderator look again?").fill("Please: " + "harbor" * 30)
    standing.locator('.appeal-form button[type="submit"]').click()
    expect(guest.locator(f"#standing-{held.pk}")).to_contain_text("a moderator will decide.")

    page = open_page(**phone)
    page.goto("/accounts/login/?next=/moderation/%3Ftab%3Dappeals")
    page.get_by_label("Username").fill(moderator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(f"#item-{held.pk} .appeal")).to_be_visible()
    _fits(page, f"#item-{held.pk} .actions")
    page.screenshot(path=artifacts / "phone-moderation-appeals.png", full_page=True)
