"""What an import remembers: where each object came from, old addresses, runs and progress."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from byline.publishing.models import Post


class ImportedObject(models.Model):
    """One object of an archive and the Byline row it became.

    ``source`` names the archive's site ("wordpress:https://old.example.org"), so two blogs
    imported into one Byline never collide; re-importing finds the row again by
    ``(source, kind, source_id)`` and updates it when ``fingerprint`` changed.
    Comments are tracked on the comment itself (``Comment.origin_id``): there can be millions.
    """

    source = models.CharField(max_length=200)
    kind = models.CharField(max_length=20)  # user, category, tag, post, attachment, thread
    source_id = models.CharField(max_length=200)
    object_id = models.BigIntegerField()
    fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "source_id"], name="imported_object_unique"
            )
        ]
        indexes = [models.Index(fields=["kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.source_id} → {self.object_id}"


class LegacyURL(models.Model):
    """An address a post had on the old site ("/2006/12/iran_offers/", "/?p=123"), or an old
    attachment page ("/2013/03/15/a-post/img_8399/", "/?attachment_id=8399").

    It leads to ``post`` when that is readable (an attachment's page: the post it was attached
    to), else to ``target_url`` (an attachment's file). Looked up only when
    nothing else answers a request (see ``byline.migration.middleware``), so it costs nothing
    on normal pages.
    """

    path = models.CharField(max_length=500, unique=True)
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="legacy_urls"
    )
    target_url = models.CharField(max_length=1000, blank=True)
    # The attachment whose old page this was (None for a post's own addresses): exported with
    # the attachment, so a round trip keeps it.
    attachment = models.ForeignKey(
        "Attachment", null=True, blank=True, on_delete=models.CASCADE, related_name="legacy_urls"
    )

    class Meta:
        verbose_name = "legacy URL"

    def __str__(self) -> str:
        return self.path


class Attachment(models.Model):
    """A media file the old site hosted. Recorded, never downloaded: bodies keep linking to it."""

    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    url = models.URLField(max_length=1000)
    title = models.CharField(max_length=300, blank=True)
    alt = models.CharField(max_length=300, blank=True)  # _wp_attachment_image_alt
    caption = models.TextField(blank=True)  # the attachment's excerpt in WordPress
    mime_type = models.CharField(max_length=100, blank=True)
    uploaded_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.url


class ImportRun(models.Model):
    """One import, with live progress for the admin and the report at the end."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20)  # wordpress, disqus
    file_name = models.CharField(max_length=300)
    file_path = models.CharField(max_length=1000, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total_bytes = models.BigIntegerField(default=0)
    processed_bytes = models.BigIntegerField(default=0)
    counts = models.JSONField(default=dict)
    notes = models.JSONField(default=list)  # sentences for the person importing
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The process running it, so a run whose process died (kill -9, a reboot) is recognised and
    # marked failed instead of refusing every later import (``runs.reap``). The heartbeat is
    # the last sign of life written where other processes can read it (see ``runs``).
    pid = models.PositiveIntegerField(null=True, blank=True)
    host = models.CharField(max_length=255, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} import of {self.file_name} ({self.get_state_display()})"


class UnattachedThread(models.Model):
    """A comment thread from an archive (Disqus, Isso, Remark42) that no post here took: kept
    whole, with every comment as the archive had it, until an administrator attaches it to a
    post or creates one for it (``byline.migration.unattached``).

    The comments are kept as data (``comments``: the importer's normalised records, statuses
    included), not as ``Comment`` rows: a comment needs a post, and a hidden placeholder post
    would show up in every listing, feed, count and export, and number its comments in the
    wrong thread. Attaching places them through ``importing.place_comments`` like any import.
    """

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"  # no new comments on the old site
        DELETED = "deleted", "Deleted"  # deleted on the old site: nothing of it was public

    source = models.CharField(max_length=200)  # "disqus", "isso", "remark42:blog"
    source_id = models.CharField(max_length=200)  # the thread's id in that system
    identifier = models.CharField(max_length=500, blank=True)
    title = models.CharField(max_length=300, blank=True)
    link = models.CharField(max_length=1000, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    reason = models.CharField(max_length=300, blank=True)  # why it was not attached
    started_at = models.DateTimeField(null=True, blank=True)  # on the old site
    comments = models.JSONField(default=list)
    comment_count = models.PositiveIntegerField(default=0)
    # The post the thread matched when it was kept back anyway (a thread deleted on Disqus).
    suggested_post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="attached_threads"
    )
    attached_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="unattached_thread_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title or self.link or self.source_id} ({self.source}, {self.comment_count})"
