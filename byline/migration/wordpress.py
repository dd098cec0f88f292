"""Importing a WordPress export (WXR 1.0–1.2): authors, terms, posts, pages, comments, old URLs.

Streaming: items are handled one at a time as the parser yields them, so memory is bounded by
the largest single post and its comments, never by the file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from byline.accounts.models import User
from byline.accounts.roles import AUTHOR
from byline.core.rendering import POST, render_body
from byline.discussion.models import Comment
from byline.migration.importing import (
    CountingReader,
    ImportReport,
    IncomingComment,
    Mapping,
    ProgressCallback,
    as_aware,
    clean_email,
    clean_ip,
    clean_line,
    clean_url,
    fingerprint,
    gmt,
    place_comments,
)
from byline.migration.models import Attachment, LegacyURL
from byline.migration.records import WxrAuthor, WxrComment, WxrItem, WxrSite, WxrTerm
from byline.migration.wxr import iter_wxr
from byline.publishing.models import BodyFormat, Category, Post, PostRevision, SlugRedirect, Tag
from byline.publishing.services import is_reserved_slug, unique_slug

# Post types that are WordPress's own machinery, not content: skipped, and counted.
_MACHINERY = {
    "revision", "nav_menu_item", "customize_changeset", "custom_css", "oembed_cache",
    "user_request", "wp_block", "wp_template", "wp_template_part", "wp_global_styles",
    "wp_navigation", "wp_font_family", "wp_font_face", "auto-draft",
}  # fmt: skip
_COMMENT_STATUS = {
    "1": Comment.Status.PUBLIC,
    "approve": Comment.Status.PUBLIC,
    "0": Comment.Status.PENDING,
    "hold": Comment.Status.PENDING,
    "spam": Comment.Status.SPAM,
    "trash": Comment.Status.REMOVED,
    "post-trashed": Comment.Status.REMOVED,
}
_COMMENT_KIND = {"pingback": Comment.Kind.PINGBACK, "trackback": Comment.Kind.TRACKBACK}
# Byline's own export writes these so that a round trip keeps what WordPress cannot hold.
MARKDOWN_META = "_byline_markdown"
NUMBER_META = "_byline_number"


def _number(values: list[str]) -> int | None:
    """A comment number carried over from a Byline export, if it is a sane one."""
    value = values[0].strip() if values else ""
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 10**9 else None


class WordPressImporter:
    """One run over one WXR file. Use ``import_wordpress``."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self.mapping = Mapping("wordpress:unknown")
        self.offset: timedelta | None = None
        self.authors_by_login: dict[str, int] = {}
        self.authors_by_id: dict[int, int] = {}
        self.pending_categories: list[WxrTerm] = []
        self.attachment_parents: list[tuple[int, int]] = []
        self.fallback_author: User | None = None
        # Terms are few and used by every post: look each up once per run.
        self.categories: dict[str, Category] = {}
        self.tags: dict[str, Tag] = {}

    # -- the channel header ------------------------------------------------------------------
    def site(self, site: WxrSite) -> None:
        base = (site.base_blog_url or site.link or site.base_site_url or "unknown").rstrip("/")
        self.mapping = Mapping(f"wordpress:{base}")

    def author(self, author: WxrAuthor) -> None:
        login = clean_line(author.login, 150) or f"author-{author.source_id}"
        email = clean_email(author.email)
        found = self.mapping.object_id("user", login)
        user = User.objects.filter(pk=found).first() if found else None
        if user is None:
            user = User.objects.filter(username__iexact=login).first()
        if user is None and email:
            user = User.objects.filter(email__iexact=email).first()
        if user is None:
            username = login
            n = 1
            while User.objects.filter(username=username).exists():
                n += 1
                username = f"{login}-{n}"
            user = User(
                username=username,
                email=email,
                display_name=clean_line(author.display_name, 150),
                first_name=clean_line(author.first_name, 150),
                last_name=clean_line(author.last_name, 150),
                is_staff=True,
            )
            # Imported people sign in after a password reset; nobody knows a password now.
            user.set_unusable_password()
            user.save()
            user.groups.add(Group.objects.get(name=AUTHOR))
            self.report.counts["authors_created"] += 1
        else:
            self.report.counts["authors_matched"] += 1
        self.mapping.remember("user", login, user.pk)
        self.authors_by_login[author.login] = user.pk
        if author.source_id is not None:
            self.authors_by_id[author.source_id] = user.pk
            self.mapping.remember("user_id", author.source_id, user.pk)

    def term(self, term: WxrTerm) -> None:
        if term.kind == "category":
            self.pending_categories.append(term)
        elif term.kind == "tag":
            self._tag(term.slug, term.name)

    # -- terms ---------------------------------------------------------------------------------
    def _tag(self, slug: str, name: str) -> Tag:
        slug = slugify(unquote(slug), allow_unicode=True)[:100] or slugify(name)[:100] or "tag"
        if slug in self.tags:
            return self.tags[slug]
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:
            tag = Tag.objects.filter(name=name[:100]).first() or Tag.objects.create(
                slug=slug, name=name[:100] or slug
            )
            self.report.counts["tags"] += 1
        self.tags[slug] = tag
        return tag

    def flush_categories(self) -> None:
        """Create categories parents first, whatever order the file listed them in."""
        by_slug = {unquote(t.slug): t for t in self.pending_categories}
        self.pending_categories = []
        done: dict[str, Category] = {}

        def make(slug: str, trail: frozenset[str] = frozenset()) -> Category:
            if slug in done:
                return done[slug]
            term = by_slug[slug]
            parent_slug = unquote(term.parent_slug)
            parent = None
            if parent_slug and parent_slug in by_slug and parent_slug not in trail:
                parent = make(parent_slug, trail | {slug})
            done[slug] = self._category(slug, term.name, parent, term.description)
            return done[slug]

        for slug in by_slug:
            make(slug)

    def _category(
        self, slug: str, name: str, parent: Category | None, description: str = ""
    ) -> Category:
        clean = slugify(slug, allow_unicode=True)[:100] or "category"
        found_id = self.mapping.object_id("category", slug)
        category = Category.objects.filter(pk=found_id).first() if found_id else None
        if category is None:
            category = Category.objects.filter(slug=clean, parent=parent).first()
        if category is None:
            category = Category(slug=clean, name=name[:100] or clean, parent=parent)
            category.description = description
            category.save()
            self.report.counts["categories"] += 1
        self.mapping.remember("category", slug, category.pk)
        return category

    def _category_for(self, nicename: str, label: str) -> Category:
        slug = unquote(nicename)
        if slug not in self.categories:
            found_id = self.mapping.object_id("category", slug)
            found = Category.objects.filter(pk=found_id).first() if found_id else None
            self.categories[slug] = found or self._category(slug, label, None)
        return self.categories[slug]

    # -- items ---------------------------------------------------------------------------------
    def item(self, item: WxrItem) -> None:
        if self.pending_categories:
            self.flush_categories()
        if self.offset is None and item.date_local and item.date_gmt:
            seconds = (item.date_local - item.date_gmt).total_seconds()
            self.offset = timedelta(minutes=round(seconds / 900) * 15)
        kind = item.post_type or "post"
        if kind in ("post", "page"):
            self._post(item)
        elif kind == "attachment":
            self._attachment(item)
        elif kind in _MACHINERY:
            self.report.counts[f"skipped_{kind}"] += 1
        else:
            self.report.counts[f"unknown_type_{kind}"] += 1
            self.report.note(
                f"Items of type “{kind}” are not something Byline publishes; they were "
                "skipped (see the counts)."
            )

    def _when(self, local: datetime | None, utc: datetime | None) -> datetime | None:
        return gmt(utc) if utc is not None else as_aware(local, self.offset)

    def _post(self, item: WxrItem) -> None:
        published = self._when(item.date_local, item.date_gmt)
        status = {
            "publish": Post.Status.PUBLISHED,
            "future": Post.Status.PUBLISHED,
            "private": Post.Status.PRIVATE,
        }.get(item.status, Post.Status.DRAFT)
        if item.status in ("trash", "pending"):
            self.report.counts[f"{item.status}_posts_as_drafts"] += 1
        markdown = item.meta.get(MARKDOWN_META, [])
        body, body_format = (
            (markdown[0], BodyFormat.MARKDOWN) if markdown else (item.content, BodyFormat.WORDPRESS)
        )
        author_id = self.authors_by_login.get(item.author_login) or self._fallback_author().pk
        slug_source = unquote(item.slug or "")
        print_ = fingerprint(
            item.title, slug_source, status, body, body_format, item.excerpt, str(published),
            item.comment_status, item.is_sticky, sorted(item.terms), author_id,
            item.meta.get("_wp_old_slug", []), item.post_type,
        )  # fmt: skip
        found = self.mapping.get("post", item.source_id)
        post = Post.objects.filter(pk=found.object_id).first() if found else None
        created = False
        if post is not None and found is not None and found.fingerprint == print_:
            self.report.counts["posts_unchanged"] += 1
        else:
            created = post is None
            post = post or Post()
            post.title = item.title[:300] or "(untitled)"
            wanted = slugify(slug_source, allow_unicode=True)[:200] if slug_source else ""
            previous_slug = post.slug
            if previous_slug and (
                previous_slug == wanted or previous_slug.startswith(f"{wanted}-")
            ):
                wanted = previous_slug  # unchanged at the source: keep the address people use
            elif (
                not wanted
                or is_reserved_slug(wanted)
                or Post.objects.filter(slug=wanted).exclude(pk=post.pk).exists()
            ):
                wanted = unique_slug(wanted or item.title or "post", exclude_pk=post.pk)
            post.slug = wanted
            if previous_slug and previous_slug != wanted and post.is_live:
                SlugRedirect.objects.update_or_create(
                    old_slug=previous_slug, defaults={"post": post}
                )
            post.kind = Post.Kind.PAGE if item.post_type == "page" else Post.Kind.POST
            post.author_id = author_id
            post.status = status
            post.published_at = published
            post.excerpt = item.excerpt
            post.body = body
            post.body_format = body_format
            post.body_html = render_body(body, body_format, POST)
            post.comments_open = item.comment_status != "closed"
            post.is_sticky = item.is_sticky
            post.save()
            if created and published is not None:
                Post.objects.filter(pk=post.pk).update(created_at=published)
            PostRevision.objects.create(
                post=post, title=post.title, slug=post.slug, excerpt=post.excerpt,
                body=post.body, status=post.status, published_at=post.published_at,
            )  # fmt: skip
            self.mapping.remember("post", item.source_id, post.pk, print_)
            self.report.counts["posts_added" if created else "posts_updated"] += 1
            self._terms(post, item, fresh=created)
            self._old_urls(post, item)
        self._comments(post, item.comments, fresh=created)

    def _fallback_author(self) -> User:
        """Posts whose author is missing from the file go to the first superuser."""
        if self.fallback_author is None:
            user = User.objects.filter(is_superuser=True).order_by("pk").first()
            if user is None:
                user, _ = User.objects.get_or_create(
                    username="imported", defaults={"display_name": "Imported"}
                )
            self.fallback_author = user
            self.report.note(f"Posts with no known author were given to “{user.username}”.")
        return self.fallback_author

    def _terms(self, post: Post, item: WxrItem, *, fresh: bool) -> None:
        categories, tags = [], []
        for domain, nicename, label in item.terms:
            if domain == "category":
                categories.append(self._category_for(nicename, label))
            elif domain == "post_tag":
                tags.append(self._tag(nicename, label))
        if fresh:  # nothing to compare with: one INSERT each
            post.categories.add(*categories)
            post.tags.add(*tags)
        else:
            post.categories.set(categories)
            post.tags.set(tags)

    def _old_urls(self, post: Post, item: WxrItem) -> None:
        paths = {f"/?{'page_id' if item.post_type == 'page' else 'p'}={item.source_id}"}
        for address in (item.link, item.guid):
            parts = urlsplit(address or "")
            if parts.path and parts.path != "/":
                # Stored decoded, as Django's request.path is (/archives/привет/).
                paths.add(unquote(parts.path))
            elif parts.query.startswith(("p=", "page_id=")):
                paths.add(f"/?{parts.query}")
        current = post.get_absolute_url()
        # Upserts: one statement each, whether the address is new or moved to this post.
        LegacyURL.objects.bulk_create(
            [LegacyURL(path=path[:500], post=post) for path in sorted(paths) if path != current],
            update_conflicts=True,
            unique_fields=["path"],
            update_fields=["post"],
        )
        olds = {unquote(old)[:200] for old in item.meta.get("_wp_old_slug", [])} - {"", post.slug}
        if olds:
            olds -= set(Post.objects.filter(slug__in=olds).values_list("slug", flat=True))
            SlugRedirect.objects.bulk_create(
                [SlugRedirect(old_slug=old, post=post) for old in sorted(olds)],
                update_conflicts=True,
                unique_fields=["old_slug"],
                update_fields=["post"],
            )

    def _attachment(self, item: WxrItem) -> None:
        url = clean_url(item.attachment_url or item.guid)
        if not url:
            self.report.counts["attachments_without_address"] += 1
            return
        found = self.mapping.get("attachment", item.source_id)
        attachment = Attachment.objects.filter(pk=found.object_id).first() if found else None
        attachment = attachment or Attachment()
        attachment.url = url
        attachment.title = item.title[:300]
        attachment.uploaded_at = self._when(item.date_local, item.date_gmt)
        attachment.save()
        self.mapping.remember("attachment", item.source_id, attachment.pk)
        if item.parent_source_id:
            self.attachment_parents.append((attachment.pk, item.parent_source_id))
        self.report.counts["attachments"] += 1

    def _comments(self, post: Post, comments: list[WxrComment], *, fresh: bool) -> None:
        incoming = []
        for c in comments:
            created = self._when(c.date_local, c.date_gmt) or post.published_at or timezone.now()
            markdown = c.meta.get(MARKDOWN_META, [])
            incoming.append(
                IncomingComment(
                    origin_id=f"wp:{c.source_id}",
                    origin_number=c.source_id,
                    parent_origin_id=f"wp:{c.parent_source_id}" if c.parent_source_id else None,
                    created_at=created,
                    status=_COMMENT_STATUS.get(c.approved, Comment.Status.PENDING),
                    kind=_COMMENT_KIND.get(c.type, Comment.Kind.COMMENT),
                    author_name=clean_line(c.author_name, 100),
                    author_email=clean_email(c.author_email),
                    author_url=clean_url(c.author_url),
                    ip_address=clean_ip(c.author_ip),
                    user_id=self.authors_by_id.get(c.user_id) if c.user_id else None,
                    body=markdown[0] if markdown else c.content,
                    body_format=BodyFormat.MARKDOWN if markdown else BodyFormat.WORDPRESS,
                    number=_number(c.meta.get(NUMBER_META, [])),
                )
            )
        place_comments(post, incoming, self.report, fresh=fresh)

    def finish(self) -> None:
        if self.pending_categories:
            self.flush_categories()
        for attachment_pk, parent in self.attachment_parents:
            post_id = self.mapping.object_id("post", parent)
            if post_id:
                Attachment.objects.filter(pk=attachment_pk).update(post_id=post_id)
        if self.offset is None:
            self.report.note(
                "The file gave no GMT dates to work out its time zone; local times were read "
                "as UTC."
            )


def import_wordpress(path: str | Path, *, progress: ProgressCallback | None = None) -> ImportReport:
    """Import a WXR file in one transaction: all of it, or (on an error) nothing.

    Raises ``ArchiveError`` naming the line and column where the file is broken.
    """
    report = ImportReport()
    importer = WordPressImporter(report)
    total = os.path.getsize(path)
    with open(path, "rb") as raw, transaction.atomic():
        reader = CountingReader(raw, total, report, progress)
        for record in _records(reader):
            if isinstance(record, WxrSite):
                importer.site(record)
            elif isinstance(record, WxrAuthor):
                importer.author(record)
            elif isinstance(record, WxrTerm):
                importer.term(record)
            elif isinstance(record, WxrItem):
                importer.item(record)
        importer.finish()
    if progress is not None:
        progress(total, total, report)
    return report


def _records(reader: CountingReader) -> Iterator[object]:
    yield from iter_wxr(reader)  # type: ignore[arg-type]
