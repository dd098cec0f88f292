"""The moderation queue, request by request: what each tab lists, what an item shows, and what
each action changes (comment, audit log) — with the personas of ``byline/conftest.py``."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import html5lib
import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from byline.accounts.models import User
from byline.accounts.roles import MODERATOR
from byline.conftest import PASSWORD
from byline.discussion.models import Comment, RemovalReason
from byline.discussion.services import post_comment, validate_submission
from byline.moderation import actions
from byline.moderation.models import AuditEntry, Ban, Report, TrainingLabel
from byline.moderation.submit import submit_comment
from byline.publishing.models import Post

pytestmark = pytest.mark.django_db

QUEUE = "/moderation/"
HOSTILE = (
    "Nice of the Authority to make such a generous offer. The whole board are parasites.\n\n"
    "Somebody needs to drag them out of that building... by their ears."
)


def submit(
    post: Post,
    body: str,
    *,
    name: str = "Guest",
    email: str = "guest@example.org",
    ip: str = "192.0.2.1",
    parent: Comment | None = None,
    user: User | None = None,
    honeypot: str = "",
    minutes_ago: int = 0,
) -> Comment:
    """A comment through the real pipeline (a guest's first comments are held: trust rule)."""
    submission = validate_submission(
        post,
        body=body,
        name=name,
        email=email,
        parent_id=parent.pk if parent else None,
        user=user,
    )
    return submit_comment(
        submission,
        ip_address=ip,
        honeypot=honeypot,
        rate_limit=False,
        now=timezone.now() - timedelta(minutes=minutes_ago),
    )


def act(client: Client, comment: Comment, action: str, **data: str) -> Any:
    return client.post(f"/moderation/comments/{comment.pk}/{action}/", {"tab": "pending", **data})


def listed(response: Any) -> list[int]:
    return [item.comment.pk for item in response.context["items"]]


def audit(comment: Comment, action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(comment=comment, action=action))


@pytest.fixture
def public(post: Post, moderator: User) -> Callable[..., Comment]:
    """``public(body, **kw)`` → a comment a moderator approved."""

    def make(body: str = "A fair point about the ferry.", **kw: Any) -> Comment:
        return actions.approve(submit(post, body, **kw), by=moderator)

    return make


# -- what each tab lists -------------------------------------------------------------------------


def test_each_tab_lists_its_own_comments(
    post: Post, moderator_client: Client, public: Callable[..., Comment], reader: User
) -> None:
    held_old = submit(post, "Held, written first.", minutes_ago=30)
    held_new = submit(post, "Held, written second.", name="Zed", email="zed@example.org")
    spam = submit(post, "Cheap tickets at my site", honeypot="http://spam.example")
    approved = public("Approved this week.", name="Ann", email="ann@example.org")
    old = public("Approved long ago.", name="Old", email="old@example.org")
    Comment.objects.filter(pk=old.pk).update(published_at=timezone.now() - timedelta(days=10))
    twice = public("Reported twice.", name="Tw", email="tw@example.org")
    once = public("Reported once.", name="On", email="on@example.org")
    Report.objects.create(comment=twice, reason="abuse", ip_address="198.51.100.1")
    Report.objects.create(comment=twice, reason="spam", reporter=reader)
    Report.objects.create(comment=once, reason="abuse", ip_address="198.51.100.2")
    assert (held_old.status, spam.status) == ("pending", "spam")

    pending = moderator_client.get(QUEUE)
    assert pending.status_code == 200
    # Oldest first, so approving down the page numbers comments in writing order.
    assert listed(pending) == [held_old.pk, held_new.pk]
    assert pending.context["counts"] == {
        "pending": 2,
        "reported": 1,
        "spam": 1,
        "approved": 3,
        "appeals": 0,
    }
    assert listed(moderator_client.get(QUEUE, {"tab": "spam"})) == [spam.pk]
    assert listed(moderator_client.get(QUEUE, {"tab": "reported"})) == [twice.pk]
    recent = listed(moderator_client.get(QUEUE, {"tab": "approved"}))
    assert set(recent) == {approved.pk, twice.pk, once.pk} and old.pk not in recent
    # An unknown tab is the default one, not an error.
    assert listed(moderator_client.get(QUEUE, {"tab": "<script>"})) == listed(pending)


def test_reported_tab_puts_the_most_reported_first_and_shows_reasons(
    moderator_client: Client, public: Callable[..., Comment]
) -> None:
    two = public("Two reports.", name="A", email="a@example.org")
    three = public("Three reports.", name="B", email="b@example.org")
    for ip in ("198.51.100.1", "198.51.100.2"):
        Report.objects.create(comment=two, reason="off_topic", ip_address=ip)
    for ip in ("198.51.100.3", "198.51.100.4", "198.51.100.5"):
        Report.objects.create(
            comment=three, reason="abuse", note="Calls for violence", ip_address=ip
        )

    response = moderator_client.get(QUEUE, {"tab": "reported"})

    assert listed(response) == [three.pk, two.pk]
    html = response.content.decode()
    assert "3 open reports" in html and "Calls for violence" in html and "Off-topic" in html
    assert "Keep, dismiss reports" in html


def test_the_page_is_paginated_50_at_a_time(post: Post, moderator_client: Client) -> None:
    rows = [_held(post, i) for i in range(55)]
    first = moderator_client.get(QUEUE)
    second = moderator_client.get(QUEUE, {"page": "2"})
    beyond = moderator_client.get(QUEUE, {"page": "99"})
    assert listed(first) == [c.pk for c in rows[:50]]
    assert listed(second) == [c.pk for c in rows[50:]]
    assert listed(beyond) == listed(second)
    assert "Page 1 of 2" in first.content.decode()


# -- what an item shows --------------------------------------------------------------------------


def test_an_item_shows_verdict_scores_parent_and_history(
    post: Post, moderator_client: Client, public: Callable[..., Comment]
) -> None:
    parent = public("The board has offered the ferry crews a new contract.", name="Pat")
    public("An earlier approved remark.", name="Dan", email="dan@example.org", ip="192.0.2.9")
    hostile = submit(
        post, HOSTILE, name="Dockside Dan", email="DAN@example.org", ip="192.0.2.9", parent=parent
    )
    verdict = hostile.moderation
    # Held by the trust rule (a new guest); scored by both classifiers all the same.
    assert hostile.status == "pending" and set(verdict["scores"]) == {"spam", "abuse"}

    response = moderator_client.get(QUEUE)
    html = response.content.decode()
    html5lib.HTMLParser(strict=True).parse(response.content)

    assert "Held for review" in html
    for finding in verdict["findings"]:
        assert escape(finding["reason"]) in html
    assert f"Abuse score {verdict['scores']['abuse']:.2f}" in html
    up = [w for w, weight in verdict["features"]["abuse"] if weight > 0]
    down = [w for w, weight in verdict["features"]["abuse"] if weight < 0]
    assert up and "drove it up" in html and "held it down" in html
    for word in up + down:
        assert f"<q>{escape(word)}</q>" in html
    # The parent's excerpt, the commenter's details and their history by email.
    assert "In reply to <bdi>Pat</bdi>" in html and "offered the ferry crews a new contract" in html
    assert "dan@example.org" in html and "192.0.2.9" in html
    assert "1 approved" in html and "0 removed or spam" in html and "1 pending" in html
    assert "<q><bdi>Dan</bdi></q>" in html  # another name used with the same email and IP
    # The rendered body and the raw text.
    assert hostile.body_html in html
    assert "by their ears." in html


def test_hostile_names_and_bodies_are_escaped(post: Post, moderator_client: Client) -> None:
    submit(
        post,
        '<script>alert("body")</script> and <img src=x onerror=alert(1)>',
        name='<script>alert("name")</script>',
        email="evil@example.org",
    )
    html = moderator_client.get(QUEUE).content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(&quot;body&quot;)&lt;/script&gt;" in html


# -- actions -------------------------------------------------------------------------------------


def test_approve_publishes_with_a_number_and_is_audited(
    post: Post, moderator_client: Client, moderator: User
) -> None:
    held = submit(post, "Please approve me.")
    assert (held.status, held.number, audit(held, "approve")) == ("pending", None, [])

    response = act(moderator_client, held, "approve", page="1")

    assert response.status_code == 303
    assert response["Location"] == "/moderation/?tab=pending"
    held.refresh_from_db()
    assert (held.status, held.number) == ("public", 1)
    [entry] = audit(held, "approve")
    assert entry.actor == moderator
    assert entry.before == {"status": "pending"} and entry.after == {
        "status": "public",
        "number": 1,
    }
    # The flash message is shown where the redirect lands; the comment has left the tab.
    page = moderator_client.get(response["Location"])
    assert "Approved the comment by Guest" in page.content.decode()
    assert held.pk not in listed(page)


def test_spam_remove_dismiss_and_ban(
    post: Post, moderator_client: Client, public: Callable[..., Comment]
) -> None:
    to_spam = submit(post, "Buy cheap ferry tickets here.", name="S", email="s@example.org")
    to_remove = submit(post, HOSTILE, name="R", email="r@example.org")
    reported = public("Harmless but reported.", name="K", email="k@example.org")
    Report.objects.create(comment=reported, reason="abuse", ip_address="198.51.100.1")
    to_ban = submit(post, "Ban me.", name="B", email="B@Example.org", ip="203.0.113.9")

    assert act(moderator_client, to_spam, "spam").status_code == 303
    to_spam.refresh_from_db()
    assert to_spam.status == "spam" and len(audit(to_spam, "spam")) == 1
    assert TrainingLabel.objects.filter(comment=to_spam, kind="spam", positive=True).exists()

    assert act(moderator_client, to_remove, "remove", reason="abuse").status_code == 303
    to_remove.refresh_from_db()
    assert (to_remove.status, to_remove.removal_reason) == ("removed", RemovalReason.ABUSE)
    [removal] = audit(to_remove, "remove")
    assert removal.reason == "abusive or hateful" and removal.after["removal_reason"] == "abuse"

    response = act(moderator_client, reported, "dismiss", tab="reported")
    assert response.status_code == 303 and response["Location"] == "/moderation/?tab=reported"
    reported.refresh_from_db()
    assert reported.status == "public"
    assert not Report.objects.filter(comment=reported, resolved=False).exists()
    [dismissal] = audit(reported, "dismiss")
    assert dismissal.before == {"open_reports": 1}

    assert Ban.objects.count() == 0
    response = act(moderator_client, to_ban, "ban", until="7d", reason="Repeat spammer")
    assert response.status_code == 303
    to_ban.refresh_from_db()
    assert to_ban.status == "spam"
    bans = {(b.kind, b.value) for b in Ban.objects.active()}
    assert bans == {("email", "b@example.org"), ("ip", "203.0.113.9")}
    ban = Ban.objects.get(kind="email")
    assert ban.reason == "Repeat spammer"
    assert timedelta(days=6, hours=23) < ban.until - timezone.now() <= timedelta(days=7)
    assert len(audit(to_ban, "ban")) == 2 and len(audit(to_ban, "spam")) == 1


def test_a_permanent_ban_of_an_account(post: Post, moderator_client: Client, reader: User) -> None:
    held = submit(post, "From an account.", user=reader)
    assert act(moderator_client, held, "ban", until="permanent").status_code == 303
    ban = Ban.objects.get()
    assert (ban.kind, ban.value, ban.until) == ("account", reader.username, None)


def test_bulk_approve_numbers_comments_in_writing_order(
    post: Post, moderator_client: Client
) -> None:
    third = submit(post, "Written third.", name="C", email="c@example.org", minutes_ago=1)
    first = submit(post, "Written first.", name="A", email="a@example.org", minutes_ago=30)
    second = submit(post, "Written second.", name="B", email="b@example.org", minutes_ago=10)
    untouched = submit(post, "Not selected.", name="D", email="d@example.org", minutes_ago=20)

    response = moderator_client.post(
        "/moderation/bulk/",
        {"action": "approve", "ids": [third.pk, first.pk, second.pk], "tab": "pending"},
    )

    assert response.status_code == 303
    numbers = {c.pk: c.number for c in Comment.objects.filter(post=post)}
    assert [numbers[c.pk] for c in (first, second, third)] == [1, 2, 3]
    assert numbers[untouched.pk] is None
    assert AuditEntry.objects.filter(action="approve").count() == 3


def test_bulk_remove_takes_the_chosen_reason(post: Post, moderator_client: Client) -> None:
    one = submit(post, "One.", name="A", email="a@example.org")
    two = submit(post, "Two.", name="B", email="b@example.org")
    response = moderator_client.post(
        "/moderation/bulk/", {"action": "remove", "reason": "off_topic", "ids": [one.pk, two.pk]}
    )
    assert response.status_code == 303
    assert set(Comment.objects.values_list("status", "removal_reason")) == {
        ("removed", "off_topic")
    }


def test_the_script_gets_json_back(post: Post, moderator_client: Client) -> None:
    held = submit(post, "Approve me by script.")
    response = moderator_client.post(
        f"/moderation/comments/{held.pk}/approve/", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["ok"] is True and body["status"] == "public" and body["number"] == 1
    assert "Approved" in body["message"]

    error = moderator_client.post(
        f"/moderation/comments/{held.pk}/remove/",
        {"reason": "rude"},
        HTTP_ACCEPT="application/json",
    )
    assert error.status_code == 400
    assert json.loads(error.content) == {"ok": False, "error": json.loads(error.content)["error"]}
    assert "“rude” is not a removal reason" in json.loads(error.content)["error"]


# -- wrong input ---------------------------------------------------------------------------------


def test_wrong_input_is_refused_with_a_clear_message_and_changes_nothing(
    post: Post, moderator_client: Client
) -> None:
    held = submit(post, "Leave me alone.")

    cases = [
        (f"/moderation/comments/{held.pk}/delete/", {}, 400, "“delete” is not a moderation action"),
        (
            f"/moderation/comments/{held.pk}/remove/",
            {"reason": "rude"},
            400,
            "“rude” is not a removal reason",
        ),
        (f"/moderation/comments/{held.pk}/remove/", {}, 400, "No reason was given"),
        (
            f"/moderation/comments/{held.pk}/ban/",
            {"until": "forever-ish", "reason": "Kept text"},
            400,
            "“forever-ish” is not a ban length",
        ),
        (
            f"/moderation/comments/{held.pk}/ban/",
            {"reason": "x"},
            400,
            "Choose how long the ban lasts",
        ),
        (
            f"/moderation/comments/{held.pk}/ban/",
            {"until": "7d", "reason": "x" * 301},
            400,
            "under 300 characters",
        ),
        ("/moderation/comments/999999/approve/", {}, 404, "There is no comment with id 999999"),
        ("/moderation/bulk/", {"ids": [held.pk]}, 400, "Choose what to do"),
        (
            "/moderation/bulk/",
            {"action": "ban", "ids": [held.pk]},
            400,
            "“ban” is not a bulk action",
        ),
        ("/moderation/bulk/", {"action": "approve"}, 400, "Select at least one comment"),
        (
            "/moderation/bulk/",
            {"action": "approve", "ids": ["1x"]},
            400,
            "“1x” is not a comment id",
        ),
        (
            "/moderation/bulk/",
            {"action": "remove", "reason": "rude", "ids": [held.pk]},
            400,
            "“rude” is not a removal reason",
        ),
        (
            "/moderation/bulk/",
            {"action": "approve", "ids": ["999999"]},
            404,
            "None of the selected comments exist",
        ),
    ]
    for url, data, status, message in cases:
        response = moderator_client.post(url, data)
        assert response.status_code == status, (url, data, response.status_code)
        assert escape(message) in response.content.decode(), (url, data)

    held.refresh_from_db()
    assert held.status == "pending"
    assert not AuditEntry.objects.exclude(action="verdict").exists()
    assert not Ban.objects.exists()
    # The error page keeps what was typed in the ban form.
    response = moderator_client.post(
        f"/moderation/comments/{held.pk}/ban/", {"until": "7 days", "reason": "Spams the harbor"}
    )
    assert 'value="Spams the harbor"' in response.content.decode()


def test_action_urls_only_take_posts(post: Post, moderator_client: Client) -> None:
    held = submit(post, "Leave me alone.")
    assert moderator_client.get(f"/moderation/comments/{held.pk}/approve/").status_code == 405
    assert moderator_client.get("/moderation/bulk/").status_code == 405
    assert moderator_client.post(QUEUE).status_code == 405
    held.refresh_from_db()
    assert held.status == "pending"


# -- who may act ---------------------------------------------------------------------------------


def test_csrf_is_enforced(post: Post, moderator: User) -> None:
    held = submit(post, "Do not approve me by forgery.")
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)

    forged = client.post(f"/moderation/comments/{held.pk}/approve/", {"tab": "pending"})
    forged_bulk = client.post("/moderation/bulk/", {"action": "approve", "ids": [held.pk]})

    assert forged.status_code == 403 and forged_bulk.status_code == 403
    held.refresh_from_db()
    assert held.status == "pending" and not audit(held, "approve")

    # The page's own token works.
    client.get(QUEUE)
    token = client.cookies["csrftoken"].value
    ok = client.post(
        f"/moderation/comments/{held.pk}/approve/", {"csrfmiddlewaretoken": token, "tab": "pending"}
    )
    assert ok.status_code == 303
    held.refresh_from_db()
    assert held.status == "public"


def test_a_moderator_without_staff_status_can_triage(post: Post) -> None:
    mod = User.objects.create_user("nightshift", "night@example.org", PASSWORD)
    mod.groups.add(Group.objects.get(name=MODERATOR))
    assert not mod.is_staff
    client = Client()
    client.force_login(mod)
    held = submit(post, "Approve me, night shift.")
    assert held.pk in listed(client.get(QUEUE))
    assert act(client, held, "approve").status_code == 303
    held.refresh_from_db()
    assert held.status == "public"


def test_readers_and_strangers_cannot_act(
    post: Post, reader_client: Client, stranger: Client
) -> None:
    held = submit(post, "Only moderators decide.")
    assert act(reader_client, held, "approve").status_code == 403
    refused = act(stranger, held, "spam")
    assert refused.status_code == 302 and refused["Location"].startswith("/accounts/login/")
    held.refresh_from_db()
    assert held.status == "pending"
    assert not AuditEntry.objects.exclude(action="verdict").exists()


# -- cost ----------------------------------------------------------------------------------------


def _held(post: Post, i: int, parent: Comment | None = None, user: User | None = None) -> Comment:
    """A held comment, stored directly with a realistic verdict (faster than the pipeline)."""
    submission = validate_submission(
        post,
        body=f"Held comment number {i}, about the ferry.",
        name=f"Guest {i}",
        email=f"guest{i % 7}@example.org",
        parent_id=parent.pk if parent else None,
        user=user,
    )
    verdict = {
        "action": "hold",
        "code": "new_commenter",
        "reason": "First comments are checked.",
        "phase": "trust",
        "findings": [
            {
                "phase": "trust",
                "action": "hold",
                "code": "new_commenter",
                "reason": "First comments are checked.",
            }
        ],
        "scores": {"spam": 0.1, "abuse": 0.2},
        "features": {"spam": [["ferry", -0.5]], "abuse": [["held", 0.3]]},
    }
    return post_comment(
        submission,
        ip_address=f"192.0.2.{i % 11}",
        now=timezone.now() - timedelta(minutes=500 - i),
        outcome="hold",
        moderation=verdict,
    )


@pytest.mark.parametrize("count", [5, 50])
def test_a_queue_page_costs_a_fixed_number_of_queries(
    count: int,
    post: Post,
    make_post: Callable[..., Post],
    moderator: User,
    moderator_client: Client,
    reader: User,
    django_assert_max_num_queries: Any,
) -> None:
    other = make_post(title="Another post")
    parent = actions.approve(_held(post, 0), by=moderator)
    for i in range(1, count + 1):
        _held(
            other if i % 2 else post,
            i,
            parent=parent if i % 3 == 0 and not i % 2 else None,
            user=reader if i % 4 == 0 else None,
        )
    moderator_client.get(QUEUE)  # settings and session warm, as on a moderator's second page
    with django_assert_max_num_queries(14):
        response = moderator_client.get(QUEUE)
    assert len(response.context["items"]) == count
