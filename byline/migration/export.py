"""Exporting the whole site: WXR 1.2 for WordPress (and Byline) and a documented JSON.

Both writers stream (``iterator()`` over the tables, one item written at a time) so a site with a
million comments exports in bounded memory. Output is deterministic: the same site gives the
same bytes, and export → import into an empty site → export gives the same bytes again, because
every object is exported under the id it was imported with (or its own id if it was written
here), and Byline-only details ride along as ``_byline_*`` meta that WordPress ignores: the old
addresses that redirect (``_byline_legacy_url``), where a comment first came from
(``_byline_origin``: ``dsq:…``), which menu the header shows, a taxonomy's label and address.

Titles, excerpts, term and commenter names are plain text in Byline and HTML in WordPress, so
they are written HTML-escaped (``Fish &amp; Chips``) and decoded once when imported.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.utils import timezone

from byline.accounts.models import User
from byline.discussion.models import Comment
from byline.migration.models import Attachment, ImportedObject
from byline.migration.wordpress import (
    ALIAS_META,
    IN_HEADER_META,
    LEGACY_META,
    MARKDOWN_META,
    MISSING_PARENT_META,
    NUMBER_META,
    ORIGIN_META,
    TAXONOMY_META,
)
from byline.publishing.models import (
    POST_FORMAT,
    BodyFormat,
    Category,
    Menu,
    MenuItem,
    Post,
    Tag,
    Taxonomy,
    Term,
)

WXR_NS = (
    'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:wp="http://wordpress.org/export/1.2/"'
)
_ZERO = "0000-00-00 00:00:00"
_COMMENT_STATUS = {"public": "1", "pending": "0", "spam": "spam", "removed": "trash"}
_NATIVE_OFFSET = 10**9  # keeps a native id clear of an imported one that has the same number


def site_url() -> str:
    return settings.BYLINE_SITE_URL.rstrip("/")


def cdata(text: str) -> str:
    """A CDATA section that survives any text, including "]]>" inside it."""
    return "<![CDATA[" + (text or "").replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _local(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else _ZERO


def _gmt(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else _ZERO


def _rfc822(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S +0000") if moment else ""


class ExportIds:
    """Stable export ids: the archive id an object was imported with, else its own pk."""

    # Natives of different kinds are kept apart too: WordPress shares one id space between
    # posts, attachments and menu items, and another between all terms.
    _OFFSETS = {
        "post": _NATIVE_OFFSET, "attachment": 2 * _NATIVE_OFFSET, "menu_item": 3 * _NATIVE_OFFSET,
        "user": _NATIVE_OFFSET, "category_id": _NATIVE_OFFSET, "tag_id": 2 * _NATIVE_OFFSET,
        "term_id": 3 * _NATIVE_OFFSET, "menu": 4 * _NATIVE_OFFSET,
    }  # fmt: skip

    def __init__(self) -> None:
        self._ids: dict[str, dict[int, int]] = {}
        for kind in self._OFFSETS:
            rows = ImportedObject.objects.filter(
                kind="user_id" if kind == "user" else kind, source__startswith="wordpress:"
            ).values_list("object_id", "source_id")
            ids: dict[int, int] = {}
            used: set[int] = set()
            # Two imported blogs may both have had a post 10: the first keeps it, the other
            # gets an offset id like a native object.
            for obj, src in sorted(rows):
                if src.isdigit() and int(src) not in used and obj not in ids:
                    ids[obj] = int(src)
                    used.add(int(src))
            self._ids[kind] = ids
        self._taken = {kind: set(ids.values()) for kind, ids in self._ids.items()}
        self.authors = set(User.objects.filter(posts__isnull=False).values_list("pk", flat=True))

    def of(self, kind: str, pk: int) -> int:
        known = self._ids.setdefault(kind, {})
        if pk not in known:
            taken = self._taken.setdefault(kind, set())
            offset = self._OFFSETS.get(kind, _NATIVE_OFFSET)
            own = kind in ("post", "user") and pk not in taken
            known[pk] = pk if own else pk + offset
            taken.add(known[pk])
        return known[pk]


def comment_export_id(comment_pk: int, origin_id: str | None) -> int:
    """A comment's WordPress id if it came from WordPress; for one that came from elsewhere
    (``dsq:…``) a number made from its origin, the same in every export; else its own id
    offset clear of WordPress ids (which have gaps Byline's own ids would fall into)."""
    if origin_id and origin_id.startswith("wp:") and origin_id[3:].isdigit():
        return int(origin_id[3:])
    if origin_id:
        digest = hashlib.blake2b(origin_id.encode(), digest_size=7).digest()
        return _FOREIGN_OFFSET + int.from_bytes(digest, "big")
    return comment_pk + _NATIVE_OFFSET


_FOREIGN_OFFSET = 10**15  # above any WordPress comment id; below PHP's largest integer


def text_as_html(text: str) -> str:
    """A plain-text title or name as the HTML WordPress keeps (decoded once on import)."""
    return html.escape(text or "", quote=False)


def _meta_xml(key: str, value: str, indent: str = "\t\t", element: str = "postmeta") -> str:
    return (
        f"{indent}<wp:{element}><wp:meta_key>{cdata(key)}</wp:meta_key>"
        f"<wp:meta_value>{cdata(value)}</wp:meta_value></wp:{element}>\n"
    )


def term_nicename(term: Term) -> str:
    """WordPress's slug for a term: post formats are ``post-format-aside``."""
    prefix = "post-format-" if term.taxonomy.name == POST_FORMAT else ""
    return f"{prefix}{term.slug}"


def _post_status(post: Post) -> str:
    if post.status == Post.Status.PRIVATE:
        return "private"
    if post.status == Post.Status.DRAFT:
        return "draft"
    return "future" if post.is_scheduled else "publish"


def _content(body: str, body_format: str, body_html: str) -> tuple[str, str | None]:
    """What WordPress should display, and the Markdown source to keep in meta (if any)."""
    if body_format == BodyFormat.MARKDOWN:
        return body_html, body
    return body, None


def write_wxr(out: IO[str]) -> None:
    """Write the whole site as WXR 1.2 (posts, pages, attachments, comments, people, terms)."""
    for chunk in iter_wxr_export():
        out.write(chunk)


def iter_wxr_export() -> Iterator[str]:
    ids = ExportIds()
    base = site_url()
    yield f'<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" {WXR_NS}>\n<channel>\n'
    yield f"\t<title>{escape(settings.BYLINE_SITE_NAME)}</title>\n\t<link>{escape(base)}</link>\n"
    yield "\t<description></description>\n\t<language>en</language>\n"
    yield "\t<wp:wxr_version>1.2</wp:wxr_version>\n"
    yield f"\t<wp:base_site_url>{escape(base)}</wp:base_site_url>\n"
    yield f"\t<wp:base_blog_url>{escape(base)}</wp:base_blog_url>\n"
    # Only people who wrote posts are WordPress authors; commenters travel as name and email.
    people = User.objects.filter(pk__in=ids.authors)
    for user in sorted(people, key=lambda u: ids.of("user", u.pk)):
        yield (
            "\t<wp:author>"
            f"<wp:author_id>{ids.of('user', user.pk)}</wp:author_id>"
            f"<wp:author_login>{cdata(user.username)}</wp:author_login>"
            f"<wp:author_email>{cdata(user.email)}</wp:author_email>"
            f"<wp:author_display_name>{cdata(user.display_name)}</wp:author_display_name>"
            f"<wp:author_first_name>{cdata(user.first_name)}</wp:author_first_name>"
            f"<wp:author_last_name>{cdata(user.last_name)}</wp:author_last_name>"
            "</wp:author>\n"
        )
    nicenames = category_nicenames()
    for category in Category.objects.order_by("path"):
        parent = nicenames.get(category.parent_id, "") if category.parent_id else ""
        yield (
            "\t<wp:category>"
            f"<wp:term_id>{ids.of('category_id', category.pk)}</wp:term_id>"
            f"<wp:category_nicename>{escape(nicenames[category.pk])}</wp:category_nicename>"
            f"<wp:category_parent>{escape(parent)}</wp:category_parent>"
            f"<wp:cat_name>{cdata(text_as_html(category.name))}</wp:cat_name>"
            f"<wp:category_description>{cdata(category.description)}</wp:category_description>"
            "</wp:category>\n"
        )
    for tag in Tag.objects.order_by("slug"):
        yield (
            "\t<wp:tag>"
            f"<wp:term_id>{ids.of('tag_id', tag.pk)}</wp:term_id>"
            f"<wp:tag_slug>{escape(tag.slug)}</wp:tag_slug>"
            f"<wp:tag_name>{cdata(text_as_html(tag.name))}</wp:tag_name></wp:tag>\n"
        )
    terms = Term.objects.select_related("taxonomy", "parent").order_by("taxonomy__name", "slug")
    for term in terms:
        yield _wxr_term(term, ids)
    menus = list(Menu.objects.order_by("slug"))
    for menu in menus:
        yield (
            "\t<wp:term>"
            f"<wp:term_id>{ids.of('menu', menu.pk)}</wp:term_id>"
            "<wp:term_taxonomy>nav_menu</wp:term_taxonomy>"
            f"<wp:term_slug>{cdata(menu.slug)}</wp:term_slug>"
            f"<wp:term_name>{cdata(text_as_html(menu.name))}</wp:term_name>"
            + (_meta_xml(IN_HEADER_META, "1", "", "termmeta").rstrip() if menu.in_header else "")
            + "</wp:term>\n"
        )
    posts = Post.objects.select_related("author", "parent").prefetch_related(
        "categories", "tags", "old_slugs", "terms__taxonomy", "legacy_urls"
    )
    # Row order, not export-id order: an import keeps the file's order, so a round trip is still
    # byte-identical, and the site is streamed instead of sorted in memory.
    for post in posts.order_by("pk").iterator(chunk_size=200):
        yield _wxr_item(post, ids, base, nicenames)
    for attachment in Attachment.objects.prefetch_related("legacy_urls").order_by("pk"):
        yield _wxr_attachment(attachment, ids, base)
    for menu in menus:
        items = MenuItem.objects.filter(menu=menu).select_related("post", "term__taxonomy")
        for item in items.order_by("pk"):
            yield _wxr_menu_item(item, menu, ids, base)
    yield "</channel>\n</rss>\n"


def _wxr_term(term: Term, ids: ExportIds) -> str:
    """A term of a custom taxonomy or a post format; its taxonomy's label and address ride
    along so that a Byline import makes the same archive pages."""
    taxonomy = term.taxonomy
    described = json.dumps(
        {"label": taxonomy.label, "slug": taxonomy.slug, "public": taxonomy.is_public},
        ensure_ascii=False,
        sort_keys=True,
    )
    parent = term_nicename(term.parent) if term.parent else ""
    return (
        "\t<wp:term>"
        f"<wp:term_id>{ids.of('term_id', term.pk)}</wp:term_id>"
        f"<wp:term_taxonomy>{cdata(taxonomy.name)}</wp:term_taxonomy>"
        f"<wp:term_slug>{cdata(term_nicename(term))}</wp:term_slug>"
        f"<wp:term_parent>{cdata(parent)}</wp:term_parent>"
        f"<wp:term_name>{cdata(text_as_html(term.name))}</wp:term_name>"
        f"<wp:term_description>{cdata(term.description)}</wp:term_description>"
        + _meta_xml(TAXONOMY_META, described, "", "termmeta").rstrip()
        + "</wp:term>\n"
    )


def _wxr_menu_item(item: MenuItem, menu: Menu, ids: ExportIds, base: str) -> str:
    """A nav_menu_item as WordPress writes one: what it links to in _menu_item_* meta."""
    if item.post is not None:
        kind, obj, object_id = "post_type", item.post.kind, ids.of("post", item.post.pk)
    elif item.category_id:
        kind, obj, object_id = "taxonomy", "category", ids.of("category_id", item.category_id)
    elif item.tag_id:
        kind, obj, object_id = "taxonomy", "post_tag", ids.of("tag_id", item.tag_id)
    elif item.term_id and item.term is not None:
        kind, obj = "taxonomy", item.term.taxonomy.name
        object_id = ids.of("term_id", item.term_id)
    else:
        kind, obj, object_id = "custom", "custom", 0
    export_id = ids.of("menu_item", item.pk)
    parent = ids.of("menu_item", item.parent_id) if item.parent_id else 0
    url = item.url
    if url.startswith("/") and not url.startswith("//"):
        url = base + url  # WordPress wants an address; the import makes it a path again
    meta = [
        ("_menu_item_type", kind),
        ("_menu_item_menu_item_parent", str(parent)),
        ("_menu_item_object_id", str(object_id or export_id)),
        ("_menu_item_object", obj),
        ("_menu_item_url", url),
    ]
    return (
        "\t<item>\n"
        f"\t\t<title>{escape(text_as_html(item.label))}</title>\n"
        f"\t\t<wp:post_id>{export_id}</wp:post_id>\n"
        "\t\t<wp:status>publish</wp:status>\n"
        f"\t\t<wp:menu_order>{item.order}</wp:menu_order>\n"
        "\t\t<wp:post_type>nav_menu_item</wp:post_type>\n"
        f'\t\t<category domain="nav_menu" nicename={quoteattr(menu.slug)}>'
        f"{cdata(text_as_html(menu.name))}</category>\n"
        + "".join(_meta_xml(key, value) for key, value in meta)
        + "\t</item>\n"
    )


def category_nicenames() -> dict[int, str]:
    """WordPress needs category slugs unique site-wide; Byline only per parent. A shared slug
    is exported as its path ("politics-local", "sports-local") so nothing merges."""
    rows = list(Category.objects.values_list("pk", "slug", "path"))
    counts: dict[str, int] = {}
    for _, slug, _ in rows:
        counts[slug] = counts.get(slug, 0) + 1
    return {pk: slug if counts[slug] == 1 else path.replace("/", "-") for pk, slug, path in rows}


def _wxr_item(post: Post, ids: ExportIds, base: str, nicenames: dict[int, str]) -> str:
    content, markdown = _content(post.body, post.body_format, post.body_html)
    comment_status = "open" if post.comments_open else "closed"
    parent = ids.of("post", post.parent_id) if post.parent_id else 0
    parts = [
        "\t<item>\n",
        f"\t\t<title>{escape(text_as_html(post.title))}</title>\n",
        f"\t\t<link>{escape(base + post.get_absolute_url())}</link>\n",
        f"\t\t<pubDate>{_rfc822(post.published_at)}</pubDate>\n",
        f"\t\t<dc:creator>{cdata(post.author.username)}</dc:creator>\n",
        f'\t\t<guid isPermaLink="false">{escape(base)}/?p={ids.of("post", post.pk)}</guid>\n',
        "\t\t<description></description>\n",
        f"\t\t<content:encoded>{cdata(content)}</content:encoded>\n",
        f"\t\t<excerpt:encoded>{cdata(text_as_html(post.excerpt))}</excerpt:encoded>\n",
        f"\t\t<wp:post_id>{ids.of('post', post.pk)}</wp:post_id>\n",
        f"\t\t<wp:post_date>{cdata(_local(post.published_at))}</wp:post_date>\n",
        f"\t\t<wp:post_date_gmt>{cdata(_gmt(post.published_at))}</wp:post_date_gmt>\n",
        f"\t\t<wp:comment_status>{comment_status}</wp:comment_status>\n",
        "\t\t<wp:ping_status>closed</wp:ping_status>\n",
        f"\t\t<wp:post_name>{cdata(post.slug)}</wp:post_name>\n",
        f"\t\t<wp:status>{_post_status(post)}</wp:status>\n",
        f"\t\t<wp:post_parent>{parent}</wp:post_parent>\n\t\t<wp:menu_order>0</wp:menu_order>\n",
        f"\t\t<wp:post_type>{post.kind}</wp:post_type>\n",
        f"\t\t<wp:post_password>{cdata(post.password)}</wp:post_password>\n",
        f"\t\t<wp:is_sticky>{int(post.is_sticky)}</wp:is_sticky>\n",
    ]
    for category in sorted(post.categories.all(), key=lambda c: c.path):
        parts.append(
            f'\t\t<category domain="category" nicename={quoteattr(nicenames[category.pk])}>'
            f"{cdata(category.name)}</category>\n"
        )
    for tag in sorted(post.tags.all(), key=lambda t: t.slug):
        parts.append(
            f'\t\t<category domain="post_tag" nicename={quoteattr(tag.slug)}>'
            f"{cdata(text_as_html(tag.name))}</category>\n"
        )
    for term in sorted(post.terms.all(), key=lambda t: (t.taxonomy.name, t.slug)):
        parts.append(
            f"\t\t<category domain={quoteattr(term.taxonomy.name)} "
            f"nicename={quoteattr(term_nicename(term))}>{cdata(text_as_html(term.name))}"
            "</category>\n"
        )
    meta = [("_wp_old_slug", s.old_slug) for s in sorted(post.old_slugs.all(), key=str)]
    if markdown is not None:
        meta.append((MARKDOWN_META, markdown))
    # Its old addresses (from an import), so that a Byline → Byline move keeps redirecting them.
    own = {f"/?p={ids.of('post', post.pk)}", f"/?page_id={ids.of('post', post.pk)}"}
    legacy = sorted(u.path for u in post.legacy_urls.all() if u.attachment_id is None)
    meta += [(LEGACY_META, path) for path in legacy if path not in own]
    parts.extend(_meta_xml(key, value) for key, value in meta)
    comments = Comment.objects.filter(post=post).select_related("in_reply_to", "user")
    rows = [(comment_export_id(c.pk, c.origin_id), c) for c in comments.iterator(chunk_size=2000)]
    for export_id, c in sorted(rows, key=lambda pair: pair[0]):
        parts.append(_wxr_comment(export_id, c, ids))
    parts.append("\t</item>\n")
    return "".join(parts)


def _wxr_comment(export_id: int, c: Comment, ids: ExportIds) -> str:
    content, markdown = _content(c.body, c.body_format, c.body_html)
    parent = c.in_reply_to
    parent_id = comment_export_id(parent.pk, parent.origin_id) if parent else 0
    meta: list[tuple[str, str]] = []
    if c.number is not None:
        meta.append((NUMBER_META, str(c.number)))
    if markdown is not None:
        meta.append((MARKDOWN_META, markdown))
    if c.origin_id and c.origin_id != f"wp:{export_id}":
        meta.append((ORIGIN_META, c.origin_id))  # dsq:…: it did not come from WordPress
    alias = c.origin_alias or ""
    if alias.startswith("dsq:") and alias[4:].isdigit():
        meta.append(("dsq_post_id", alias[4:]))  # as the WordPress Disqus plugin keeps it
    elif alias:
        meta.append((ALIAS_META, alias))
    if c.missing_parent and parent is None:
        meta.append((MISSING_PARENT_META, c.missing_parent))  # answered a comment not kept
    name = c.user.public_name if c.user else c.author_name
    email = c.user.email if c.user else c.author_email
    user_id = ids.of("user", c.user_id) if c.user_id in ids.authors else 0
    return (
        "\t\t<wp:comment>\n"
        f"\t\t\t<wp:comment_id>{export_id}</wp:comment_id>\n"
        f"\t\t\t<wp:comment_author>{cdata(text_as_html(name))}</wp:comment_author>\n"
        f"\t\t\t<wp:comment_author_email>{cdata(email)}</wp:comment_author_email>\n"
        f"\t\t\t<wp:comment_author_url>{escape(c.author_url)}</wp:comment_author_url>\n"
        f"\t\t\t<wp:comment_author_IP>{escape(c.ip_address or '')}</wp:comment_author_IP>\n"
        f"\t\t\t<wp:comment_date>{cdata(_local(c.created_at))}</wp:comment_date>\n"
        f"\t\t\t<wp:comment_date_gmt>{cdata(_gmt(c.created_at))}</wp:comment_date_gmt>\n"
        f"\t\t\t<wp:comment_content>{cdata(content)}</wp:comment_content>\n"
        f"\t\t\t<wp:comment_approved>{cdata(_COMMENT_STATUS[c.status])}</wp:comment_approved>\n"
        f"\t\t\t<wp:comment_type>{cdata(c.kind)}"
        "</wp:comment_type>\n"
        f"\t\t\t<wp:comment_parent>{parent_id}</wp:comment_parent>\n"
        f"\t\t\t<wp:comment_user_id>{user_id}"
        "</wp:comment_user_id>\n"
        + "".join(_meta_xml(k, v, "\t\t\t", "commentmeta") for k, v in meta)
        + "\t\t</wp:comment>\n"
    )


def _wxr_attachment(attachment: Attachment, ids: ExportIds, base: str) -> str:
    export_id = ids.of("attachment", attachment.pk)
    parent = ids.of("post", attachment.post_id) if attachment.post_id else 0
    own = {f"/?attachment_id={export_id}", f"/?p={export_id}"}
    meta = [("_wp_attachment_image_alt", attachment.alt)] if attachment.alt else []
    legacy = sorted(u.path for u in attachment.legacy_urls.all())
    meta += [(LEGACY_META, path) for path in legacy if path not in own]
    return (
        "\t<item>\n"
        f"\t\t<title>{escape(text_as_html(attachment.title))}</title>\n"
        f'\t\t<guid isPermaLink="false">{escape(attachment.url)}</guid>\n'
        f"\t\t<excerpt:encoded>{cdata(text_as_html(attachment.caption))}</excerpt:encoded>\n"
        f"\t\t<wp:post_id>{export_id}</wp:post_id>\n"
        f"\t\t<wp:post_date>{cdata(_local(attachment.uploaded_at))}</wp:post_date>\n"
        f"\t\t<wp:post_date_gmt>{cdata(_gmt(attachment.uploaded_at))}</wp:post_date_gmt>\n"
        "\t\t<wp:status>inherit</wp:status>\n"
        f"\t\t<wp:post_parent>{parent}</wp:post_parent>\n"
        "\t\t<wp:post_type>attachment</wp:post_type>\n"
        f"\t\t<wp:attachment_url>{cdata(attachment.url)}</wp:attachment_url>\n"
        + "".join(_meta_xml(key, value) for key, value in meta)
        + "\t</item>\n"
    )


# -- JSON -------------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def write_json(out: IO[str]) -> None:
    """Write everything as the JSON described in docs/export-json.md, streaming."""
    dump = json.dumps
    out.write('{\n"format": "byline-export",\n"version": 1,\n')
    out.write(f'"site": {dump({"name": settings.BYLINE_SITE_NAME, "url": site_url()})},\n')
    out.write('"exported_at": ' + dump(_iso(timezone.now())) + ",\n")
    users = [
        {
            "id": u.pk, "username": u.username, "email": u.email,
            "display_name": u.display_name, "first_name": u.first_name,
            "last_name": u.last_name, "bio": u.bio, "is_staff": u.is_staff,
            "roles": sorted(g.name for g in u.groups.all()),
        }
        for u in User.objects.prefetch_related("groups").order_by("pk")
    ]  # fmt: skip
    out.write('"users": ' + dump(users, ensure_ascii=False) + ",\n")
    categories = [
        {"id": c.pk, "name": c.name, "slug": c.slug, "path": c.path, "parent": c.parent_id,
         "description": c.description}
        for c in Category.objects.order_by("path")
    ]  # fmt: skip
    out.write('"categories": ' + dump(categories, ensure_ascii=False) + ",\n")
    tags = [{"id": t.pk, "name": t.name, "slug": t.slug} for t in Tag.objects.order_by("slug")]
    out.write('"tags": ' + dump(tags, ensure_ascii=False) + ",\n")
    taxonomies = [
        {"name": t.name, "label": t.label, "slug": t.slug, "public": t.is_public}
        for t in Taxonomy.objects.order_by("name")
    ]
    out.write('"taxonomies": ' + dump(taxonomies, ensure_ascii=False) + ",\n")
    terms = [
        {"id": t.pk, "taxonomy": t.taxonomy.name, "name": t.name, "slug": t.slug,
         "parent": t.parent_id, "description": t.description, "url": t.get_absolute_url()}
        for t in Term.objects.select_related("taxonomy").order_by("taxonomy__name", "slug")
    ]  # fmt: skip
    out.write('"terms": ' + dump(terms, ensure_ascii=False) + ",\n")
    menus = [
        {"id": m.pk, "name": m.name, "slug": m.slug, "in_header": m.in_header,
         "items": [
             {"id": i.pk, "parent": i.parent_id, "order": i.order, "label": i.label,
              "post": i.post_id, "category": i.category_id, "tag": i.tag_id, "term": i.term_id,
              "url": i.url}
             for i in m.items.order_by("order", "pk")
         ]}
        for m in Menu.objects.order_by("slug")
    ]  # fmt: skip
    out.write('"menus": ' + dump(menus, ensure_ascii=False) + ",\n")
    out.write('"posts": [\n')
    first = True
    posts = Post.objects.prefetch_related("categories", "tags", "terms", "old_slugs", "legacy_urls")
    for post in posts.order_by("pk").iterator(chunk_size=200):
        out.write(("" if first else ",\n") + dump(_json_post(post), ensure_ascii=False))
        first = False
    out.write("\n],\n")
    attachments = [
        {"id": a.pk, "post": a.post_id, "url": a.url, "title": a.title, "alt": a.alt,
         "caption": a.caption, "mime_type": a.mime_type, "uploaded_at": _iso(a.uploaded_at),
         "legacy_urls": sorted(u.path for u in a.legacy_urls.all())}
        for a in Attachment.objects.prefetch_related("legacy_urls").order_by("pk")
    ]  # fmt: skip
    out.write('"attachments": ' + dump(attachments, ensure_ascii=False) + "\n}\n")


def _json_post(post: Post) -> dict[str, Any]:
    comments = [
        {
            "id": c.pk, "number": c.number, "parent": c.parent_id,
            "in_reply_to": c.in_reply_to_id, "depth": c.depth, "status": c.status,
            "kind": c.kind, "user": c.user_id, "author_name": c.author_name,
            "author_email": c.author_email, "author_url": c.author_url,
            "ip_address": c.ip_address, "body": c.body, "body_format": c.body_format,
            "body_html": c.body_html, "created_at": _iso(c.created_at),
            "edited_at": _iso(c.edited_at), "origin_id": c.origin_id,
            "origin_alias": c.origin_alias, "missing_parent": c.missing_parent,
        }
        for c in Comment.objects.filter(post=post).order_by("path").iterator(chunk_size=2000)
    ]  # fmt: skip
    return {
        "id": post.pk, "kind": post.kind, "title": post.title, "slug": post.slug,
        "url": post.get_absolute_url(), "author": post.author_id, "status": post.status,
        "published_at": _iso(post.published_at), "created_at": _iso(post.created_at),
        "updated_at": _iso(post.updated_at), "excerpt": post.excerpt, "body": post.body,
        "body_format": post.body_format, "body_html": post.body_html,
        "comments_open": post.comments_open, "is_sticky": post.is_sticky,
        "password": post.password, "parent": post.parent_id,
        "categories": sorted(c.pk for c in post.categories.all()),
        "tags": sorted(t.pk for t in post.tags.all()),
        "terms": sorted(t.pk for t in post.terms.all()),
        "old_slugs": sorted(s.old_slug for s in post.old_slugs.all()),
        "legacy_urls": sorted(u.path for u in post.legacy_urls.all() if u.attachment_id is None),
        "comments": comments,
    }  # fmt: skip
