"""Every change to a post goes through here: admin, CLI, demo loader and (later) the API.

Each function checks permission, keeps a revision, and keeps old addresses working, so no
interface can forget one of those.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from byline.accounts.models import User
from byline.core.rendering import POST, render_body
from byline.publishing.models import Category, Post, PostRevision, SlugRedirect, Tag


def can_edit_post(user: User, post: Post) -> bool:
    """May ``user`` change ``post``? Authors their own, editors everybody's."""
    if not user.is_active:
        return False
    if user.is_superuser or user.has_perm("publishing.edit_others_posts"):
        return True
    own = post.author_id is None or post.author_id == user.pk
    return own and user.has_perm("publishing.change_post" if post.pk else "publishing.add_post")


def can_publish(user: User) -> bool:
    """May ``user`` make a post public or schedule it?"""
    return user.is_active and (user.is_superuser or user.has_perm("publishing.publish_post"))


# A page lives at /<slug>/, so it must not shadow the site's own addresses; all-digit slugs
# would be read as a year.
RESERVED_SLUGS = frozenset(
    {"admin", "accounts", "feed", "session", "comments", "category", "tag", "author",
     "preview", "static", "sitemap-xml", "moderation", "api"}
)  # fmt: skip


def is_reserved_slug(slug: str) -> bool:
    return slug in RESERVED_SLUGS or slug.isdigit()


def unique_slug(text: str, *, exclude_pk: int | None = None) -> str:
    """A slug from ``text`` that no other post uses now (``open-thread``, ``open-thread-2``…)."""
    base = slugify(text, allow_unicode=True)[:190] or "post"
    candidate, n = base, 1
    taken = Post.objects.all()
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    while is_reserved_slug(candidate) or taken.filter(slug=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


@transaction.atomic
def save_post(
    post: Post,
    *,
    by: User,
    categories: Iterable[Category] | None = None,
    tags: Iterable[Tag] | None = None,
) -> Post:
    """Validate and save ``post`` as ``by``, keeping a revision and any old address.

    Raises ``PermissionDenied`` when ``by`` may not make this change and ``ValidationError``
    with a readable message when the post is incomplete.
    """
    previous = Post.objects.select_for_update().filter(pk=post.pk).first() if post.pk else None
    if post.author_id is None:
        post.author = by
    if not can_edit_post(by, previous or post):
        raise PermissionDenied("You may only edit your own posts.")
    if (
        previous is not None
        and previous.author_id != post.author_id
        and not (by.is_superuser or by.has_perm("publishing.edit_others_posts"))
    ):
        raise PermissionDenied("Only an editor can give a post to another author.")
    going_public = post.status == Post.Status.PUBLISHED and (
        previous is None
        or previous.status != Post.Status.PUBLISHED
        or previous.published_at != post.published_at
    )
    if going_public and not can_publish(by):
        raise PermissionDenied("You may save drafts but not publish or schedule them.")

    if not post.title.strip():
        raise ValidationError({"title": "A post needs a title."})
    if not post.slug:
        post.slug = unique_slug(post.title, exclude_pk=post.pk)
    elif is_reserved_slug(post.slug):
        raise ValidationError(
            {"slug": f"“{post.slug}” is one of the site's own addresses; please choose another."}
        )
    if post.status == Post.Status.PUBLISHED and post.published_at is None:
        post.published_at = timezone.now()
    post.full_clean(exclude=["body_html", "categories", "tags"])
    post.body_html = render_body(post.body, post.body_format, POST)
    post.save()

    if categories is not None:
        post.categories.set(categories)
    if tags is not None:
        post.tags.set(tags)

    # Once a post has been public its address may be linked from anywhere: remember it.
    if previous is not None and previous.slug != post.slug and previous.published_at is not None:
        SlugRedirect.objects.update_or_create(old_slug=previous.slug, defaults={"post": post})
    SlugRedirect.objects.filter(old_slug=post.slug).delete()

    PostRevision.objects.create(
        post=post,
        title=post.title,
        slug=post.slug,
        excerpt=post.excerpt,
        body=post.body,
        status=post.status,
        published_at=post.published_at,
        saved_by=by,
    )
    return post


def publish_post(post: Post, *, by: User, at: datetime | None = None) -> Post:
    """Publish now, or schedule for ``at`` when it lies in the future."""
    post.status = Post.Status.PUBLISHED
    post.published_at = at or timezone.now()
    return save_post(post, by=by)


def restore_revision(revision: PostRevision, *, by: User) -> Post:
    """Put a revision's text back; this itself becomes a new revision."""
    post = revision.post
    post.title, post.excerpt, post.body = revision.title, revision.excerpt, revision.body
    return save_post(post, by=by)
