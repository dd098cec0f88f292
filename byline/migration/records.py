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
    """A term from the channel's term list: a category, a tag, a navigation menu, a post
    format or a term of any other taxonomy. Names are as WordPress stores them (HTML)."""

    kind: str  # "category", "tag", or the taxonomy's name ("nav_menu", "post_format", "genre")
    slug: str
    name: str
    source_id: int | None = None
    parent_slug: str = ""
    description: str = ""
    meta: dict[str, list[str]] = field(default_factory=dict)  # wp:termmeta


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
    password: str = ""  # wp:post_password
    # (domain, nicename, label) for each <category domain=…> of the item: categories and tags.
    terms: list[tuple[str, str, str]] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=dict)
    comments: list[WxrComment] = field(default_factory=list)


@dataclass
class RefusedRecord:
    """An entry of an archive that cannot be imported, yielded in its place so that the import
    goes on and the report says what was left out and why (e.g. an item over the size cap)."""

    kind: str  # what the entry is: "item", "post" (a Disqus comment), "thread", "comment", …
    label: str  # which one, in words the person importing recognises ("post 12 ('Title')")
    reason: str  # a sentence: why it was refused


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
    # The post's own <id>: empty, except for comments Disqus got from WordPress ("wp_id=123").
    identifier: str = ""
