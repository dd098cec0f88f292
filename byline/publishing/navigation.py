"""The menu in the site's header: read once per change of the site, not once per page.

The header menu shows on every page, so its HTML is remembered per process (``core.memo``)
under the site's page-cache token. Saving or deleting a menu, an item, or a post that an item
links to changes that token (``publishing.signals``), which also drops every cached page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from byline.core import memo, pagecache
from byline.publishing.models import Menu, MenuItem

log = logging.getLogger(__name__)

_TEMPLATE = "publishing/_menu.html"
_DIGEST = memo.template_digest(_TEMPLATE, "publishing/_menu_item.html")
# WordPress menus nest without limit; three levels are plenty for a header.
MAX_DEPTH = 3


@dataclass
class Link:
    text: str
    href: str
    children: list[Link] = field(default_factory=list)


def menu_links(menu: Menu) -> list[Link]:
    """The menu's items as a tree of links, leaving out items whose target is not readable
    (a draft, an unsafe address) and, with them, their sub-items."""
    items = list(
        MenuItem.objects.filter(menu=menu).select_related(
            "post", "category", "tag", "term__taxonomy"
        )
    )
    by_parent: dict[int | None, list[MenuItem]] = {}
    for item in items:
        by_parent.setdefault(item.parent_id, []).append(item)

    def build(parent: int | None, depth: int) -> list[Link]:
        links = []
        for item in by_parent.get(parent, []):
            href, text = item.href(), item.text()
            if not href or not text:
                continue
            children = build(item.pk, depth + 1) if depth < MAX_DEPTH else []
            links.append(Link(text, href, children))
        return links

    return build(None, 1)


def _render() -> str:
    menu = Menu.objects.filter(in_header=True).first()
    if menu is None:
        return ""
    links = menu_links(menu)
    if not links:
        return ""
    return render_to_string(_TEMPLATE, {"menu": menu, "links": links})


def header_menu_html() -> SafeString:
    """The header menu's ``<nav>`` (empty when no menu is chosen for the header)."""
    try:
        token = pagecache.tokens([pagecache.SITE])[pagecache.SITE]
    except Exception:  # the shared cache is down: the database still answers
        log.warning("Shared cache unavailable; reading the header menu from the database")
        return mark_safe(_render())  # noqa: S308 - rendered by an escaping template
    return memo.rendered(("header-menu", _DIGEST, token), _render)
