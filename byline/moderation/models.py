"""Moderation state: rules the site edits, bans, reader reports, the audit log, classifiers."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from byline.core import bidi
from byline.core.models import SiteSettings


class ModerationSettings(SiteSettings):
    """Thresholds a site changes in the admin (one row, cached)."""

    trust_threshold = models.PositiveSmallIntegerField(
        default=1,
        help_text="Hold comments from people with fewer approved comments than this (by "
        "account or verified email; a typed name proves nothing). 0 turns this off.",
    )
    link_limit = models.PositiveSmallIntegerField(
        default=2, help_text="Hold comments with more links than this."
    )
    min_seconds_to_submit = models.PositiveSmallIntegerField(
        default=3,
        help_text="Faster submissions (from showing the form) are treated as bots. 0 turns "
        "the timing check off.",
    )
    spam_threshold = models.FloatField(
        null=True,
        blank=True,
        default=None,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Spam score at or above which a comment is filed as spam (kept for review, "
        "not shown). Empty: chosen from your moderators' decisions to keep the share of good "
        "comments filed as spam at the target below. 1 turns this off.",
    )
    abuse_threshold = models.FloatField(
        null=True,
        blank=True,
        default=None,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Abuse score at or above which a comment is held for review (after the nudge, "
        "if on). Empty: chosen from your moderators' decisions to keep the share of good "
        "comments held at the target below. 1 turns this off.",
    )
    spam_target = models.FloatField(
        default=0.01,
        validators=[MinValueValidator(0.001), MaxValueValidator(0.2)],
        help_text="Share of good comments you accept being filed as spam when the spam "
        "threshold is chosen automatically (0.01 = 1 in 100).",
    )
    abuse_target = models.FloatField(
        default=0.02,
        validators=[MinValueValidator(0.001), MaxValueValidator(0.2)],
        help_text="Share of good comments you accept being held as abusive when the abuse "
        "threshold is chosen automatically (0.02 = 2 in 100).",
    )

    class NewCommenters(models.TextChoices):
        HOLD_ALL = "hold_all", "Hold all of them for review"
        HOLD_UNLESS_CONFIDENT = (
            "unless_confident",
            "Hold them unless the classifiers are confident the comment is fine",
        )

    new_commenters = models.CharField(
        max_length=20,
        choices=NewCommenters.choices,
        default=NewCommenters.HOLD_ALL,
        help_text="First comments from guests whose email address is not verified and from "
        "accounts below the trust threshold.",
    )
    nudge = models.BooleanField(
        default=True,
        help_text="Warn a commenter whose comment scores as abusive and let them revise it.",
    )
    report_threshold = models.PositiveSmallIntegerField(
        default=2, help_text="Reports that move a comment to the reported queue."
    )
    spam_retention_days = models.PositiveSmallIntegerField(
        default=30, help_text="Spam older than this is deleted by `byline purge_spam`."
    )
    public_log = models.BooleanField(
        default=False, help_text="Publish a log of moderator removals and bans at /moderation-log/."
    )

    CACHE_KEY = "moderation-settings:v3"

    class Meta:
        verbose_name = verbose_name_plural = "moderation settings"

    def __str__(self) -> str:
        return "Moderation settings"


class Term(models.Model):
    """A word or phrase the site blocks (→ spam) or holds (→ review), like WordPress's
    "disallowed keys" and "moderation keys". Matched case-insensitively against the name,
    email, website, IP address and text of a comment."""

    class Action(models.TextChoices):
        BLOCK = "block", "Block (mark as spam)"
        HOLD = "hold", "Hold for review"

    term = models.CharField(max_length=200)
    action = models.CharField(max_length=5, choices=Action.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "action"], name="term_unique")]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.term}"

    def clean(self) -> None:
        self.term = self.term.strip()
        if len(self.term) < 2:
            raise ValidationError({"term": "A term needs at least two characters."})


class BanQuerySet(models.QuerySet["Ban"]):
    def active(self) -> BanQuerySet:
        now = timezone.now()
        return self.filter(Q(until__isnull=True) | Q(until__gt=now))


class Ban(models.Model):
    """Someone who may not comment: by account, email, email domain, IP or network."""

    class Kind(models.TextChoices):
        ACCOUNT = "account", "Account (username)"
        EMAIL = "email", "Email address"
        DOMAIN = "domain", "Email domain"
        IP = "ip", "IP address"
        NETWORK = "network", "Network (CIDR, e.g. 203.0.113.0/24)"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=254)
    until = models.DateTimeField(null=True, blank=True, help_text="Empty: permanent.")
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BanQuerySet.as_manager()

    def __str__(self) -> str:
        until = f" until {self.until:%Y-%m-%d %H:%M}" if self.until else ""
        return f"{self.get_kind_display()} {self.value}{until}"

    def clean(self) -> None:
        self.value = self.value.strip().lower() if self.kind != self.Kind.ACCOUNT else self.value
        try:
            if self.kind == self.Kind.IP:
                self.value = str(ipaddress.ip_address(self.value))
            elif self.kind == self.Kind.NETWORK:
                self.value = str(ipaddress.ip_network(self.value, strict=False))
        except ValueError:
            raise ValidationError(
                {"value": f"“{self.value}” is not a valid {self.kind}."}
            ) from None
        if self.kind == self.Kind.EMAIL and "@" not in self.value:
            raise ValidationError({"value": "An email ban needs a full address."})
        if self.kind == self.Kind.DOMAIN:
            self.value = self.value.lstrip("@")


class Report(models.Model):
    """A reader's report on a comment."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abusive or hateful"
        OFF_TOPIC = "off_topic", "Off-topic"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(
        "discussion.Comment", on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(max_length=10, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.get_reason_display()} on comment {self.comment_id}"


class AuditEntry(models.Model):
    """A typed record of every automatic verdict and every moderator action, written in the same
    transaction as the change it records."""

    class Action(models.TextChoices):
        VERDICT = "verdict", "Automatic verdict"
        APPROVE = "approve", "Approved"
        SPAM = "spam", "Marked as spam"
        REMOVE = "remove", "Removed"
        RESTORE = "restore", "Restored"
        BAN = "ban", "Banned"
        UNBAN = "unban", "Lifted a ban"
        REPORT = "report", "Reported by a reader"
        DISMISS = "dismiss", "Dismissed reports"
        PURGE = "purge", "Purged old spam"
        RETRAIN = "retrain", "Retrained a classifier"
        APPEAL = "appeal", "Commenter asked for another look"
        APPEAL_DECIDED = "reviewed", "Decided an appeal"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices, db_index=True)
    comment = models.ForeignKey(
        "discussion.Comment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target = models.CharField(max_length=300, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        who = bidi.isolated(str(self.actor)) if self.actor else "Byline"
        return f"{self.created_at:%Y-%m-%d %H:%M} {who}: {self.get_action_display()} {self.target}"


class ClassifierVersion(models.Model):
    """A trained spam or abuse model. The newest active one of each kind is used."""

    kind = models.CharField(max_length=10)  # spam, abuse
    version = models.PositiveIntegerField()
    data = models.BinaryField()
    metrics = models.JSONField(default=dict, blank=True)
    decisions = models.PositiveIntegerField(default=0, help_text="Moderator decisions learned.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="classifier_version_unique")
        ]
        ordering = ["kind", "-version"]

    def __str__(self) -> str:
        return f"{self.kind} classifier v{self.version}"


class TrainingLabel(models.Model):
    """A moderator's decision as a training label (approve → not spam/abuse, …).

    The text is kept on the label: purging old spam must not make the classifiers forget what
    it taught them, and a later edit of the comment must not change what was decided."""

    comment = models.ForeignKey(
        "discussion.Comment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_labels",
    )
    kind = models.CharField(max_length=10)  # spam, abuse
    positive = models.BooleanField()
    text = models.TextField(default="")
    # What else the classifiers read, as it was when the comment was submitted: the name,
    # website, email domain (never the address) and the commenter's history then.
    signals = models.JSONField(default=dict, blank=True)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The ClassifierVersion that first learned this label; null until learned. Labels are
    # learned by this flag, not by id order: on PostgreSQL a lower id can commit later.
    learned_in = models.PositiveIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "kind"], name="one_label_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind}={'yes' if self.positive else 'no'} for comment {self.comment_id}"


class Appeal(models.Model):
    """A commenter's request for another look at their held, spam or removed comment.

    One per comment, ever (the unique one-to-one link): asking changes nothing about the
    comment itself; a moderator's decision (``byline.moderation.appeals``) restores it or keeps
    it as it was, and the commenter sees that decision on their own view of the comment."""

    class Outcome(models.TextChoices):
        RESTORED = "restored", "Restored"
        KEPT = "kept", "Decision kept"

    comment = models.OneToOneField(
        "discussion.Comment", on_delete=models.CASCADE, related_name="appeal"
    )
    note = models.CharField(max_length=500)
    # What the commenter saw when they asked: the comment's status and the reason shown to them.
    status_when_asked = models.CharField(max_length=10)
    reason_shown = models.CharField(max_length=300, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        state = self.get_outcome_display() if self.decided_at else "open"
        return f"Appeal on comment {self.comment_id} ({state})"

    @property
    def is_open(self) -> bool:
        return self.decided_at is None

    @property
    def asked_while(self) -> str:
        """The comment's state when the commenter asked, in words."""
        return {
            "pending": "held for review",
            "spam": "filed as spam",
            "removed": "removed",
        }.get(self.status_when_asked, self.status_when_asked)
