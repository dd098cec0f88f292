"""Rendered pieces of pages remembered in each process, keyed by everything they show.

Django's template engine costs about a millisecond for a post's header or a summary on the front
page; most of them are the same from one request to the next. ``rendered(key, render)`` returns
the piece rendered earlier for an equal ``key``. The key must hold every value the piece shows
(the callers pass the fields and related names they render, and a post's ``updated_at``), so
there is nothing to invalidate: a changed post, name or category makes a different key, and the
old piece ages out of the bounded store. This is not the page cache: it works with the page
cache off and never serves anything the database would not give now.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path

from django.utils.safestring import SafeString, mark_safe

_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MAX_PIECES = 4_000


def template_digest(*names: str) -> str:
    """A short digest of template files' text: part of a key, so a changed template counts."""
    digest = hashlib.blake2b(digest_size=6)
    for name in names:
        digest.update((_TEMPLATES / name).read_bytes())
    return digest.hexdigest()


_pieces: OrderedDict[Hashable, str] = OrderedDict()
_lock = threading.Lock()


def rendered(key: Hashable, render: Callable[[], str]) -> SafeString:
    """The piece for ``key``, rendering it (outside the lock) the first time."""
    with _lock:
        found = _pieces.get(key)
        if found is not None:
            _pieces.move_to_end(key)
    if found is None:
        found = render()
        with _lock:
            _pieces[key] = found
            while len(_pieces) > MAX_PIECES:
                _pieces.popitem(last=False)
    return mark_safe(found)  # noqa: S308 - pieces come from escaping templates


def clear() -> None:
    with _lock:
        _pieces.clear()
