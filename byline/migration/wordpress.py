"""Importing a WordPress export (WXR 1.0–1.2): authors, terms, posts, pages, comments, old URLs,
page parents, custom taxonomies and post formats, navigation menus, attachments' old pages.

Streaming: items are handled one at a time as the parser yields them, so memory is bounded by
the largest single post and its comments, never by the file. What links items to each other
(a page's parent, an attachment's post, a menu's items, a gallery's images) may come later in
the file, so it is settled in ``finish``; only those small references are kept until then.

Posts are written through ``publishing.services.save_post`` as ``SYSTEM``: the same
validation, rendering, revisions and slug redirects as a post written in the admin.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from byline.accounts.models import User
from byline.accounts.roles import AUTHOR
from byline.core import pagecache
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
    refuse,
)
from byline.migration.media import guess_mime_type
from byline.migration.models import Attachment, LegacyURL
from byline.migration.records import (
    RefusedRecord,
    WxrAuthor,
    WxrComment,
    WxrItem,
    WxrSite,
    WxrTerm,
)
from byline.migration.wpcontent import html_to_text
from byline.migration.wxr import iter_wxr
from byline.publishing.models import (
    POST_FORMAT,
    BodyFormat,
    Category,
    Menu,
    MenuItem,
    Post,
    SlugRedirect,
    Tag,
    Taxonomy,
    Term,
)
from byline.publishing.services import (
    SYSTEM,
    is_reserved_slug,
    move_page,
    render_again,
    save_post,
    unique_slug,
)

# Post types that are WordPress's own machinery, not content: skipped, and counted
# (nav_menu_item and wp_navigation are not: they become menus).
_MACHINERY = {
    "revision", "customize_changeset", "custom_css", "oembed_cache", "user_request",
    "wp_block", "wp_template", "wp_template_part", "wp_global_styles", "wp_font_family",
    "wp_font_face", "auto-draft",
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
ORIGIN_META = "_byline_origin"  # a comment's origin when not this file (dsq:…)
ALIAS_META = "_byline_origin_alias"  # its id in a second archive, other than dsq_post_id's
MISSING_PARENT_META = "_byline_missing_parent"  # the origin of a reply's lost parent
LEGACY_META = "_byline_legacy_url"  # an old address of a post or attachment, one per value
IN_HEADER_META = "_byline_in_header"  # on a nav_menu term: the menu shown in the header
TAXONOMY_META = "_byline_taxonomy"  # on a term: its taxonomy's label, address, public (JSON)
# Taxonomies that are WordPress's own machinery rather than a way of filing posts.
_INTERNAL_TAXONOMIES = {
    "link_category", "wp_theme", "wp_template_part_area", "wp_pattern_category",
}  # fmt: skip
# Public archives of a taxonomy live at /<slug>/<term>/; post formats at /type/<format>/ as on
# WordPress.
_TAXONOMY_SLUGS = {POST_FORMAT: "type"}
_TAXONOMY_LABELS = {POST_FORMAT: "Format"}
_FORMAT_PREFIX = "post-format-"
# A menu with one of these words in its name is the one a theme most likely showed on top.
_HEADER_WORDS = ("primary", "main", "header", "top", "navigation")


@dataclass
class _MenuEntry:
    """A nav_menu_item, kept until every post, term and menu of the file is known."""

    source_id: int
    menu: str  # the nav_menu term's slug
    parent: int  # the parent item's id, 0 at the top
    order: int
    label: str
    type: str  # post_type, taxonomy, custom, post_type_archive
    object: str  # page, post, category, post_tag, custom, a taxonomy's name
    object_id: int | None
    url: str


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
        self.taxonomies: dict[str, Taxonomy] = {}
        self.terms: dict[tuple[str, str], Term] = {}
        self.pending_terms: list[WxrTerm] = []
        # WordPress term ids (what menu items point at) → what they became, per taxonomy.
        self.term_ids: dict[tuple[str, int], Category | Tag | Term] = {}
        self.menus: dict[str, Menu] = {}
        self.header_menu: Menu | None = None  # the file says which (a Byline export)
        self.menu_entries: list[_MenuEntry] = []
        # Block themes' menus (wp_navigation items): (id, title, slug, block markup).
        self.navigations: list[tuple[int, str, str, str]] = []
        self.page_ids: list[tuple[int, int]] = []  # (WordPress id, parent's id) of each page
        self.page_parents: list[tuple[int, int]] = []  # (page pk, parent's WordPress id)
        self.galleries: list[int] = []  # posts whose [gallery] waits for the attachments
        self.attachment_links: list[tuple[int, list[str]]] = []  # (attachment pk, old paths)
        self.base_host = ""

    # -- the channel header ------------------------------------------------------------------
    def site(self, site: WxrSite) -> None:
        base = (site.base_blog_url or site.link or site.base_site_url or "unknown").rstrip("/")
        self.mapping = Mapping(f"wordpress:{base}")
        self.base_host = urlsplit(base).netloc.lower()

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
            tag = self._tag(term.slug, term.name)
            if term.source_id is not None:
                self.term_ids[("post_tag", term.source_id)] = tag
                self.mapping.remember("tag_id", term.source_id, tag.pk)
        elif term.kind == "nav_menu":
            self._menu(term)
        elif term.kind in _INTERNAL_TAXONOMIES:
            self.report.counts[f"skipped_terms_{term.kind}"] += 1
        else:
            self.pending_terms.append(term)

    # -- terms ---------------------------------------------------------------------------------
    def _tag(self, slug: str, name: str) -> Tag:
        name = clean_line(html_to_text(name), 100)
        slug = slugify(unquote(slug), allow_unicode=True)[:100] or slugify(name)[:100] or "tag"
        if slug in self.tags:
            return self.tags[slug]
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:
            tag = Tag.objects.filter(name=name or slug).first()
            if tag is not None:
                # Byline's tag names are unique; WordPress allows two slugs for one name.
                self.report.counts["tags_merged_same_name"] += 1
                self.report.note(
                    "Some tags had the same name as another tag under a different slug; each "
                    "was merged into the tag of that name (see the counts)."
                )
            else:
                tag = Tag.objects.create(slug=slug, name=name or slug)
                self.report.counts["tags"] += 1
        self.tags[slug] = tag
        return tag

    def _taxonomy(self, name: str, described: str = "") -> Taxonomy:
        """The taxonomy called ``name``, created the first time (as ``described`` by a Byline
        export: its label, address and whether it is public; else from its name)."""
        found = self.taxonomies.get(name)
        if found is None:
            found = Taxonomy.objects.filter(name=name[:32]).first()
            if found is None:
                spec = _taxonomy_spec(described)
                wanted = str(spec.get("slug") or "") or _TAXONOMY_SLUGS.get(name)
                wanted = slugify(wanted or name.replace("_", "-"), allow_unicode=True)[:100]
                slug, n = wanted or "terms", 1
                while is_reserved_slug(slug) or Taxonomy.objects.filter(slug=slug).exists():
                    n += 1
                    slug = f"{wanted}-{n}"
                label = str(spec.get("label") or "") or _TAXONOMY_LABELS.get(name)
                label = label or name.replace("_", " ").replace("-", " ").capitalize()
                found = Taxonomy.objects.create(
                    name=name[:32],
                    slug=slug,
                    label=clean_line(label, 100),
                    is_public=spec.get("public", True) is not False,
                )
                self.report.counts["taxonomies"] += 1
            self.taxonomies[name] = found
        return found

    def _term(self, taxonomy_name: str, nicename: str, label: str, description: str = "") -> Term:
        """A term of a custom taxonomy or a post format, created the first time it is seen."""
        slug = unquote(nicename)
        if taxonomy_name == POST_FORMAT and slug.startswith(_FORMAT_PREFIX):
            slug = slug[len(_FORMAT_PREFIX) :]  # post-format-aside → /type/aside/
        key = (taxonomy_name, slug)
        if key not in self.terms:
            taxonomy = self._taxonomy(taxonomy_name)
            clean = slugify(slug, allow_unicode=True)[:200] or slugify(label)[:200] or "term"
            if clean.isdigit():
                clean = f"{clean}-2"  # an all-digit segment is an old numeric address here
            term = Term.objects.filter(taxonomy=taxonomy, slug=clean).first()
            if term is None:
                name = clean_line(html_to_text(label), 200) or clean
                term = Term.objects.create(
                    taxonomy=taxonomy, slug=clean, name=name, description=description
                )
                self.report.counts["terms"] += 1
            self.terms[key] = term
        return self.terms[key]

    def flush_terms(self) -> None:
        """Create the declared terms of other taxonomies, then link children to parents."""
        pending, self.pending_terms = self.pending_terms, []
        made: dict[tuple[str, str], Term] = {}
        for wxr in pending:
            if TAXONOMY_META in wxr.meta and wxr.kind not in self.taxonomies:
                self._taxonomy(wxr.kind, wxr.meta[TAXONOMY_META][0])
            term = self._term(wxr.kind, wxr.slug, wxr.name, wxr.description)
            made[(wxr.kind, unquote(wxr.slug))] = term
            if wxr.source_id is not None:
                self.term_ids[(wxr.kind, wxr.source_id)] = term
                self.mapping.remember("term_id", wxr.source_id, term.pk)
        for wxr in pending:
            parent = made.get((wxr.kind, unquote(wxr.parent_slug))) if wxr.parent_slug else None
            term = made[(wxr.kind, unquote(wxr.slug))]
            if parent is not None and parent.pk != term.pk and term.parent_id != parent.pk:
                term.parent = parent
                term.save(update_fields=["parent"])

    def _menu(self, term: WxrTerm) -> None:
        key = term.source_id if term.source_id is not None else term.slug
        menu = self._make_menu(key, term.slug, term.name)
        self.menus[term.slug] = menu
        if term.meta.get(IN_HEADER_META, [""])[0].strip() == "1":
            self.header_menu = menu

    def _make_menu(self, key: object, slug: str, label: str) -> Menu:
        found = self.mapping.object_id("menu", key)
        menu = Menu.objects.filter(pk=found).first() if found else None
        if menu is None:
            name = clean_line(html_to_text(label), 100) or slug or "Menu"
            wanted = slugify(unquote(slug) or name, allow_unicode=True)[:100] or "menu"
            slug, n = wanted, 1
            while Menu.objects.filter(slug=slug).exists():
                n += 1
                slug = f"{wanted}-{n}"
            menu = Menu.objects.create(name=name, slug=slug)
            self.report.counts["menus"] += 1
        self.mapping.remember("menu", key, menu.pk)
        return menu

    def _navigation_menus(self) -> None:
        """Block themes keep a menu as a ``wp_navigation`` item of navigation blocks: links,
        submenus and "all pages". Each becomes a menu like a classic one; its items get ids of
        their own (negative: WordPress gave them none)."""
        for source_id, title, slug, content in self.navigations:
            key = f"wp_navigation:{source_id}"
            self.menus[key] = self._make_menu(f"nav{source_id}", slug, title or "Navigation")
            self.report.counts["navigation_menus"] += 1
            base = -source_id * 10_000
            parents = [0]  # the open submenus, innermost last
            for n, block in enumerate(_NAV_BLOCK.finditer(content), start=1):
                closing, name, attrs, void = block.groups()
                if closing:
                    if len(parents) > 1:
                        parents.pop()
                    continue
                if name == "page-list":
                    self._page_list(key, base - 5_000, parents[-1], n)
                    continue
                entry = _navigation_entry(key, base - n, parents[-1], n, _json_attrs(attrs))
                if name == "home-link":
                    entry.url, entry.label = "/", entry.label or "Home"
                self.menu_entries.append(entry)
                if name == "navigation-submenu" and not void:
                    parents.append(entry.source_id)

    def _page_list(self, menu: str, base: int, parent: int, order: int) -> None:
        """The "page list" block: every page, nested as the pages are."""
        ids = {page: base - i for i, (page, _) in enumerate(self.page_ids)}
        for i, (page, page_parent) in enumerate(self.page_ids):
            self.menu_entries.append(
                _MenuEntry(
                    source_id=ids[page],
                    menu=menu,
                    parent=ids.get(page_parent, parent),
                    order=order * 1_000 + i,
                    label="",
                    type="post_type",
                    object="page",
                    object_id=page,
                    url="",
                )
            )

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
            if term.source_id is not None:
                self.term_ids[("category", term.source_id)] = done[slug]
                self.mapping.remember("category_id", term.source_id, done[slug].pk)
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
            name = clean_line(html_to_text(name), 100)
            category = Category(slug=clean, name=name or clean, parent=parent)
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
        if self.pending_terms:
            self.flush_terms()
        if self.offset is None and item.date_local and item.date_gmt:
            seconds = (item.date_local - item.date_gmt).total_seconds()
            self.offset = timedelta(minutes=round(seconds / 900) * 15)
        kind = item.post_type or "post"
        if kind in ("post", "page"):
            self._post(item)
        elif kind == "attachment":
            self._attachment(item)
        elif kind == "nav_menu_item":
            self._menu_entry(item)
        elif kind == "wp_navigation":
            self.navigations.append((item.source_id, item.title, item.slug, item.content))
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
            # Read since the fingerprint was introduced: only in it when present, so that
            # re-importing an older import's file still finds its posts unchanged.
            *([f"password:{item.password}"] if item.password else []),
            *([f"legacy:{v}" for v in item.meta[LEGACY_META]] if LEGACY_META in item.meta else []),
        )  # fmt: skip
        found = self.mapping.get("post", item.source_id)
        post = Post.objects.filter(pk=found.object_id).first() if found else None
        created = False
        if post is not None and found is not None and found.fingerprint == print_:
            self.report.counts["posts_unchanged"] += 1
        else:
            created = post is None
            post = post or Post()
            # WordPress titles are HTML; Byline's are plain text, shown escaped everywhere.
            post.title = clean_line(html_to_text(item.title), 300) or "(untitled)"
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
            post.kind = Post.Kind.PAGE if item.post_type == "page" else Post.Kind.POST
            post.author_id = author_id
            post.status = status
            post.published_at = published
            # Excerpts too are plain text here (a lede), HTML in WordPress.
            post.excerpt = html_to_text(item.excerpt).strip()
            post.body = body
            post.body_format = body_format
            post.comments_open = item.comment_status != "closed"
            post.is_sticky = item.is_sticky
            post.password = item.password[:255]
            categories, tags, terms = self._terms(item)
            # The service validates, renders, keeps a revision and a redirect from a changed
            # slug, exactly as for a post written here.
            try:
                save_post(post, by=SYSTEM, categories=categories, tags=tags, terms=terms)
            except ValidationError as error:  # rolled back to before this post; the rest goes on
                label = f"{item.post_type} {item.source_id} ({post.title!r})"
                refuse(self.report, "posts", label, "; ".join(error.messages))
                return
            if created and published is not None:
                Post.objects.filter(pk=post.pk).update(created_at=published)
            self.mapping.remember("post", item.source_id, post.pk, print_)
            self.report.counts["posts_added" if created else "posts_updated"] += 1
            self._old_urls(post, item)
            if "[gallery" in body and body_format == BodyFormat.WORDPRESS:
                self.galleries.append(post.pk)
        if post.kind == Post.Kind.PAGE:
            self.page_parents.append((post.pk, item.parent_source_id or 0))
            self.page_ids.append((item.source_id, item.parent_source_id or 0))
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

    def _terms(self, item: WxrItem) -> tuple[list[Category], list[Tag], list[Term]]:
        categories, tags, terms = [], [], []
        for domain, nicename, label in item.terms:
            if domain == "category":
                categories.append(self._category_for(nicename, label))
            elif domain == "post_tag":
                tags.append(self._tag(nicename, label))
            elif domain and domain != "nav_menu" and domain not in _INTERNAL_TAXONOMIES:
                terms.append(self._term(domain, nicename, label))
        return categories, tags, terms

    def _old_urls(self, post: Post, item: WxrItem) -> None:
        own = f"/?{'page_id' if item.post_type == 'page' else 'p'}={item.source_id}"
        # WordPress answers ?p=N by id alone: a guid naming another id (a copied post) is not
        # this post's address.
        paths = {own, *_kept_paths(item)}
        paths |= {p for p in _paths(item.link, item.guid) if not p.startswith("/?") or p == own}
        current = unquote(post.get_absolute_url())
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
            self.report.note(
                "Some attachments had no http(s) address for their file; they were left out "
                "(see the counts)."
            )
            return
        found = self.mapping.get("attachment", item.source_id)
        attachment = Attachment.objects.filter(pk=found.object_id).first() if found else None
        attachment = attachment or Attachment()
        attachment.url = url
        attachment.title = clean_line(html_to_text(item.title), 300)
        alt = item.meta.get("_wp_attachment_image_alt", [""])[0]
        attachment.alt = clean_line(html_to_text(alt), 300)
        attachment.caption = html_to_text(item.excerpt).strip()
        attachment.mime_type = guess_mime_type(url)[:100]
        attachment.uploaded_at = self._when(item.date_local, item.date_gmt)
        attachment.save()
        self.mapping.remember("attachment", item.source_id, attachment.pk)
        if item.parent_source_id:
            self.attachment_parents.append((attachment.pk, item.parent_source_id))
        # Its page on the old site (…/a-post/img_8399/, ?attachment_id=N, ?p=N): redirected
        # to the post it belonged to, or to the file, once the parents are known.
        own = {f"/?attachment_id={item.source_id}", f"/?p={item.source_id}"}
        paths = own | _kept_paths(item)
        paths |= {p for p in _paths(item.link) if not p.startswith("/?") or p in own}
        self.attachment_links.append((attachment.pk, sorted(paths)))
        self.report.counts["attachments"] += 1

    def _menu_entry(self, item: WxrItem) -> None:
        menus = [nicename for domain, nicename, _ in item.terms if domain == "nav_menu"]
        meta = {key: values[0].strip() for key, values in item.meta.items() if values}
        parent = meta.get("_menu_item_menu_item_parent", "0")
        object_id = meta.get("_menu_item_object_id", "")
        self.menu_entries.append(
            _MenuEntry(
                source_id=item.source_id,
                menu=menus[0] if menus else "",
                parent=int(parent) if parent.isdigit() else 0,
                order=item.menu_order,
                label=clean_line(html_to_text(item.title), 200),
                type=meta.get("_menu_item_type", "custom"),
                object=meta.get("_menu_item_object", "custom"),
                object_id=int(object_id) if object_id.isdigit() else None,
                url=meta.get("_menu_item_url", ""),
            )
        )

    def _comments(self, post: Post, comments: list[WxrComment], *, fresh: bool) -> None:
        # A Byline export names where each comment first came from (dsq:…, or wp:… of the
        # first WordPress); a round trip keeps that, and replies find parents by it.
        origins = {c.source_id: _origin(c) for c in comments}
        incoming = []
        for c in comments:
            created = self._when(c.date_local, c.date_gmt) or post.published_at or timezone.now()
            markdown = c.meta.get(MARKDOWN_META, [])
            parent = c.parent_source_id
            lost = (c.meta.get(MISSING_PARENT_META) or [""])[0].strip()[:64] or None
            incoming.append(
                IncomingComment(
                    origin_id=origins[c.source_id],
                    origin_number=c.source_id,
                    parent_origin_id=origins.get(parent, f"wp:{parent}") if parent else lost,
                    created_at=created,
                    status=_COMMENT_STATUS.get(c.approved, Comment.Status.PENDING),
                    kind=_COMMENT_KIND.get(c.type, Comment.Kind.COMMENT),
                    author_name=clean_line(html_to_text(c.author_name), 100),
                    author_email=clean_email(c.author_email),
                    author_url=clean_url(c.author_url),
                    ip_address=clean_ip(c.author_ip),
                    user_id=self.authors_by_id.get(c.user_id) if c.user_id else None,
                    body=markdown[0] if markdown else c.content,
                    body_format=BodyFormat.MARKDOWN if markdown else BodyFormat.WORDPRESS,
                    number=_number(c.meta.get(NUMBER_META, [])),
                    alias=(c.meta.get(ALIAS_META) or [""])[0].strip()[:64]
                    or _disqus_alias(c.meta, origins[c.source_id]),
                )
            )
        place_comments(post, incoming, self.report, fresh=fresh)

    def finish(self) -> None:
        if self.pending_categories:
            self.flush_categories()
        if self.pending_terms:
            self.flush_terms()
        for attachment_pk, parent in self.attachment_parents:
            post_id = self.mapping.object_id("post", parent)
            if post_id:
                Attachment.objects.filter(pk=attachment_pk).update(post_id=post_id)
        self._attachment_links()
        self._page_parents()
        for post in Post.objects.filter(pk__in=self.galleries):
            render_again(post)  # the gallery's images are all known now
        self._navigation_menus()
        self._menu_items()
        if self.offset is None:
            self.report.note(
                "The file gave no GMT dates to work out its time zone; local times were read "
                "as UTC."
            )

    def _attachment_links(self) -> None:
        targets = dict(
            Attachment.objects.filter(pk__in=[pk for pk, _ in self.attachment_links]).values_list(
                "pk", "post_id"
            )
        )
        urls = dict(Attachment.objects.filter(pk__in=list(targets)).values_list("pk", "url"))
        rows = [
            LegacyURL(
                path=path[:500],
                post_id=targets[pk],
                target_url=urls[pk],  # when the post is not (or no longer) readable
                attachment_id=pk,
            )
            for pk, paths in self.attachment_links
            if pk in targets
            for path in paths
        ]
        # A post's own address is never taken over by an attachment's (ids are shared, so a
        # post's ?p= and an attachment's ?p= cannot both exist; links may still collide).
        taken = set(
            LegacyURL.objects.filter(
                path__in=[r.path for r in rows], attachment__isnull=True
            ).values_list("path", flat=True)
        )
        LegacyURL.objects.bulk_create(
            [r for r in rows if r.path not in taken],
            update_conflicts=True,
            unique_fields=["path"],
            update_fields=["post", "target_url", "attachment"],
        )
        self.report.counts["attachment_addresses"] += sum(1 for r in rows if r.path not in taken)

    def _page_parents(self) -> None:
        """Nest pages under their parents (which may have come later in the file)."""
        pages = Post.objects.in_bulk([pk for pk, _ in self.page_parents])
        for pk, parent_source in self.page_parents:
            page = pages[pk]
            parent_id = self.mapping.object_id("post", parent_source) if parent_source else None
            parent = (
                Post.objects.filter(pk=parent_id, kind=Post.Kind.PAGE).first()
                if parent_id
                else None
            )
            if parent_source and parent is None:
                self.report.counts["pages_parent_missing"] += 1
                self.report.note(
                    "Some pages name a parent page that is not in the file; they were kept at "
                    "the top level."
                )
            if page.parent_id == (parent.pk if parent else None):
                continue
            try:
                move_page(page, parent, by=SYSTEM)
            except ValidationError:  # a loop of parents in the file: this one stays on top
                self.report.counts["pages_parent_loop"] += 1
                continue
            self.report.counts["pages_nested"] += 1
        # The old nested address is the page's address again: no redirect needed for it.
        for page in Post.objects.filter(pk__in=pages, parent__isnull=False):
            LegacyURL.objects.filter(post=page, path=unquote(page.get_absolute_url())).delete()

    def _menu_items(self) -> None:
        if not self.menu_entries:
            self._choose_header_menu()
            return
        # Items are found again by their WordPress id. Some exports list one item id in two
        # menus (WordPress.com's "All Pages" and "All Pages Flat"); both are kept, the second
        # under its menu's name as well.
        placed: dict[tuple[str, int], MenuItem] = {}
        seen: set[int] = set()
        for entry in self.menu_entries:
            key = (
                str(entry.source_id)
                if entry.source_id not in seen
                else f"{entry.source_id}@{entry.menu}"
            )
            seen.add(entry.source_id)
            menu = self.menus.get(entry.menu)
            if menu is None:
                self.report.counts["menu_items_without_menu"] += 1
                self.report.note(
                    "Some menu items belong to no menu in the file; they were left out."
                )
                continue
            values = self._menu_target(entry)
            if values is None:
                self.report.counts["menu_items_unresolved"] += 1
                self.report.note(
                    "Some menu items link to something that is not in the file (a product, "
                    "a post type Byline does not publish); they were kept but are not shown."
                )
                values = {}
            fields = {
                "menu_id": menu.pk, "order": entry.order, "label": entry.label,
                "post_id": None, "category_id": None, "tag_id": None, "term_id": None,
                "url": "", **values,
            }  # fmt: skip
            found = self.mapping.object_id("menu_item", key)
            item = MenuItem.objects.filter(pk=found).first() if found else None
            if item is None:
                item = MenuItem.objects.create(**fields)
                self.report.counts["menu_items"] += 1
                self.mapping.remember("menu_item", key, item.pk)
            elif any(getattr(item, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(item, name, value)
                item.save()
            placed[(entry.menu, entry.source_id)] = item
        for entry in self.menu_entries:
            item = placed.get((entry.menu, entry.source_id))
            parent = placed.get((entry.menu, entry.parent))
            wanted = parent.pk if parent is not None else None
            if item is not None and item.parent_id != wanted and wanted != item.pk:
                item.parent_id = wanted
                item.save(update_fields=["parent"])
        self._choose_header_menu()

    def _menu_target(self, entry: _MenuEntry) -> dict[str, object] | None:
        """What a menu item links to, as MenuItem fields; None when it is not in the file."""
        if entry.type == "custom" or entry.object == "custom":
            url = entry.url.strip()
            parts = urlsplit(url)
            if parts.netloc.lower() == self.base_host and self.base_host:
                # A link into the old site: kept as an address here, where it is redirected.
                url = unquote(parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            return {"url": url[:1000]}
        if entry.object_id is None:
            return None
        if entry.type == "post_type":
            if entry.object == "attachment":
                attachment_id = self.mapping.object_id("attachment", entry.object_id)
                found = Attachment.objects.filter(pk=attachment_id or 0).first()
                return {"url": found.url} if found else None
            post_id = self.mapping.object_id("post", entry.object_id)
            return {"post_id": post_id} if post_id else None
        if entry.type == "taxonomy":
            target = self.term_ids.get((entry.object, entry.object_id))
            if isinstance(target, Category):
                return {"category_id": target.pk}
            if isinstance(target, Tag):
                return {"tag_id": target.pk}
            if isinstance(target, Term):
                return {"term_id": target.pk}
        return None

    def _choose_header_menu(self) -> None:
        """The header shows one menu. WordPress keeps which menu a theme showed in the theme's
        settings, which are not exported; unless the file says (a Byline export), the first
        menu named like a main menu is chosen, else the first one with items."""
        if self.header_menu is not None:
            Menu.objects.filter(in_header=True).exclude(pk=self.header_menu.pk).update(
                in_header=False
            )
            if not self.header_menu.in_header:
                self.header_menu.in_header = True
                self.header_menu.save(update_fields=["in_header"])
            return
        if not self.menus or Menu.objects.filter(in_header=True).exists():
            return
        menus = [m for m in self.menus.values() if m.items.exists()]
        named = [m for m in menus if any(w in m.name.lower() for w in _HEADER_WORDS)]
        chosen = next(iter(named or menus), None)
        if chosen is not None:
            chosen.in_header = True
            chosen.save(update_fields=["in_header"])
            self.report.note(
                f"The menu “{chosen.name}” is shown in the site's header; choose another in "
                "the admin (Publishing › Menus)."
            )


# A navigation block in a wp_navigation item: "<!-- wp:navigation-link {…} /-->", a submenu's
# opening and closing delimiters, "<!-- wp:page-list /-->".
_NAV_BLOCK = re.compile(
    r"<!--\s+(/?)wp:(?:core/)?(navigation-link|navigation-submenu|page-list|home-link)"
    r"(?:\s+(\{.*?\}))?\s+(/?)-->",
    re.DOTALL,
)
_NAV_KINDS = {"post-type": "post_type", "taxonomy": "taxonomy"}
_NAV_TYPES = {"tag": "post_tag"}


def _json_attrs(text: str | None) -> dict[str, object]:
    try:
        found = json.loads(text) if text else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _navigation_entry(
    menu: str, source_id: int, parent: int, order: int, attrs: dict[str, object]
) -> _MenuEntry:
    kind = _NAV_KINDS.get(str(attrs.get("kind") or ""), "custom")
    object_id = attrs.get("id")
    target = str(attrs.get("type") or "")
    return _MenuEntry(
        source_id=source_id,
        menu=menu,
        parent=parent,
        order=order,
        label=clean_line(html_to_text(str(attrs.get("label") or "")), 200),
        type=kind,
        object="custom" if kind == "custom" else _NAV_TYPES.get(target, target),
        object_id=object_id if isinstance(object_id, int) and kind != "custom" else None,
        url=str(attrs.get("url") or ""),
    )


def _taxonomy_spec(described: str) -> dict[str, object]:
    try:
        spec = json.loads(described) if described else {}
    except ValueError:
        return {}
    return spec if isinstance(spec, dict) else {}


def _disqus_alias(meta: dict[str, list[str]], origin: str) -> str | None:
    """The Disqus id of a comment the WordPress Disqus plugin synced (``dsq_post_id`` comment
    meta): importing the Disqus export later merges its copy into this comment."""
    value = (meta.get("dsq_post_id") or [""])[0].strip()
    alias = f"dsq:{value}"
    return alias if value.isascii() and value.isdigit() and alias != origin else None


def _origin(comment: WxrComment) -> str:
    kept = comment.meta.get(ORIGIN_META, [""])[0].strip()
    return kept[:64] if kept else f"wp:{comment.source_id}"


def _kept_paths(item: WxrItem) -> set[str]:
    """Old addresses a Byline export carried over, stored as they were (decoded paths)."""
    return {path[:500] for path in item.meta.get(LEGACY_META, []) if path.startswith("/")}


def _paths(*addresses: str) -> set[str]:
    """The paths (or ``/?p=``-style queries) of old addresses, decoded as ``request.path`` is."""
    paths = set()
    for address in addresses:
        parts = urlsplit(address or "")
        if parts.path and parts.path != "/":
            # Stored decoded, as Django's request.path is (/archives/привет/).
            paths.add(unquote(parts.path))
        elif parts.query.startswith(("p=", "page_id=", "attachment_id=")):
            paths.add(f"/?{parts.query}")
    return paths


def import_wordpress(
    path: str | Path,
    *,
    progress: ProgressCallback | None = None,
    max_item_bytes: int | None = None,
) -> ImportReport:
    """Import a WXR file in one transaction: all of it, or (on an error) nothing.

    Raises ``ArchiveError`` naming the line and column where the file is broken. An item
    larger than ``max_item_bytes`` (``BYLINE_IMPORT_MAX_ITEM_BYTES``) is left out, named in
    the report, and the rest imported.
    """
    report = ImportReport()
    importer = WordPressImporter(report)
    total = os.path.getsize(path)
    cap = max_item_bytes or settings.BYLINE_IMPORT_MAX_ITEM_BYTES
    # Cached pages are dropped once, after the commit, not once per row written.
    with open(path, "rb") as raw, pagecache.invalidating_once(), transaction.atomic():
        reader = CountingReader(raw, total, report, progress)
        for record in _records(reader, cap):
            if isinstance(record, RefusedRecord):
                refuse(report, "items", f"WordPress {record.label}", record.reason)
                continue
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


def _records(reader: CountingReader, cap: int) -> Iterator[object]:
    yield from iter_wxr(reader, max_item_bytes=cap)  # type: ignore[arg-type]
