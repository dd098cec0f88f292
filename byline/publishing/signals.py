"""What a change to posts, categories and tags drops from the page cache."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from byline.core import pagecache
from byline.publishing.models import Category, Post, Tag


def _post_changed(sender: type[Post], instance: Post, **kwargs: Any) -> None:
    # Its own pages, and every listing, feed and sitemap it may appear in.
    pagecache.invalidate(pagecache.post_part(instance.pk), pagecache.LISTS)


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
    for through in (Post.categories.through, Post.tags.through):
        m2m_changed.connect(_filing_changed, sender=through, dispatch_uid=f"pagecache-{through}")
    for model in (Category, Tag):
        post_save.connect(_names_changed, sender=model, dispatch_uid=f"pagecache-{model}-save")
        post_delete.connect(_names_changed, sender=model, dispatch_uid=f"pagecache-{model}-del")
