"""Reader comments and the site's discussion settings."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from byline.core import bidi
from byline.core.models import SiteSettings
from byline.publishing.models import BodyFormat, Post

# Each level of a thread's ordering key: the comment's creation time then its id, fixed-width so
# that sorting the keys as strings gives a depth-first walk with siblings oldest first.
PATH_SEGMENT = "{created:%Y%m%d%H%M%S%f}{pk:012d}"
PATH_SEGMENT_LENGTH = 32
MAX_DEPTH_LIMIT = 10
MAX_COMMENTS_PER_PAGE = 500


def text_hash(body: str) -> str:
    """A short digest of a comment's text, indexed so the duplicate check finds the same text
    without reading every recent comment."""
    return hashlib.blake2b(body.encode(), digest_size=8).hexdigest()


class DiscussionSettings(SiteSettings):
    """Site-wide discussion rules an editor can change in the admin (one row)."""

    hold_new_comments = models.BooleanField(
        default=False,
        help_text="Hold every new comment until a moderator approves it. Off: comments "
        "publish at once.",
    )
    max_depth = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DEPTH_LIMIT)],
        help_text="Deepest reply level. A reply to a comment at this level joins that level.",
    )
    edit_window_minutes = models.PositiveIntegerField(
        default=10, help_text="How long a commenter may edit their comment. 0 turns editing off."
    )
    max_length = models.PositiveIntegerField(
        default=10_000,
        validators=[MinValueValidator(100), MaxValueValidator(100_000)],
        help_text="Longest comment, in characters.",
    )
    comments_per_page = models.PositiveSmallIntegerField(
        default=100,
        validators=[MinValueValidator(5), MaxValueValidator(MAX_COMMENTS_PER_PAGE)],
        help_text="Comments per page of a thread. Pages break between top-level threads, so a "
        "reply is always on its parent's page and a long thread may make a page longer.",
    )
    show_removal_reason = models.BooleanField(
        default=True,
        help_text="Say why a comment was removed (“Removed by a moderator: off-topic”). Off: "
        "only “Removed by a moderator”.",
    )

    class Meta:
        verbose_name = verbose_name_plural = "discussion settings"

    def __str__(self) -> str:
        return "Discussion settings"

    CACHE_KEY = "discussion-settings:v3"


class RemovalReason(models.TextChoices):
    """Why a moderator removed a comment; the thread shows the category, not the text."""

    ABUSE = "abuse", "abusive or hateful"
    SPAM = "spam", "spam"
    OFF_TOPIC = "off_topic", "off-topic"
    PERSONAL = "personal", "personal information"
    OTHER = "other", "against the site's rules"


class CommentQuerySet(models.QuerySet["Comment"]):
    def public(self) -> CommentQuerySet:
        return self.filter(status=Comment.Status.PUBLIC)


class Comment(models.Model):
    """A reader's comment. Removal changes the status; rows are never deleted by moderation."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting moderation"
        PUBLIC = "public", "Public"
        REMOVED = "removed", "Removed"
        SPAM = "spam", "Spam"

    class Kind(models.TextChoices):
        COMMENT = "comment", "Comment"
        PINGBACK = "pingback", "Pingback"
        TRACKBACK = "trackback", "Trackback"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    # Structural parent in the tree. Past the depth limit this is the replied-to comment's
    # parent, so the thread stays readable; ``in_reply_to`` keeps who was actually answered.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    in_reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    path = models.CharField(max_length=PATH_SEGMENT_LENGTH * MAX_DEPTH_LIMIT, db_index=True)
    number = models.PositiveIntegerField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    author_name = models.CharField(max_length=100, blank=True)
    author_email = models.EmailField(blank=True)
    author_url = models.URLField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.COMMENT)
    body = models.TextField()
    body_format = models.CharField(
        max_length=10, choices=BodyFormat.choices, default=BodyFormat.MARKDOWN
    )
    body_html = models.TextField(default="")
    body_hash = models.CharField(max_length=16, blank=True, default="", editable=False)
    # The moderation pipeline's verdict: phase, action, code, reason, scores and the features
    # behind them, shown to moderators (see byline.moderation.pipeline).
    moderation = models.JSONField(default=dict, blank=True, editable=False)
    removal_reason = models.CharField(
        max_length=20, choices=RemovalReason.choices, blank=True, editable=False
    )
    # Where an imported comment came from ("wp:123", "dsq:456"), so a re-import updates it
    # instead of adding it twice. Empty for comments written here.
    origin_id = models.CharField(max_length=64, null=True, blank=True, editable=False)
    # The same comment's id in a second archive, when both had it: a Disqus copy of a WordPress
    # comment ("dsq:456" beside "wp:123", paired by the Disqus plugin). One comment, both origins;
    # a re-import of either file finds it.
    origin_alias = models.CharField(max_length=64, null=True, blank=True, editable=False)
    # An imported reply whose parent was not in the archive: the parent's origin id ("wp:45").
    # It stands top-level, saying it answered a comment that is no longer here.
    missing_parent = models.CharField(max_length=64, null=True, blank=True, editable=False)
    # A hash of the archive's fields at the last import: a re-import changes the comment only
    # when its source changed, so local moderation and edits survive.
    origin_hash = models.CharField(max_length=16, blank=True, editable=False)
    created_at = models.DateTimeField(db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The comment as the thread shows it to every reader (``byline.discussion.fragments``),
    # rendered when it is written; ``html_key`` says what it was rendered from, so a fragment
    # made before a change of template, post or settings is rendered again when next shown.
    html = models.TextField(default="", editable=False)
    html_key = models.CharField(max_length=120, default="", blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["post", "path"]
        permissions = [("moderate_comments", "Can approve and remove reader comments")]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "number"],
                condition=Q(number__isnull=False),
                name="comment_number_unique_per_post",
            ),
            models.UniqueConstraint(
                fields=["post", "origin_id"],
                condition=Q(origin_id__isnull=False),
                name="comment_origin_unique_per_post",
            ),
        ]
        indexes = [
            models.Index(fields=["post", "status", "path"]),
            # A page of a thread is a range of paths (see ``CommentPage``).
            models.Index(fields=["post", "path"], name="comment_post_path"),
            models.Index(fields=["body_hash", "created_at"], name="comment_body_hash"),
            models.Index(
                fields=["origin_alias"],
                condition=Q(origin_alias__isnull=False),
                name="comment_origin_alias",
            ),
        ]

    def __str__(self) -> str:
        label = f"#{self.number}" if self.number else f"({self.get_status_display()})"
        return f"{label} by {bidi.isolated(self.display_name)} on {self.post_id}"

    @property
    def display_name(self) -> str:
        """The commenter's name as readers see it; a blank name is "Anonymous"."""
        if self.user_id is not None and self.user is not None:
            return self.user.public_name
        return self.author_name.strip() or "Anonymous"

    @property
    def legacy_anchor(self) -> int | None:
        """The comment's id on the WordPress site it was imported from, which old links
        use as ``#comment-ID``."""
        origin = self.origin_id or ""
        return int(origin[3:]) if origin.startswith("wp:") and origin[3:].isdigit() else None

    def is_by_post_author(self, post: Post) -> bool:
        """Written by the post's author while signed in (a typed name proves nothing)."""
        return self.user_id is not None and self.user_id == post.author_id


class CommentPage(models.Model):
    """Where page ``number`` of a post's thread starts: the path of its first top-level comment.

    A page holds the comments whose paths fall between its ``start`` and the next page's, so it
    loads by a range of the ordering key whatever the thread's length, and "which page shows
    comment N" is one indexed lookup. Pages break only before a top-level comment, once the
    page holds ``DiscussionSettings.comments_per_page`` comments; ``size`` counts the comments
    ever made public in the range. Maintained by ``byline.discussion.pagination``.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comment_pages_index")
    number = models.PositiveIntegerField()
    start = models.CharField(max_length=PATH_SEGMENT_LENGTH * MAX_DEPTH_LIMIT, blank=True)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "number"], name="comment_page_number"),
            models.UniqueConstraint(fields=["post", "start"], name="comment_page_start"),
        ]

    def __str__(self) -> str:
        return f"page {self.number} of post {self.post_id}"
