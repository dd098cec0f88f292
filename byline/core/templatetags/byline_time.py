"""``{{ when|isotime }}``: a date or time as ``<time datetime>`` wants it.

Django's ``|date:"c"`` is ``isoformat()``, microseconds included (``09:34:55.656911+00:00``),
which HTML does not allow (a valid date-time string has at most three fractional digits): the
Nu HTML Checker refuses every such attribute. This gives whole seconds and the offset, in the
site's time zone like the text the page shows next to it.
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def isotime(value: object) -> str:
    """``2026-12-02T09:34:55+00:00`` for a datetime, ``2026-12-02`` for a date, else ''."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return ""
