"""Personal access tokens for the JSON API, and webhooks with their deliveries."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone


class Scope(models.TextChoices):
    """What a token may do besides reading (reading needs no scope)."""

    COMMENTS_WRITE = "comments:write", "Post, edit and report comments as this account"
    MODERATE = "moderate", "Moderation queue and decisions (moderators only)"
    BAN = "ban", "Ban commenters (moderators only)"


class AccessTokenQuerySet(models.QuerySet["AccessToken"]):
    def usable(self) -> AccessTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class AccessToken(models.Model):
    """A personal access token: ``Authorization: Bearer byl_…``. Only a SHA-256 of the secret
    is stored; the secret is shown once, when the token is created (``byline.api.tokens``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What it is for, e.g. “moderation bot”.")
    scopes = models.JSONField(default=list, blank=True)
    # The secret's first characters, so a person can tell their tokens apart (not secret).
    prefix = models.CharField(max_length=12, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API access token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])


class WebhookEvent(models.TextChoices):
    PUBLISHED = "comment.published", "A comment became public"
    HELD = "comment.held", "A comment is held for review"
    REMOVED = "comment.removed", "A public comment was removed or filed as spam"


def _all_events() -> list[str]:
    return list(WebhookEvent.values)


class Webhook(models.Model):
    """An address told about comments (``byline.api.webhooks``), each POST signed with
    HMAC-SHA256 under ``secret``."""

    name = models.CharField(max_length=100)
    url = models.CharField(
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        help_text="Where to POST the events (http or https).",
    )
    secret = models.CharField(
        max_length=100,
        blank=True,
        help_text="Signs every delivery (X-Byline-Signature). Left empty: one is generated.",
    )
    events = models.JSONField(default=_all_events, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.secret:
            import secrets

            self.secret = secrets.token_urlsafe(32)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one webhook, with how it went."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    delivery_id = models.CharField(max_length=36, unique=True, editable=False)
    payload = models.TextField(editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook} ({self.get_status_display()})"
