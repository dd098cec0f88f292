"""Streaming parser for WordPress eXtended RSS (WXR 1.0, 1.1 and 1.2) exports.

A WXR file is an RSS 2.0 ``<channel>`` whose header (title, link, ``wp:wxr_version``, base
URLs) is followed by ``wp:author`` entries, the term list (``wp:category``, ``wp:tag``,
``wp:term``) and then one ``<item>`` per post, page, attachment or other post type, each
carrying its own ``wp:postmeta`` and ``wp:comment`` elements.

:func:`iter_wxr` yields one record per top-level entry, in file order, and drops each element
from the tree as soon as it has been turned into a record, so memory stays bounded by the
largest single item (a post and its comments) whatever the file's size.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime

from .records import (
    ArchiveError,
    RefusedRecord,
    WxrAuthor,
    WxrComment,
    WxrItem,
    WxrSite,
    WxrTerm,
)
from .xmlsafe import Source, iter_entries, oversized, too_big

__all__ = ["WxrRecord", "iter_wxr"]

WxrRecord = WxrSite | WxrAuthor | WxrTerm | WxrItem | RefusedRecord

# Each WXR version has its own namespace URI for the same ``wp:`` vocabulary; accepting any
# 1.x keeps 2006-era (1.0) and current (1.2) exports on one code path.
_WP_NS = re.compile(r"^https?://wordpress\.org/export/(1\.\d+)/$")
_EXCERPT_NS = re.compile(r"^https?://wordpress\.org/export/1\.\d+/excerpt/$")
_FIXED_NS = {
    "http://purl.org/rss/1.0/modules/content/": "content",
    "http://purl.org/dc/elements/1.1/": "dc",
}

# Children of <channel> that start the body: the site record is complete before the first one.
_BODY_STARTS = frozenset({"wp:author", "wp:category", "wp:tag", "wp:term", "item"})
# Channel header fields → WxrSite attributes.
_SITE_FIELDS = {
    "title": "title",
    "link": "link",
    "language": "language",
    "wp:wxr_version": "wxr_version",
    "wp:base_site_url": "base_site_url",
    "wp:base_blog_url": "base_blog_url",
}
# WXR 1.0 wrote tags on items as domain="tag"; later versions use the taxonomy name.
_DOMAIN_ALIASES = {"tag": "post_tag", "": "category"}
_TERM_KINDS = {"category": "category", "post_tag": "tag"}


class _Names:
    """Maps Clark-notation tags (``{uri}local``) to short names like ``wp:post_id``.

    Results are cached: a file uses a few dozen distinct tags millions of times.
    """

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}
        self.wp_version = ""  # from the first wp: namespace seen, for files lacking wxr_version

    def __call__(self, tag: str) -> str:
        name = self._cache.get(tag)
        if name is None:
            name = self._shorten(tag)
            if len(self._cache) < 1000:  # bounded: a hostile file may invent endless tags
                self._cache[tag] = name
        return name

    def _shorten(self, tag: str) -> str:
        if not tag.startswith("{"):
            return tag
        uri, _, local = tag[1:].partition("}")
        if match := _WP_NS.match(uri):
            self.wp_version = self.wp_version or match.group(1)
            return f"wp:{local}"
        if _EXCERPT_NS.match(uri):
            return f"excerpt:{local}"
        prefix = _FIXED_NS.get(uri)
        return f"{prefix}:{local}" if prefix else tag


def _text(elem: ET.Element) -> str:
    """An element's full content as a string.

    Exports keep HTML in CDATA, so this is normally just ``.text``. Some third-party exporters
    write XHTML markup directly instead; it is serialised back rather than silently dropped.
    """
    if len(elem) == 0:
        return elem.text or ""
    inner = [elem.text or ""]
    inner.extend(ET.tostring(child, encoding="unicode") for child in elem)
    return "".join(inner)


def _date(value: str, what: str) -> datetime | None:
    """Parse WordPress's ``YYYY-MM-DD HH:MM:SS``; the zero date and blanks mean "no date"."""
    value = value.strip()
    if not value or value.startswith("0000-00-00"):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ArchiveError(f"{what} has a date that cannot be read: {value!r}") from None


def _int(value: str | None, what: str, *, zero_is_none: bool = False) -> int | None:
    """Parse an integer field; missing or blank → None (and 0 → None when it means "none")."""
    if value is None or not value.strip():
        return None
    try:
        number = int(value)
    except ValueError:
        raise ArchiveError(f"{what} has a number that cannot be read: {value!r}") from None
    return None if zero_is_none and number == 0 else number


def _fields(elem: ET.Element, names: _Names) -> dict[str, str]:
    """Simple child elements as name → text (the first occurrence wins)."""
    out: dict[str, str] = {}
    for child in elem:
        name = names(child.tag)
        if name not in out:
            out[name] = _text(child)
    return out


def _add_meta(meta: dict[str, list[str]], elem: ET.Element, names: _Names) -> None:
    """Append one ``wp:postmeta``/``wp:commentmeta`` pair; keys repeat (e.g. _wp_old_slug)."""
    pair = _fields(elem, names)
    key = pair.get("wp:meta_key", "").strip()
    if key:
        meta.setdefault(key, []).append(pair.get("wp:meta_value", ""))


def _author(elem: ET.Element, names: _Names) -> WxrAuthor:
    f = _fields(elem, names)
    login = f.get("wp:author_login", "").strip()
    return WxrAuthor(
        source_id=_int(f.get("wp:author_id"), f"Author {login!r}"),
        login=login,
        email=f.get("wp:author_email", "").strip(),
        display_name=f.get("wp:author_display_name", ""),
        first_name=f.get("wp:author_first_name", ""),
        last_name=f.get("wp:author_last_name", ""),
    )


def _term(name: str, elem: ET.Element, names: _Names) -> WxrTerm | None:
    """A channel-level category, tag or term of another taxonomy (kind: its name)."""
    f: dict[str, str] = {}
    meta: dict[str, list[str]] = {}
    for child in elem:
        child_name = names(child.tag)
        if child_name == "wp:termmeta":
            _add_meta(meta, child, names)
        elif child_name not in f:
            f[child_name] = _text(child)
    if name == "wp:category":
        kind = "category"
        slug, label = f.get("wp:category_nicename", ""), f.get("wp:cat_name", "")
        parent, description = f.get("wp:category_parent", ""), f.get("wp:category_description", "")
    elif name == "wp:tag":
        kind = "tag"
        slug, label = f.get("wp:tag_slug", ""), f.get("wp:tag_name", "")
        parent, description = "", f.get("wp:tag_description", "")
    else:
        # wp:term (WXR 1.1+) covers every taxonomy: nav menus, post formats, plugins' own.
        taxonomy = f.get("wp:term_taxonomy", "").strip()
        if not taxonomy:
            return None
        kind = _TERM_KINDS.get(taxonomy, taxonomy)
        slug, label = f.get("wp:term_slug", ""), f.get("wp:term_name", "")
        parent, description = f.get("wp:term_parent", ""), f.get("wp:term_description", "")
    slug = slug.strip()
    return WxrTerm(
        kind=kind,
        slug=slug,
        name=label,
        source_id=_int(f.get("wp:term_id"), f"The {kind} {slug!r}"),
        parent_slug=parent.strip(),
        description=description,
        meta=meta,
    )


def _comment(elem: ET.Element, names: _Names, item_what: str) -> WxrComment:
    f: dict[str, str] = {}
    meta: dict[str, list[str]] = {}
    for child in elem:
        name = names(child.tag)
        if name in ("wp:commentmeta", "wp:comment_meta"):
            _add_meta(meta, child, names)
        elif name not in f:
            f[name] = _text(child)
    what = f"A comment on {item_what}"
    source_id = _int(f.get("wp:comment_id"), what)
    if source_id is None:
        raise ArchiveError(f"{what} has no wp:comment_id")
    what = f"Comment {source_id} on {item_what}"
    return WxrComment(
        source_id=source_id,
        parent_source_id=_int(f.get("wp:comment_parent"), what, zero_is_none=True),
        author_name=f.get("wp:comment_author", ""),
        author_email=f.get("wp:comment_author_email", "").strip(),
        author_url=f.get("wp:comment_author_url", "").strip(),
        author_ip=f.get("wp:comment_author_IP", f.get("wp:comment_author_ip", "")).strip(),
        date_local=_date(f.get("wp:comment_date", ""), what),
        date_gmt=_date(f.get("wp:comment_date_gmt", ""), what),
        content=f.get("wp:comment_content", ""),
        approved=f.get("wp:comment_approved", "1").strip() or "1",
        type=f.get("wp:comment_type", "").strip() or "comment",
        user_id=_int(f.get("wp:comment_user_id"), what, zero_is_none=True),
        meta=meta,
    )


def _item_terms(raw: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Normalise an item's ``<category>`` list: one entry per term, modern domain names.

    WXR 1.0 wrote every term twice, once bare for old RSS readers and once with its
    nicename; the bare copy carries nothing the other lacks, so it is dropped.
    """
    named = {(domain, label) for domain, nicename, label in raw if nicename}
    seen: set[tuple[str, str, str]] = set()
    out: list[tuple[str, str, str]] = []
    for entry in raw:
        domain, nicename, label = entry
        if (not nicename and (domain, label) in named) or entry in seen:
            continue
        seen.add(entry)
        out.append(entry)
    return out


def _item(elem: ET.Element, names: _Names) -> WxrItem:
    f: dict[str, str] = {}
    raw_terms: list[tuple[str, str, str]] = []
    meta: dict[str, list[str]] = {}
    comment_elems: list[ET.Element] = []
    for child in elem:
        name = names(child.tag)
        if name == "category":
            domain = child.get("domain", "").strip()
            raw_terms.append(
                (
                    _DOMAIN_ALIASES.get(domain, domain),
                    child.get("nicename", "").strip(),
                    _text(child),
                )
            )
        elif name == "wp:postmeta":
            _add_meta(meta, child, names)
        elif name == "wp:comment":
            comment_elems.append(child)
        elif name not in f:
            f[name] = _text(child)
    title = f.get("title", "")
    source_id = _int(f.get("wp:post_id"), f"The item {title!r}")
    if source_id is None:
        raise ArchiveError(
            f"The item {title!r} has no wp:post_id; this looks like a plain RSS feed rather "
            "than a WordPress export (Tools → Export in WordPress makes one)"
        )
    post_type = f.get("wp:post_type", "").strip() or "post"
    what = f"{post_type} {source_id} ({title!r})"
    subject = what[:1].upper() + what[1:]  # the same words, starting a sentence
    return WxrItem(
        source_id=source_id,
        post_type=post_type,
        title=title,
        link=f.get("link", "").strip(),
        guid=f.get("guid", "").strip(),
        slug=f.get("wp:post_name", "").strip(),
        status=f.get("wp:status", "").strip(),
        author_login=f.get("dc:creator", "").strip(),
        content=f.get("content:encoded", ""),
        excerpt=f.get("excerpt:encoded", ""),
        date_local=_date(f.get("wp:post_date", ""), subject),
        date_gmt=_date(f.get("wp:post_date_gmt", ""), subject),
        comment_status=f.get("wp:comment_status", "").strip() or "open",
        is_sticky=f.get("wp:is_sticky", "").strip() == "1",
        parent_source_id=_int(f.get("wp:post_parent"), subject, zero_is_none=True),
        menu_order=_int(f.get("wp:menu_order"), subject) or 0,
        attachment_url=f.get("wp:attachment_url", "").strip(),
        password=f.get("wp:post_password", ""),
        terms=_item_terms(raw_terms),
        meta=meta,
        comments=[_comment(c, names, what) for c in comment_elems],
    )


def iter_wxr(source: Source, *, max_item_bytes: int | None = None) -> Iterator[WxrRecord]:
    """Stream the records of a WordPress WXR 1.0–1.2 export, in file order.

    ``source`` is a path or a binary file object (left open). Yields one :class:`WxrSite`
    first (once the channel header has been read), then :class:`WxrAuthor`, :class:`WxrTerm`
    (categories, tags and the terms of every other taxonomy) and :class:`WxrItem` records (every
    post type, with its comments, meta and terms) as they appear.

    Missing elements get their defaults. Broken XML, a DOCTYPE or entity declaration, invalid
    UTF-8 or a file that is not a WXR export raise :class:`ArchiveError` with the line and
    column; that can happen after many records were yielded, and the caller must expect it.
    An item (or any other channel entry) larger than ``max_item_bytes`` (see
    :func:`~byline.migration.xmlsafe.iter_entries`) is not read whole: a
    :class:`RefusedRecord` naming it takes its place and the rest of the file follows.
    """
    names = _Names()
    site = WxrSite()
    site_done = False
    in_channel = False
    for what, depth, elem in iter_entries(source, item_depth=3, max_item_bytes=max_item_bytes):
        if what == "start":
            if depth == 3:
                if in_channel and not site_done and names(elem.tag) in _BODY_STARTS:
                    site_done = True
                    site.wxr_version = site.wxr_version or names.wp_version
                    yield site
            elif depth == 1:
                if elem.tag != "rss":
                    raise _not_wxr(elem.tag)
            else:
                in_channel = elem.tag == "channel"
            continue
        if what == "end":
            in_channel = False  # the channel (or a stray sibling of it) is complete
            continue
        if not in_channel:
            continue
        # A complete child of <channel> (iter_entries drops it from the tree afterwards).
        name = names(elem.tag)
        if what == "refused":
            yield _refused(name, elem, names)
            continue
        if name == "item":
            record: WxrRecord | None = _item(elem, names)
        elif name == "wp:author":
            record = _author(elem, names)
        elif name in ("wp:category", "wp:tag", "wp:term"):
            record = _term(name, elem, names)
        else:
            record = None
            attr = _SITE_FIELDS.get(name)
            if attr is not None and not site_done and not getattr(site, attr):
                setattr(site, attr, _text(elem).strip())
        if record is not None:
            yield record
    if not site_done:
        # A channel with nothing in it (or no channel at all) is still a site.
        site.wxr_version = site.wxr_version or names.wp_version
        yield site


def _refused(name: str, elem: ET.Element, names: _Names) -> RefusedRecord:
    """An entry over the size cap, named from what was read of it before the cap."""
    f: dict[str, str] = {}
    for child in elem:
        f.setdefault(names(child.tag), child.text or "")
    cap = oversized(elem) or 0
    if name == "item":
        post_type = f.get("wp:post_type", "").strip() or "post"
        title = f.get("title", "")[:100]
        label = f"{post_type} {f.get('wp:post_id', '').strip() or '(no id)'} ({title!r})"
    else:
        label = f"<{name}>"
    return RefusedRecord(kind=name, label=label, reason=too_big(cap))


def _not_wxr(tag: str) -> ArchiveError:
    local = tag.rpartition("}")[2]
    if local == "disqus":
        return ArchiveError(
            "This is a Disqus export, not a WordPress one; import it as a Disqus archive"
        )
    return ArchiveError(
        f"This file is not a WordPress export (WXR): it starts with <{local}> where a WordPress "
        "export starts with <rss>"
    )
