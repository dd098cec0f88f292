"""Webhooks: a real HTTP server on this machine receives the signed POSTs.

These tests commit (``transaction=True``): events are announced when the change commits, and
the delivery thread reads the rows on its own database connection.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from byline.api import webhooks
from byline.api.models import Webhook, WebhookDelivery
from byline.api.schemas import WebhookPayload
from byline.discussion import intake
from byline.discussion.models import Comment, DiscussionSettings
from byline.discussion.services import validate_submission
from byline.moderation import actions
from byline.moderation.tests.helpers import moderation_off

SECRET = "test-webhook-secret"


class Receiver:
    """An HTTP server that records each POST and answers with the next planned status."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.plan: list[int] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.received.append({"headers": dict(self.headers), "body": body})
                    status = receiver.plan.pop(0) if receiver.plan else 204
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhooks, "BACKOFF", (0.05, 0.05, 0.05))


@pytest.fixture
def hook(receiver: Receiver, transactional_db: None) -> Webhook:
    return Webhook.objects.create(name="Receiver", url=receiver.url, secret=SECRET)


def _post_comment(post, body: str = "A comment.") -> Comment:
    submission = validate_submission(post, body=body, name="Ann", email="ann@example.org")
    return intake.receive(submission, intake.Origin(channel="api", ip="192.0.2.9"))


def _events(receiver: Receiver) -> list[str]:
    assert webhooks.wait_for_deliveries(20)
    return [json.loads(r["body"])["event"] for r in receiver.received]


@pytest.mark.django_db(transaction=True)
def test_published_held_and_removed_are_signed_and_recorded(
    receiver, hook, post, moderator, quick_retries
):
    moderation_off()
    public = _post_comment(post, "Published at once.")
    assert _events(receiver) == ["comment.published"]
    delivery = receiver.received[0]
    headers, body = delivery["headers"], delivery["body"]
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Byline-Event"] == "comment.published"
    assert headers["X-Byline-Signature"].startswith("sha256=")
    assert webhooks.verify(
        SECRET, headers["X-Byline-Timestamp"], body, headers["X-Byline-Signature"]
    )
    assert not webhooks.verify(
        "wrong secret", headers["X-Byline-Timestamp"], body, headers["X-Byline-Signature"]
    )
    assert not webhooks.verify(
        SECRET, headers["X-Byline-Timestamp"], body + b" ", headers["X-Byline-Signature"]
    )
    data = json.loads(body)
    WebhookPayload.model_validate(data)  # the shape the OpenAPI document promises
    assert data["comment"]["id"] == public.pk and data["comment"]["number"] == 1
    assert data["delivery"] == headers["X-Byline-Delivery"]
    recorded = WebhookDelivery.objects.get(delivery_id=data["delivery"])
    assert (recorded.status, recorded.attempts, recorded.status_code) == ("delivered", 1, 204)

    actions.remove(public, by=moderator, reason="off_topic")
    rules = DiscussionSettings.current()
    rules.hold_new_comments = True
    rules.save()
    held = _post_comment(post, "Held for review.")
    assert held.status == Comment.Status.PENDING
    actions.approve(held, by=moderator)
    assert _events(receiver) == [
        "comment.published",
        "comment.removed",
        "comment.held",
        "comment.published",
    ]
    removed = json.loads(receiver.received[1]["body"])["comment"]
    assert removed["status"] == "removed" and removed["removal_reason"] == "off_topic"


@pytest.mark.django_db(transaction=True)
def test_failures_are_retried_with_backoff_and_recorded(receiver, hook, post, quick_retries):
    moderation_off()
    receiver.plan = [500, 503]
    _post_comment(post)
    assert _events(receiver) == ["comment.published"] * 3
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.status_code) == ("delivered", 3, 204)
    assert delivery.last_error == ""


@pytest.mark.django_db(transaction=True)
def test_a_delivery_that_never_succeeds_is_failed_after_three_retries(
    receiver, hook, post, quick_retries
):
    moderation_off()
    receiver.plan = [500, 500, 500, 500, 500]
    _post_comment(post)
    assert len(_events(receiver)) == 4  # the first try and three retries
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.status_code) == ("failed", 4, 500)
    assert "500" in delivery.last_error


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_address_is_recorded(hook, post, quick_retries):
    moderation_off()
    Webhook.objects.filter(pk=hook.pk).update(url="http://127.0.0.1:9/nothing-listens")
    _post_comment(post)
    assert webhooks.wait_for_deliveries(20)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.status_code is None and delivery.last_error


@pytest.mark.django_db(transaction=True)
def test_only_active_hooks_and_the_events_they_want(receiver, hook, post, moderator, quick_retries):
    moderation_off()
    Webhook.objects.filter(pk=hook.pk).update(events=["comment.removed"])
    comment = _post_comment(post)
    assert _events(receiver) == []
    actions.remove(comment, by=moderator, reason="other")
    assert _events(receiver) == ["comment.removed"]
    Webhook.objects.filter(pk=hook.pk).update(active=False)
    actions.approve(comment, by=moderator)
    assert _events(receiver) == ["comment.removed"]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_announces_nothing(receiver, hook, post, quick_retries):
    from django.db import transaction

    moderation_off()
    with pytest.raises(RuntimeError), transaction.atomic():
        _post_comment(post)
        raise RuntimeError("rolled back")
    assert _events(receiver) == []
    assert not WebhookDelivery.objects.exists()


def test_events_for_status_changes() -> None:
    assert webhooks.event_for(None, "public") == "comment.published"
    assert webhooks.event_for(None, "pending") == "comment.held"
    assert webhooks.event_for(None, "spam") is None
    assert webhooks.event_for("pending", "public") == "comment.published"
    assert webhooks.event_for("public", "pending") == "comment.held"
    assert webhooks.event_for("public", "removed") == "comment.removed"
    assert webhooks.event_for("public", "spam") == "comment.removed"
    assert webhooks.event_for("pending", "spam") is None
    assert webhooks.event_for("public", "public") is None


def test_signatures_expire() -> None:
    body = b'{"event": "comment.held"}'
    signature = webhooks.sign(SECRET, "1000", body)
    assert webhooks.verify(SECRET, "1000", body, signature, now=1000 + 299)
    assert not webhooks.verify(SECRET, "1000", body, signature, now=1000 + 301)
    assert not webhooks.verify(SECRET, "soon", body, signature)
