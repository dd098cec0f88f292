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

from byline.core.rendering import safe_url


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


# WordPress's post formats are terms of this taxonomy; their archives live at /type/<format>/.
POST_FORMAT = "post_format"


class Taxonomy(models.Model):
    """A way of filing posts besides categories and tags: a WordPress custom taxonomy
    ("genre", "series") or the post formats. Public ones have archives at /<slug>/<term>/."""

    name = models.CharField(
        max_length=32, unique=True, help_text="The name WordPress knows it by (post_format)."
    )
    label = models.CharField(max_length=100)
    slug = models.SlugField(
        max_length=100,
        unique=True,
        allow_unicode=True,
        help_text="The first part of its archives' addresses: /<slug>/<term>/.",
    )
    is_public = models.BooleanField(
        default=True, help_text="Show its terms on posts and give each term an archive page."
    )

    class Meta:
        verbose_name_plural = "taxonomies"
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class Term(models.Model):
    """One term of a :class:`Taxonomy` (the format "Aside", the genre "Fiction")."""

    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, allow_unicode=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["taxonomy", "name"]
        constraints = [
            models.UniqueConstraint(fields=["taxonomy", "slug"], name="term_slug_per_taxonomy")
        ]

    def __str__(self) -> str:
        return f"{self.taxonomy.label}: {self.name}"

    def clean(self) -> None:
        if self.slug.isdigit():
            # Its archive's address would read as an old numeric one (/archives/123/).
            raise ValidationError({"slug": "A term's slug needs a letter or a dash."})

    def get_absolute_url(self) -> str:
        return reverse("by-slug", kwargs={"slug": f"{self.taxonomy.slug}/{self.slug}"})


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
    # Custom taxonomies and the post format. ``has_terms`` (kept by a signal) spares posts
    # without any the query that would read them.
    terms = models.ManyToManyField(Term, blank=True, related_name="posts")
    has_terms = models.BooleanField(default=False, editable=False)
    # Pages nest (About › Team, at /about/team/); ``page_path`` is the slash-joined slugs from
    # the top, kept up to date on save like ``Category.path``. Empty for posts.
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        limit_choices_to={"kind": "page"},
        help_text="Pages only: the page this one sits under; its address nests under it.",
    )
    page_path = models.CharField(max_length=1000, editable=False, default="")
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

    def page_chain(self) -> list[Post]:
        """From the top-level page down to this one (just this one for a post)."""
        chain: list[Post] = []
        node: Post | None = self
        while node is not None and len(chain) < 20:  # 20 guards against a cycle
            chain.append(node)
            node = node.parent if node.kind == self.Kind.PAGE else None
        return list(reversed(chain))

    def clean(self) -> None:
        if self.parent_id is None:
            return
        if self.kind != self.Kind.PAGE:
            raise ValidationError({"parent": "Only pages sit under another page."})
        node: Post | None = self.parent
        while node is not None:
            if node.kind != self.Kind.PAGE:
                raise ValidationError({"parent": "A page can only sit under another page."})
            if self.pk is not None and node.pk == self.pk:
                raise ValidationError({"parent": "A page cannot sit under itself."})
            node = node.parent

    def save(self, *args: Any, **kwargs: Any) -> None:
        path = "/".join(p.slug for p in self.page_chain()) if self.kind == self.Kind.PAGE else ""
        changed = path != self.page_path
        self.page_path = path
        fields = kwargs.get("update_fields")
        if fields is not None and changed and "page_path" not in fields:
            kwargs["update_fields"] = [*fields, "page_path"]
        super().save(*args, **kwargs)
        if self.kind == self.Kind.PAGE and (changed or fields is None):
            # Subpages' addresses start with this one's.
            for child in Post.objects.filter(parent=self).exclude(page_path__startswith=f"{path}/"):
                child.parent = self
                child.save(update_fields=["page_path"])

    def shown_terms(self) -> list[Term]:
        """The post's terms of public taxonomies, read once per instance (and not at all for
        a post that has none)."""
        if not self.has_terms:
            return []
        found: list[Term] | None = self.__dict__.get("_shown_terms")
        if found is None:
            cached = getattr(self, "_prefetched_objects_cache", {}).get("terms")
            terms = cached if cached is not None else self.terms.select_related("taxonomy")
            found = [t for t in terms if t.taxonomy.is_public]
            self.__dict__["_shown_terms"] = found
        return found

    @property
    def post_format(self) -> Term | None:
        """The WordPress post format (aside, gallery, quote…), if the post has one."""
        return next((t for t in self.shown_terms() if t.taxonomy.name == POST_FORMAT), None)

    @property
    def filed_terms(self) -> list[Term]:
        """Its terms of public taxonomies other than the post format."""
        return [t for t in self.shown_terms() if t.taxonomy.name != POST_FORMAT]

    def get_absolute_url(self) -> str:
        if self.kind == self.Kind.PAGE:
            return reverse("by-slug", kwargs={"slug": self.page_path or self.slug})
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


class Menu(models.Model):
    """A navigation menu (from WordPress, or made here); the one ``in_header`` is shown at the
    top of every page."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True, allow_unicode=True)
    in_header = models.BooleanField(
        default=False, help_text="Show this menu in the site's header (one menu at most)."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["in_header"], condition=Q(in_header=True), name="one_header_menu"
            )
        ]

    def __str__(self) -> str:
        return self.name


class MenuItem(models.Model):
    """One link of a menu: to a post or page, a category, a tag, a term, or any address.
    Items nest under ``parent``; siblings are shown by ``order``."""

    menu = models.ForeignKey(Menu, on_delete=models.CASCADE, related_name="items")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    order = models.IntegerField(default=0)
    label = models.CharField(
        max_length=200, blank=True, help_text="Empty: the title or name of what it links to."
    )
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, null=True, blank=True, on_delete=models.CASCADE)
    term = models.ForeignKey(Term, null=True, blank=True, on_delete=models.CASCADE)
    url = models.CharField(
        max_length=1000,
        blank=True,
        help_text="For a link to anything else: an http(s) address or one on this site (/…).",
    )

    class Meta:
        ordering = ["menu", "order", "id"]

    def __str__(self) -> str:
        return self.text() or self.url

    def target(self) -> Post | Category | Tag | Term | None:
        return self.post or self.category or self.tag or self.term

    def text(self) -> str:
        if self.label:
            return self.label
        target = self.target()
        if isinstance(target, Post):
            return target.title
        return target.name if target is not None else ""

    def href(self) -> str:
        """Where the item points; empty when that is not readable (a draft, a bad address)."""
        target = self.target()
        if isinstance(target, Post):
            return target.get_absolute_url() if target.is_live else ""
        if target is not None:
            return target.get_absolute_url()
        url = self.url.strip()
        if url.startswith(("/", "#")) and not url.startswith("//"):
            return url
        return safe_url(url)
