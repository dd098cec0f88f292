"""What a change to posts, categories, tags, terms and menus drops from the page cache."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.db.models.signals import m2m_changed, post_delete, post_save

from byline.core import pagecache
from byline.publishing.models import Category, Menu, MenuItem, Post, Tag, Taxonomy, Term


def _post_changed(sender: type[Post], instance: Post, **kwargs: Any) -> None:
    # Its own pages, and every listing, feed and sitemap it may appear in.
    pagecache.invalidate(pagecache.post_part(instance.pk), pagecache.LISTS)
    if pagecache.held(pagecache.SITE):
        return  # every page goes anyway (an import)
    if instance.pk is not None and MenuItem.objects.filter(post_id=instance.pk).exists():
        # The header menu shows its title and address on every page.
        pagecache.invalidate(pagecache.SITE)


def _terms_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    """Keep ``Post.has_terms``, which lets posts without terms skip reading them."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    through = Post.terms.through
    posts = Post.objects.all()
    if isinstance(instance, Post):
        posts = posts.filter(pk=instance.pk)
    elif kwargs.get("pk_set"):
        posts = posts.filter(pk__in=kwargs["pk_set"])
    posts.update(has_terms=Exists(through.objects.filter(post_id=OuterRef("pk"))))
    if isinstance(instance, Post):
        instance.has_terms = through.objects.filter(post_id=instance.pk).exists()


def _filing_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, Post):
        _post_changed(Post, instance)
    else:  # a category or tag whose posts changed: lists and those posts' bylines
        pagecache.invalidate(pagecache.SITE)


def _names_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Category and tag names show on every post filed under them and in every listing.
    pagecache.invalidate(pagecache.SITE)


def connect() -> None:
    post_save.connect(_post_changed, sender=Post, dispatch_uid="pagecache-post-save")
    post_delete.connect(_post_changed, sender=Post, dispatch_uid="pagecache-post-delete")
    for through in (Post.categories.through, Post.tags.through, Post.terms.through):
        m2m_changed.connect(_filing_changed, sender=through, dispatch_uid=f"pagecache-{through}")
    m2m_changed.connect(_terms_changed, sender=Post.terms.through, dispatch_uid="post-has-terms")
    # Names shown on posts and in listings; menus shown in every page's header.
    for model in (Category, Tag, Taxonomy, Term, Menu, MenuItem):
        post_save.connect(_names_changed, sender=model, dispatch_uid=f"pagecache-{model}-save")
        post_delete.connect(_names_changed, sender=model, dispatch_uid=f"pagecache-{model}-del")
