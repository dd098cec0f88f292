"""Webhooks: tell other systems when a comment is published, held or removed.

**Where events come from.** A comment's status changes only by saving the comment (the intake
stores a new one with its verdict; ``moderation.actions`` approve, remove and file as spam
through the discussion services; an edit may send a comment back for review). So the events
are read in one place, from the change of status on save: ``post_init`` remembers the status a
comment was loaded with, ``post_save`` compares, and the event is announced when the
transaction commits (a rolled-back change announces nothing).

* ``comment.published``: a comment became public (a new one that passed, or one approved).
* ``comment.held``: a new comment is held for review, or an edit sent a public one back.
* ``comment.removed``: a public comment was removed or filed as spam.

**Delivery.** Each active webhook that wants the event gets a ``WebhookDelivery`` row and a POST
of a JSON body, signed: ``X-Byline-Signature: sha256=<hex>`` is the HMAC-SHA256, under the
webhook's secret, of ``<X-Byline-Timestamp> + "." + <body bytes>`` (see ``verify``). There is
no task queue yet, so a background thread of the process that made the change sends it, with up
to ``len(BACKOFF)`` retries after waits of ``BACKOFF`` seconds, and records each attempt. Retries
move to the task queue when one lands (issue 13); until then a delivery in flight when its
process stops stays ``pending``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.error
import urllib.request
import uuid
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_init, post_save
from django.utils import timezone

from byline.api.models import Webhook, WebhookDelivery, WebhookEvent
from byline.api.schemas import iso_time
from byline.discussion.models import Comment

log = logging.getLogger(__name__)

# Waits before each retry, in seconds (so 1 + len(BACKOFF) attempts at most).
BACKOFF: tuple[float, ...] = (2.0, 10.0, 60.0)
TIMEOUT = 10.0
USER_AGENT = "Byline-Webhooks/1"
# How old a signed timestamp ``verify`` accepts, in seconds.
TOLERANCE = 300

_WAS = "_webhooks_status_was"
_UNKNOWN = object()

PUBLIC, PENDING = Comment.Status.PUBLIC, Comment.Status.PENDING
TAKEN_DOWN = frozenset({Comment.Status.REMOVED, Comment.Status.SPAM})


def event_for(was: str | None, now: str) -> str | None:
    """The event a change of status from ``was`` (None: a new comment) to ``now`` makes."""
    if was == now:
        return None
    if now == PUBLIC:
        return WebhookEvent.PUBLISHED
    if now == PENDING and was in (None, PUBLIC):
        return WebhookEvent.HELD
    if now in TAKEN_DOWN and was == PUBLIC:
        return WebhookEvent.REMOVED
    return None


def _loaded(sender: type[Comment], instance: Comment, **kwargs: Any) -> None:
    # Deferred (not loaded) status: unknown, and no event can be told from a save.
    instance.__dict__[_WAS] = instance.__dict__.get("status", _UNKNOWN)


def _saved(sender: type[Comment], instance: Comment, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    was = None if created else instance.__dict__.get(_WAS, _UNKNOWN)
    now = instance.__dict__.get("status", _UNKNOWN)
    instance.__dict__[_WAS] = now
    if was is _UNKNOWN or now is _UNKNOWN:
        return
    event = event_for(was, str(now))
    if event is not None:
        transaction.on_commit(partial(announce, event, instance.pk), robust=True)


def connect() -> None:
    post_init.connect(_loaded, sender=Comment, dispatch_uid="api-webhooks-loaded")
    post_save.connect(_saved, sender=Comment, dispatch_uid="api-webhooks-saved")


# -- what is sent --------------------------------------------------------------------------------


def payload(event: str, comment: Comment) -> dict[str, Any]:
    post = comment.post
    taken_down = comment.status in TAKEN_DOWN
    return {
        "event": event,
        "sent_at": iso_time(timezone.now()),
        "comment": {
            "id": comment.pk,
            "post_id": post.pk,
            "post_title": post.title,
            "post_url": settings.BYLINE_SITE_URL.rstrip("/") + post.get_absolute_url(),
            "number": comment.number,
            "status": comment.status,
            "removal_reason": comment.removal_reason or None if taken_down else None,
            "author": comment.display_name,
            "is_post_author": comment.is_by_post_author(post),
            "body_html": comment.body_html,
            "created_at": iso_time(comment.created_at),
            "edited_at": iso_time(comment.edited_at) if comment.edited_at else None,
        },
    }


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + HMAC-SHA256 of ``timestamp + "." + body`` under ``secret``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, now: float | None = None
) -> bool:
    """What a receiver checks: the signature matches, and the timestamp is recent."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= TOLERANCE and hmac.compare_digest(sign(secret, timestamp, body), signature)


def announce(event: str, comment_id: int) -> list[WebhookDelivery]:
    """Record a delivery of ``event`` for each active webhook that wants it, and send them."""
    hooks = [h for h in Webhook.objects.filter(active=True) if event in (h.events or [])]
    if not hooks:
        return []
    comment = Comment.objects.select_related("post", "user").filter(pk=comment_id).first()
    if comment is None:
        return []
    data = payload(event, comment)
    made = []
    for hook in hooks:
        delivery_id = str(uuid.uuid4())
        body = json.dumps({**data, "delivery": delivery_id}, ensure_ascii=False)
        made.append(
            WebhookDelivery.objects.create(
                webhook=hook, event=event, delivery_id=delivery_id, payload=body
            )
        )
    for delivery in made:
        _start(delivery.pk)
    return made


# -- sending -------------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer like any other non-2xx: the delivery failed


_opener = urllib.request.build_opener(_NoRedirects)
_running: set[threading.Thread] = set()
_lock = threading.Lock()


def _start(delivery_pk: int) -> None:
    thread = threading.Thread(
        target=_deliver_in_thread, args=(delivery_pk,), name="byline-webhook", daemon=True
    )
    with _lock:
        _running.add(thread)
    thread.start()


def _deliver_in_thread(delivery_pk: int) -> None:
    try:
        deliver(delivery_pk)
    except Exception:
        log.exception("Webhook delivery %s failed unexpectedly", delivery_pk)
    finally:
        connection.close()
        with _lock:
            _running.discard(threading.current_thread())


def _attempt(hook: Webhook, delivery: WebhookDelivery) -> tuple[int | None, str]:
    body = delivery.payload.encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - http(s) only (Webhook.url's validator)
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Byline-Event": delivery.event,
            "X-Byline-Delivery": delivery.delivery_id,
            "X-Byline-Timestamp": timestamp,
            "X-Byline-Signature": sign(hook.secret, timestamp, body),
        },
    )
    if not hook.url.lower().startswith(("http://", "https://")):
        return None, "Only http and https addresses are called."
    try:
        with _opener.open(request, timeout=TIMEOUT) as answer:
            return int(answer.status), ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(getattr(exc, "reason", exc))


def deliver(delivery_pk: int) -> WebhookDelivery:
    """Send one delivery, retrying after each of ``BACKOFF``'s waits; record every attempt."""
    delivery = WebhookDelivery.objects.select_related("webhook").get(pk=delivery_pk)
    hook = delivery.webhook
    attempts = 1 + len(BACKOFF)
    for attempt in range(1, attempts + 1):
        code, error = _attempt(hook, delivery)
        ok = code is not None and 200 <= code < 300
        delivery.attempts = attempt
        delivery.status_code = code
        delivery.last_error = "" if ok else (error or f"HTTP {code}")[:500]
        if ok:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
        elif attempt == attempts:
            delivery.status = WebhookDelivery.Status.FAILED
        delivery.save(
            update_fields=["attempts", "status_code", "last_error", "status", "delivered_at"]
        )
        if ok or attempt == attempts:
            break
        time.sleep(BACKOFF[attempt - 1])
    return delivery


def wait_for_deliveries(timeout: float = 30.0) -> bool:
    """Wait until every delivery thread of this process has finished (tests, shutdown)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _lock:
            running = list(_running)
        if not running:
            return True
        running[0].join(max(0.0, deadline - time.monotonic()))
    return False
