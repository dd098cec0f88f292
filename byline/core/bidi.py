"""Names from readers kept from rewriting the text around them.

A name holding a right-to-left override (U+202E) reverses whatever follows it on the line —
"Comment by ‮Alice on …" can be made to read as another name, or to turn the words after it
around. Every name a person typed is therefore shown isolated: in HTML inside ``<bdi>`` (the
``|isolate`` filter, ``core.templatetags.byline_text``), in plain text (``__str__``, the admin,
mail, CSV) between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE (``isolated``). New names
may not contain the explicit direction controls at all (``has_direction_controls``); names
from an import have them removed (``strip_direction_controls``).
"""

from __future__ import annotations

import re

# Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069). The plain marks (LRM,
# RLM, ALM) only hint a direction and cannot reach past the name once it is isolated.
_DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
FSI, PDI = "\u2068", "\u2069"


def has_direction_controls(text: str) -> bool:
    """Does ``text`` hold a character that changes the direction of the text after it?"""
    return bool(_DIRECTION_CONTROLS.search(text))


def strip_direction_controls(text: str) -> str:
    """``text`` without embeddings, overrides or isolates."""
    return _DIRECTION_CONTROLS.sub("", text)


def isolated(name: str) -> str:
    """``name`` for plain text: its own controls removed, then wrapped in FSI … PDI so it
    cannot change the direction of the text around it."""
    return f"{FSI}{strip_direction_controls(name)}{PDI}"
