"""Posts and how they are filed: categories, tags, revisions and old slugs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class Category(models.Model):
    """A nestable section of the site (Politics › Middle East)."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, allow_unicode=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.TextField(blank=True)
    # Slash-joined slugs from the top ("politics/middle-east"), kept up to date on save so a
    # page can link a category without walking its parents.
    path = models.CharField(max_length=500, unique=True, editable=False)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "slug"], name="category_slug_per_parent"),
            models.UniqueConstraint(
                fields=["slug"], condition=Q(parent=None), name="top_category_slug_unique"
            ),
        ]

    def __str__(self) -> str:
        return " › ".join(c.name for c in self.ancestors_and_self())

    def ancestors_and_self(self) -> list[Category]:
        """From the top-level category down to this one."""
        chain: list[Category] = []
        node: Category | None = self
        while node is not None and len(chain) < 20:  # 20 guards against a cycle typed in admin
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    def clean(self) -> None:
        node = self.parent
        while node is not None:
            if node.pk == self.pk and self.pk is not None:
                raise ValidationError({"parent": "A category cannot sit inside itself."})
            node = node.parent

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.path = "/".join(c.slug for c in self.ancestors_and_self())
        super().save(*args, **kwargs)
        for child in self.children.all():
            child.save()

    def get_absolute_url(self) -> str:
        return reverse("publishing:category", kwargs={"path": self.path})


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, allow_unicode=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("publishing:tag", kwargs={"slug": self.slug})


class BodyFormat(models.TextChoices):
    """How a stored body is turned into HTML (see ``byline.core.rendering.render_body``)."""

    MARKDOWN = "markdown", "Markdown"
    # Imported from WordPress: HTML-ish text with blank-line paragraphs and shortcodes.
    WORDPRESS = "wordpress", "WordPress HTML"
    HTML = "html", "HTML"


class PostQuerySet(models.QuerySet["Post"]):
    def live(self, now: datetime | None = None) -> PostQuerySet:
        """Posts and pages a stranger may read: published, and due (future = scheduled)."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=now or timezone.now())

    def articles(self) -> PostQuerySet:
        """Dated articles only: pages stay out of the front page, archives and feeds."""
        return self.filter(kind=Post.Kind.POST)


class Post(models.Model):
    """An article. Scheduling is a published post with a future date: no job runner needed."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        # Readable only by the people who may edit it (WordPress's "private").
        PRIVATE = "private", "Private"

    class Kind(models.TextChoices):
        POST = "post", "Post"
        PAGE = "page", "Page"  # undated, e.g. "About"; lives at /<slug>/

    title = models.CharField(max_length=300)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        allow_unicode=True,
        help_text="The last part of the post's address. Changing it keeps the old address working.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="When the post goes live. A future date schedules it; empty means now.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.POST)
    excerpt = models.TextField(blank=True, help_text="Optional lede for lists and feeds.")
    body = models.TextField(
        help_text="Markdown. Credit a quotation with a line starting with — after the quote."
    )
    body_format = models.CharField(
        max_length=10, choices=BodyFormat.choices, default=BodyFormat.MARKDOWN
    )
    is_sticky = models.BooleanField(default=False, help_text="Keep at the top of the front page.")
    # WordPress's post password: the body, excerpt and comments stay hidden until a reader
    # enters it (``publishing.protection``). Stored as typed, as WordPress does, so an import
    # and an export keep it and an author can tell it to readers.
    password = models.CharField(
        max_length=255,
        blank=True,
        help_text=(
            "Readers must enter this to see the body, excerpt and comments. "
            "Leave empty for an open post."
        ),
    )
    body_html = models.TextField(editable=False, default="")
    categories = models.ManyToManyField(Category, blank=True, related_name="posts")
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")
    comments_open = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The last comment number handed out; numbers are never reused, so this only grows.
    last_comment_number = models.PositiveIntegerField(default=0, editable=False)
    public_comment_count = models.PositiveIntegerField(default=0, editable=False)
    # The thread's page index (``discussion.CommentPage``): how many pages, and the page size
    # it was built for (0: not built yet; a different size: rebuilt when next read).
    comment_pages = models.PositiveIntegerField(default=0, editable=False)
    comment_page_size = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        permissions = [
            ("publish_post", "Can publish and schedule posts"),
            ("edit_others_posts", "Can edit posts written by others"),
        ]
        indexes = [models.Index(fields=["status", "published_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_live(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_protected(self) -> bool:
        """Whether readers need the post's password to see its body and comments."""
        return bool(self.password)

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def state_label(self) -> str:
        if self.status != self.Status.PUBLISHED:
            return self.get_status_display()
        return "Scheduled" if self.is_scheduled else "Published"

    def get_absolute_url(self) -> str:
        if self.kind == self.Kind.PAGE:
            return reverse("by-slug", kwargs={"slug": self.slug})
        when = timezone.localtime(self.published_at or self.created_at or timezone.now())
        return reverse(
            "publishing:post",
            kwargs={"year": when.year, "month": f"{when.month:02d}", "slug": self.slug},
        )


def next_scheduled(now: datetime | None = None) -> float | None:
    """When the next scheduled post goes live (a Unix time), or None: listings change then."""
    moment = (
        Post.objects.filter(status=Post.Status.PUBLISHED, published_at__gt=now or timezone.now())
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    return moment.timestamp() if moment is not None else None


class PostRevision(models.Model):
    """A snapshot taken at every save, so an editor can see and restore what changed."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    title = models.CharField(max_length=300)
    slug = models.CharField(max_length=200)
    excerpt = models.TextField(blank=True)
    body = models.TextField()
    status = models.CharField(max_length=10)
    published_at = models.DateTimeField(null=True, blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-saved_at", "-id"]

    def __str__(self) -> str:
        return f"{self.title} @ {self.saved_at:%Y-%m-%d %H:%M}"


class SlugRedirect(models.Model):
    """An address a post used to have. Old links 301 to the post's current address."""

    old_slug = models.CharField(max_length=200, unique=True)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="old_slugs")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.old_slug} → {self.post.slug}"
