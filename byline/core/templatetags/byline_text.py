"""``{{ name|isolate }}``: a person's name in ``<bdi>``, so its direction stays its own.

See ``byline.core.bidi``: every user-supplied name in a template goes through this filter
(``byline/core/tests/test_bidi.py`` walks the templates for names that do not).
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def isolate(name: object) -> SafeString:
    """``<bdi>name</bdi>``, the name escaped."""
    return format_html("<bdi>{}</bdi>", "" if name is None else name)
