"""Streaming parser for Disqus XML exports.

A Disqus export is a flat list under ``<disqus xmlns="http://disqus.com"
xmlns:dsq="http://disqus.com/disqus-internals">``: ``<category>`` entries (ignored), then one
``<thread dsq:id>`` per page that ever had comments, then one ``<post dsq:id>`` per comment,
which points back at its thread (``<thread dsq:id/>``) and, for replies, its parent
(``<parent dsq:id/>``). Replies may come before their parents, and posts refer to threads only
by ``dsq:id``, so the importer resolves both after reading; this parser reports them as found.

:func:`iter_disqus` drops each element as soon as it has become a record, so memory stays
bounded whatever the file's size, and no single comment may hold more than the import's cap.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime

from .records import ArchiveError, DisqusPost, DisqusThread, RefusedRecord
from .xmlsafe import Source, iter_entries, oversized, too_big

__all__ = ["DisqusRecord", "iter_disqus"]

DisqusRecord = DisqusThread | DisqusPost | RefusedRecord

DSQ_ID = "{http://disqus.com/disqus-internals}id"


_LOCAL_NAMES: dict[str, str] = {}


def _local(tag: str) -> str:
    # Disqus puts everything in its default namespace; matching local names also accepts the
    # hand-edited or re-serialised files that lose it. Cached, as a file repeats a dozen tags
    # millions of times; bounded, so that a hostile file of endless new tags can't grow it.
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag.rpartition("}")[2]
        if len(_LOCAL_NAMES) < 1000:
            _LOCAL_NAMES[tag] = name
    return name


def _dsq_id(elem: ET.Element) -> str:
    """The element's ``dsq:id`` ("" if absent); a bare ``id`` attribute is accepted too."""
    return (elem.get(DSQ_ID) or elem.get("id") or "").strip()


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes")


def _when(value: str | None, what: str) -> datetime | None:
    """Parse Disqus's ISO 8601 timestamps (``2012-01-01T12:00:00Z``) to naive UTC."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ArchiveError(f"{what} has a date that cannot be read: {value!r}") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _fields(elem: ET.Element) -> tuple[dict[str, str], dict[str, ET.Element]]:
    """Child text by local name, and the child elements themselves (first occurrence wins)."""
    text: dict[str, str] = {}
    elems: dict[str, ET.Element] = {}
    for child in elem:
        name = _local(child.tag)
        if name not in elems:
            elems[name] = child
            text[name] = child.text or ""
    return text, elems


def _thread(elem: ET.Element) -> DisqusThread:
    source_id = _dsq_id(elem)
    if not source_id:
        raise _Unusable("it has no dsq:id, so no comment can name it")
    f, _ = _fields(elem)
    return DisqusThread(
        source_id=source_id,
        identifier=f.get("id", "").strip(),
        link=f.get("link", "").strip(),
        title=f.get("title", ""),
        created_at=_when(f.get("createdAt"), f"Thread {source_id}"),
        is_closed=_bool(f.get("isClosed")),
        is_deleted=_bool(f.get("isDeleted")),
    )


def _post(elem: ET.Element) -> DisqusPost:
    source_id = _dsq_id(elem)
    if not source_id:
        raise _Unusable("it has no dsq:id, so it cannot be told apart from the others")
    f, children = _fields(elem)
    thread = children.get("thread")
    thread_id = _dsq_id(thread) if thread is not None else ""
    if not thread_id:
        raise _Unusable("it names no thread, so there is no page it belongs to")
    parent = children.get("parent")
    author_elem = children.get("author")
    author, _ = _fields(author_elem) if author_elem is not None else ({}, {})
    return DisqusPost(
        source_id=source_id,
        thread_id=thread_id,
        parent_id=(_dsq_id(parent) or None) if parent is not None else None,
        message=f.get("message", ""),
        created_at=_when(f.get("createdAt"), f"Comment {source_id}"),
        is_deleted=_bool(f.get("isDeleted")),
        is_spam=_bool(f.get("isSpam")),
        author_name=author.get("name", ""),
        author_email=author.get("email", "").strip(),
        author_username=author.get("username", "").strip(),
        is_anonymous=_bool(author.get("isAnonymous")),
        ip_address=f.get("ipAddress", "").strip(),
        identifier=f.get("id", "").strip(),
    )


def iter_disqus(source: Source, *, max_item_bytes: int | None = None) -> Iterator[DisqusRecord]:
    """Stream the threads and posts of a Disqus XML export, in file order.

    ``source`` is a path or a binary file object (left open). Yields a :class:`DisqusThread`
    per ``<thread>`` and a :class:`DisqusPost` per ``<post>``; categories are skipped. Dates
    become naive UTC ``datetime``s. Nothing is resolved here: a post may name a parent that
    comes later in the file, and several threads may share a link or an empty identifier.

    A thread or post that cannot be imported (no ``dsq:id``, no thread named, or larger than
    ``max_item_bytes``, see :func:`~byline.migration.xmlsafe.iter_entries`) is yielded as a
    :class:`RefusedRecord` saying why, and the rest of the file follows.

    Broken XML, a DOCTYPE or entity declaration, invalid UTF-8 or a file that is not a Disqus
    export raise :class:`ArchiveError` with the line and column where known; that can happen
    after many records were yielded.
    """
    counts = {"post": 0, "thread": 0}  # so far, to name one that has no id
    for what, depth, elem in iter_entries(source, item_depth=2, max_item_bytes=max_item_bytes):
        if what == "start":
            if depth == 1 and _local(elem.tag) != "disqus":
                raise _not_disqus(elem.tag)
            continue
        name = _local(elem.tag)
        if what == "end" or name not in ("post", "thread"):
            continue
        counts[name] += 1
        if what == "refused":
            f, _ = _fields(elem)
            label = _label(name, elem, f, counts[name])
            yield RefusedRecord(kind=name, label=label, reason=too_big(oversized(elem) or 0))
            continue
        try:
            yield _post(elem) if name == "post" else _thread(elem)
        except _Unusable as exc:
            f, _ = _fields(elem)
            label = _label(name, elem, f, counts[name])
            yield RefusedRecord(kind=name, label=label, reason=str(exc))


class _Unusable(Exception):
    """A thread or post that names no id or no thread: refused, the import goes on."""


def _label(name: str, elem: ET.Element, f: dict[str, str], count: int) -> str:
    source_id = _dsq_id(elem)
    if name == "thread":
        title = f.get("title", "")[:100]
        return f"thread {source_id or f'#{count} of the file (no dsq:id)'} ({title!r})"
    what = f"comment {source_id}" if source_id else f"comment #{count} of the file (no dsq:id)"
    when = f.get("createdAt", "").strip()
    return f"{what}{f' of {when}' if when else ''}"


def _not_disqus(tag: str) -> ArchiveError:
    local = _local(tag)
    if local == "rss":
        return ArchiveError(
            "This is a WordPress (WXR) export, not a Disqus one; import it as a WordPress archive"
        )
    return ArchiveError(
        f"This file is not a Disqus export: it starts with <{local}> where a Disqus export "
        "starts with <disqus>"
    )
