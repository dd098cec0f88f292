"""``{% header_menu %}``: the navigation menu chosen for the site's header."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from byline.publishing.navigation import header_menu_html

register = template.Library()


@register.simple_tag
def header_menu() -> SafeString:
    return header_menu_html()
