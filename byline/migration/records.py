"""What the archive parsers yield: plain records, independent of the database.

The WordPress (WXR) and Disqus parsers stream these one at a time so that memory stays bounded
whatever the file's size; the importer turns them into Byline rows. Dates are naive
``datetime``s exactly as the file gives them (``None`` for WordPress's ``0000-00-00 00:00:00``);
the importer decides their time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class ArchiveError(Exception):
    """An archive file that cannot be imported, with where the problem is.

    ``str(error)`` is a sentence for the person who gave us the file.
    """

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        self.message = message
        self.line = line
        self.column = column
        where = f" (line {line}, column {column})" if line is not None else ""
        super().__init__(f"{message}{where}")


@dataclass
class WxrSite:
    """The channel's own details; yielded first."""

    title: str = ""
    link: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""
    wxr_version: str = ""
    language: str = ""


@dataclass
class WxrAuthor:
    source_id: int | None
    login: str
    email: str = ""
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""


@dataclass
class WxrTerm:
    """A category or tag from the channel's term list."""

    kind: str  # "category" or "tag"
    slug: str
    name: str
    source_id: int | None = None
    parent_slug: str = ""
    description: str = ""


@dataclass
class WxrComment:
    source_id: int
    parent_source_id: int | None  # None for top-level (WXR writes 0)
    author_name: str = ""
    author_email: str = ""
    author_url: str = ""
    author_ip: str = ""
    date_local: datetime | None = None
    date_gmt: datetime | None = None
    content: str = ""
    approved: str = "1"  # "1", "0", "spam", "trash", "post-trashed"
    type: str = "comment"  # "comment", "pingback", "trackback" ("" in WXR means comment)
    user_id: int | None = None  # None when WXR writes 0
    meta: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class WxrItem:
    """A post, page, attachment or any other post type, with its comments."""

    source_id: int
    post_type: str
    title: str = ""
    link: str = ""
    guid: str = ""
    slug: str = ""
    status: str = ""  # publish, draft, pending, private, future, trash, inherit, auto-draft
    author_login: str = ""
    content: str = ""
    excerpt: str = ""
    date_local: datetime | None = None
    date_gmt: datetime | None = None
    comment_status: str = "open"
    is_sticky: bool = False
    parent_source_id: int | None = None
    menu_order: int = 0
    attachment_url: str = ""
    # (domain, nicename, label) for each <category domain=…> of the item: categories and tags.
    terms: list[tuple[str, str, str]] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=dict)
    comments: list[WxrComment] = field(default_factory=list)


@dataclass
class DisqusThread:
    source_id: str  # dsq:id
    identifier: str = ""  # may be empty; several threads may share a link
    link: str = ""
    title: str = ""
    created_at: datetime | None = None  # UTC
    is_closed: bool = False
    is_deleted: bool = False


@dataclass
class DisqusPost:
    source_id: str  # dsq:id
    thread_id: str
    parent_id: str | None = None
    message: str = ""  # HTML
    created_at: datetime | None = None  # UTC
    is_deleted: bool = False
    is_spam: bool = False
    author_name: str = ""
    author_email: str = ""
    author_username: str = ""
    is_anonymous: bool = False
    ip_address: str = ""
