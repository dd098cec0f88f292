"""Importing comments from a Remark42 backup (``backup-SITE-YYYYMMDD.gz`` or its unzipped text).

Remark42 backs a site up as text lines, gzipped: the first line is a JSON object with the
site's ``version``, ``users`` (``id``, ``blocked: {status, until}``, …) and ``posts`` (``url``,
``read_only``); every other line is one comment as JSON: ``id``, ``pid`` (the parent's id,
empty for a top-level comment), ``text`` (HTML, as shown), ``orig`` (what was typed), ``user``
(``name``, ``id``, ``ip`` — a hash, not an address), ``locator`` (``site``, ``url``: the page),
``time`` (RFC 3339), ``delete`` (removed, its text emptied), ``title`` (the page's title) and
votes, pins and edits. The file is read line by line, gzipped or not.

Each page (``locator.url``) is matched to a post by its address or an earlier pairing; one that
matches none is kept unattached with its comments (``byline.migration.unattached``). A page
Remark42 made read-only closes its post to new comments. Comments by a user blocked at the time
of the backup were hidden there; they are imported as removed (a moderator can restore them).
Every comment line is counted as placed, kept unattached or refused (not JSON, no id, the same
id twice, longer than the size cap), and the counts add up to the number of comment lines.
Not kept: votes and scores, pins, the edit note, avatars and the users' Remark42 ids.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import zlib
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from byline.discussion.models import Comment
from byline.migration.importing import (
    CountingReader,
    ImportReport,
    IncomingComment,
    Mapping,
    ProgressCallback,
    clean_email,
    clean_line,
    refuse,
)
from byline.migration.records import ArchiveError
from byline.migration.unattached import account, settle
from byline.migration.xmlsafe import describe_size
from byline.publishing.models import BodyFormat

PREFIX = "remark42_comments"
_CHUNK = 64 * 1024
_ID = re.compile(rb'"id"\s*:\s*"([^"]{1,100})"')


def _lines(stream: IO[bytes], cap: int) -> Iterator[tuple[int, bytes | None, bytes]]:
    """``(line number, line, head)`` for each non-blank line; a line longer than ``cap`` comes
    as ``None`` with its first bytes (``head``), and is never held whole."""
    number = 0
    pending = bytearray()
    head = b""
    too_long = False
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            piece = chunk[start:] if end < 0 else chunk[start:end]
            if not too_long:
                pending += piece
                if len(pending) > cap:
                    head, too_long = bytes(pending[:300]), True
                    pending.clear()
            if end < 0:
                break
            number += 1
            if too_long:
                yield number, None, head
            elif pending.strip():
                yield number, bytes(pending), b""
            pending.clear()
            too_long = False
            start = end + 1
    if too_long:
        yield number + 1, None, head
    elif pending.strip():
        yield number + 1, bytes(pending), b""


def _open(raw: IO[bytes]) -> IO[bytes]:
    """The backup's text: through gzip when the file is gzipped (Remark42 writes .gz)."""
    magic = raw.read(2)
    raw.seek(0)
    if magic == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    return raw


def _blocked(meta: dict[str, Any]) -> set[str]:
    """The ids of users blocked at the time of the backup."""
    now = timezone.now()
    out = set()
    for user in meta.get("users") or []:
        if not isinstance(user, dict):
            continue
        block = user.get("blocked") or {}
        if not isinstance(block, dict) or not block.get("status"):
            continue
        until = _when(block.get("until"))
        if until is None or until > now:
            out.add(str(user.get("id", "")))
    return out


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def import_remark42(
    path: str | Path,
    *,
    progress: ProgressCallback | None = None,
    max_item_bytes: int | None = None,
) -> ImportReport:
    """Import a Remark42 backup in one transaction; see the module's description."""
    report = ImportReport()
    cap = max_item_bytes or settings.BYLINE_IMPORT_MAX_ITEM_BYTES
    total = os.path.getsize(path)
    # (site, page address) → comments; the page's title; pages Remark42 made read-only.
    pages: dict[tuple[str, str], list[IncomingComment]] = defaultdict(list)
    titles: dict[tuple[str, str], str] = {}
    read_only: set[str] = set()
    blocked: set[str] = set()
    seen: set[str] = set()
    with open(path, "rb") as raw, transaction.atomic():
        reader = CountingReader(raw, total, report, progress)
        try:
            stream = _open(reader)  # type: ignore[arg-type]
            lines = _lines(stream, cap)
            first = next(lines, None)
            if first is None:
                raise ArchiveError("The file is empty")
            meta = _meta(first)
            if meta is None:
                raise ArchiveError(
                    "This file is not a Remark42 backup: its first line is not the backup's "
                    'description ({"version": …, "users": …, "posts": …})'
                )
            blocked = _blocked(meta)
            for post in meta.get("posts") or []:
                if isinstance(post, dict) and post.get("read_only"):
                    read_only.add(str(post.get("url", "")))
            for number, line, head in lines:
                report.counts[PREFIX] += 1
                _comment(number, line, head, cap, report, seen, blocked, pages, titles)
        except (OSError, EOFError, zlib.error) as exc:
            raise ArchiveError(f"The backup could not be read (is it cut short?): {exc}") from None
        for (site, url), comments in pages.items():
            settle(
                mapping=Mapping(f"remark42:{site}"),
                prefix=PREFIX,
                thread_id=url,
                comments=comments,
                report=report,
                link=url,
                title=titles.get((site, url), ""),
                closed=url in read_only,
            )
        if any(c.status == Comment.Status.REMOVED for cs in pages.values() for c in cs):
            report.note(
                "Comments deleted on Remark42, and those of users blocked there, were "
                "imported as removed: not shown, kept for moderators."
            )
        account(report, PREFIX, "Remark42 comment")
    if progress is not None:
        progress(total, total, report)
    return report


def _meta(first: tuple[int, bytes | None, bytes]) -> dict[str, Any] | None:
    _number, line, _head = first
    if line is None:
        return {}  # a description longer than the cap: read the comments without it
    try:
        meta = json.loads(line)
    except ValueError:
        return None
    if not isinstance(meta, dict) or not ({"version", "users", "posts"} & set(meta)):
        return None
    return meta


def _comment(
    number: int,
    line: bytes | None,
    head: bytes,
    cap: int,
    report: ImportReport,
    seen: set[str],
    blocked: set[str],
    pages: dict[tuple[str, str], list[IncomingComment]],
    titles: dict[tuple[str, str], str],
) -> None:
    if line is None:
        found = _ID.search(head)
        which = f"Remark42 comment {found.group(1).decode(errors='replace')}" if found else ""
        refuse(
            report,
            PREFIX,
            which or f"the Remark42 comment on line {number}",
            f"it is larger than the {describe_size(cap)} one comment may hold "
            "(BYLINE_IMPORT_MAX_ITEM_BYTES)",
        )
        return
    try:
        data = json.loads(line)
    except ValueError:
        refuse(report, PREFIX, f"line {number}", "it is not a comment Remark42 wrote (not JSON)")
        return
    if not isinstance(data, dict) or not str(data.get("id") or "").strip():
        refuse(report, PREFIX, f"line {number}", "it has no comment id")
        return
    source_id = str(data["id"]).strip()
    if source_id in seen:
        refuse(
            report,
            PREFIX,
            f"Remark42 comment {source_id}",
            "the file lists it more than once; the first was imported",
        )
        return
    seen.add(source_id)
    locator: dict[str, Any] = data["locator"] if isinstance(data.get("locator"), dict) else {}
    user: dict[str, Any] = data["user"] if isinstance(data.get("user"), dict) else {}
    site = str(locator.get("site") or "remark")[:100]
    url = str(locator.get("url") or "")
    parent = str(data.get("pid") or "").strip()
    if data.get("delete") or str(user.get("id", "")) in blocked:
        status = Comment.Status.REMOVED
    else:
        status = Comment.Status.PUBLIC
    pages[(site, url)].append(
        IncomingComment(
            origin_id=_origin(source_id),
            origin_number=zlib.crc32(source_id.encode()),
            parent_origin_id=_origin(parent) if parent else None,
            created_at=_when(data.get("time")) or timezone.now(),
            status=status,
            kind=Comment.Kind.COMMENT,
            author_name=clean_line(str(user.get("name") or ""), 100),
            author_email=clean_email(str(user.get("email") or "")),
            author_url="",
            ip_address=None,  # Remark42 keeps a hash of the address, not the address
            user_id=None,
            body=str(data.get("text") or ""),
            body_format=BodyFormat.HTML,
        )
    )
    if data.get("title") and (site, url) not in titles:
        titles[(site, url)] = str(data["title"])


def _origin(source_id: str) -> str:
    """``r42:<id>``; an id too long for the column is replaced by a digest of it."""
    origin = f"r42:{source_id}"
    if len(origin) <= 64:
        return origin
    return f"r42:~{hashlib.blake2b(source_id.encode(), digest_size=16).hexdigest()}"
