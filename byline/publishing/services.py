"""Every change to a post goes through here: admin, CLI, demo loader, the importer and (later)
the API.

Each function checks permission, keeps a revision, and keeps old addresses working, so no
interface can forget one of those. The importer writes as :data:`SYSTEM`, an actor that may do
anything and is named on no revision; everything else a save does happens for it too.
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
from byline.publishing.models import Category, Post, PostRevision, SlugRedirect, Tag, Term


class SystemActor:
    """Byline itself writing (an import): passes every permission check, signs no revision."""

    is_active = True
    is_superuser = True
    pk = None

    def has_perm(self, perm: str) -> bool:
        return True

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()
Actor = User | SystemActor


def can_edit_post(user: Actor, post: Post) -> bool:
    """May ``user`` change ``post``? Authors their own, editors everybody's."""
    if not user.is_active:
        return False
    if user.is_superuser or user.has_perm("publishing.edit_others_posts"):
        return True
    own = post.author_id is None or post.author_id == user.pk
    return own and user.has_perm("publishing.change_post" if post.pk else "publishing.add_post")


def can_publish(user: Actor) -> bool:
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
    by: Actor,
    categories: Iterable[Category] | None = None,
    tags: Iterable[Tag] | None = None,
    terms: Iterable[Term] | None = None,
) -> Post:
    """Validate and save ``post`` as ``by``, keeping a revision and any old address.

    Raises ``PermissionDenied`` when ``by`` may not make this change and ``ValidationError``
    with a readable message when the post is incomplete. As :data:`SYSTEM` (an import) a post
    may have an empty body, as it had on the site it came from.
    """
    previous = Post.objects.select_for_update().filter(pk=post.pk).first() if post.pk else None
    if post.author_id is None:
        if isinstance(by, SystemActor):
            raise ValidationError({"author": "An imported post needs an author."})
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
    unchecked = ["body_html", "categories", "tags", "terms"]
    if isinstance(by, SystemActor):
        # An import keeps what the file has (an empty body); it names an author it has just
        # found or made, so the database's own check of that reference is enough.
        unchecked += ["body", "author"]
    post.full_clean(exclude=unchecked)
    post.body_html = render_body(post.body, post.body_format, POST, post_id=post.pk)
    post.save()

    # A new post has nothing to compare with: add, which skips reading what is there.
    if previous is None:
        post.categories.add(*(categories or []))
        post.tags.add(*(tags or []))
        post.terms.add(*(terms or []))
    else:
        if categories is not None:
            post.categories.set(categories)
        if tags is not None:
            post.tags.set(tags)
        if terms is not None:
            post.terms.set(terms)

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
        saved_by=by if isinstance(by, User) else None,
    )
    return post


def render_again(post: Post) -> Post:
    """Render ``post``'s stored body again, for what it shows besides its text: the images
    of a WordPress ``[gallery]`` once the import has recorded them. Not a revision."""
    html = render_body(post.body, post.body_format, POST, post_id=post.pk)
    if html != post.body_html:
        post.body_html = html
        post.save(update_fields=["body_html", "updated_at"])  # updated_at: memo keys
    return post


@transaction.atomic
def move_page(page: Post, parent: Post | None, *, by: Actor) -> Post:
    """Put ``page`` under ``parent`` (None: at the top). Its address, and its subpages',
    become the nested one; the old address keeps answering (``publishing.views.by_slug``
    redirects any path that ends in a page's slug). Not a revision: the text is unchanged."""
    if not can_edit_post(by, page):
        raise PermissionDenied("You may only edit your own posts.")
    if page.parent_id == (parent.pk if parent else None):
        return page
    page.parent = parent
    page.clean()
    page.save(update_fields=["parent", "page_path", "updated_at"])
    return page


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
