"""Streaming parser for Disqus XML exports.

A Disqus export is a flat list under ``<disqus xmlns="http://disqus.com"
xmlns:dsq="http://disqus.com/disqus-internals">``: ``<category>`` entries (ignored), then one
``<thread dsq:id>`` per page that ever had comments, then one ``<post dsq:id>`` per comment,
which points back at its thread (``<thread dsq:id/>``) and, for replies, its parent
(``<parent dsq:id/>``). Replies may come before their parents, and posts refer to threads only
by ``dsq:id``, so the importer resolves both after reading; this parser reports them as found.

:func:`iter_disqus` drops each element as soon as it has become a record, so memory stays
bounded whatever the file's size.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime

from .records import ArchiveError, DisqusPost, DisqusThread
from .xmlsafe import MAX_DEPTH, TOO_DEEP, Source, iter_event_batches

__all__ = ["DisqusRecord", "iter_disqus"]

DisqusRecord = DisqusThread | DisqusPost

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
        raise ArchiveError("A <thread> in this Disqus export has no dsq:id")
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
        raise ArchiveError("A <post> in this Disqus export has no dsq:id")
    f, children = _fields(elem)
    thread = children.get("thread")
    thread_id = _dsq_id(thread) if thread is not None else ""
    if not thread_id:
        raise ArchiveError(f"Comment {source_id} in this Disqus export names no thread")
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
    )


def iter_disqus(source: Source) -> Iterator[DisqusRecord]:
    """Stream the threads and posts of a Disqus XML export, in file order.

    ``source`` is a path or a binary file object (left open). Yields a :class:`DisqusThread`
    per ``<thread>`` and a :class:`DisqusPost` per ``<post>``; categories are skipped. Dates
    become naive UTC ``datetime``s. Nothing is resolved here: a post may name a parent that
    comes later in the file, and several threads may share a link or an empty identifier.

    Broken XML, a DOCTYPE or entity declaration, invalid UTF-8, a file that is not a Disqus
    export, or a thread or post without its ``dsq:id`` raise :class:`ArchiveError` with the
    line and column where known; that can happen after many records were yielded.
    """
    root: ET.Element | None = None
    depth = 0
    for batch in iter_event_batches(source):
        for event, elem in batch:
            if event == "start":
                depth += 1
                if depth > MAX_DEPTH:
                    raise ArchiveError(TOO_DEEP)
                if depth == 1:
                    if _local(elem.tag) != "disqus":
                        raise _not_disqus(elem.tag)
                    root = elem
                continue
            depth -= 1
            if depth == 1 and root is not None:
                # A complete top-level entry: turn it into a record, then drop it from the tree.
                name = _local(elem.tag)
                record: DisqusRecord | None = None
                if name == "post":
                    record = _post(elem)
                elif name == "thread":
                    record = _thread(elem)
                del root[:]
                if record is not None:
                    yield record


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
