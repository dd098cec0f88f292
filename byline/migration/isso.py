"""Importing comments from Isso: its SQLite database (``comments.db``), read directly.

Isso has no export: its database is the archive. It holds ``threads(id, uri, title)`` and
``comments(tid, id, parent, created, modified, mode, remote_addr, text, author, email, website,
likes, dislikes, voters, notification)``, where ``mode`` is 1 for a published comment, 2 for one
awaiting moderation and 4 for one deleted while it had replies (Isso empties its text and
author and keeps the row so that the replies keep their place; a comment deleted without
replies is gone from the database). ``created`` is a Unix time, ``text`` is Markdown, and
``remote_addr`` is already anonymised by Isso (the last part zeroed).

The file is opened read-only and never changed. Each thread is matched to a post by its
``uri`` (an old address recorded by the WordPress import, or a Byline address) or by an
earlier pairing; one that matches none is kept unattached with its comments
(``byline.migration.unattached``). Every comment is counted as placed, kept unattached or
refused (over the size cap), and the counts add up to the number of rows in ``comments``.
Votes (``likes``, ``dislikes``, ``voters``) and reply notifications are not kept: Byline has
neither.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from byline.discussion.models import Comment
from byline.migration.importing import (
    ImportReport,
    IncomingComment,
    Mapping,
    ProgressCallback,
    clean_email,
    clean_ip,
    clean_line,
    clean_url,
    refuse,
)
from byline.migration.records import ArchiveError
from byline.migration.unattached import account, settle
from byline.migration.xmlsafe import describe_size
from byline.publishing.models import BodyFormat

PREFIX = "isso_comments"
_MODES = {1: Comment.Status.PUBLIC, 2: Comment.Status.PENDING, 4: Comment.Status.REMOVED}
# The columns read; text is left out (NULL) when it is over the cap, and its size read instead.
_COLUMNS = (
    "tid, id, parent, created, mode, substr(remote_addr, 1, 100), "
    "CASE WHEN length(CAST(text AS BLOB)) > :cap THEN NULL ELSE text END, "
    "length(CAST(text AS BLOB)), substr(author, 1, 1000), substr(email, 1, 1000), "
    "substr(website, 1, 2000)"
)


def _open(path: str | Path) -> sqlite3.Connection:
    """The Isso database, read-only; ArchiveError if it is not one."""
    try:
        db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(
            f"This file is not an Isso database (Isso keeps comments in an SQLite file, "
            f"usually comments.db): {exc}"
        ) from None
    if not {"threads", "comments"} <= names:
        db.close()
        raise ArchiveError(
            "This SQLite file is not an Isso database: it has no threads and comments tables"
        )
    return db


Row = tuple[Any, ...]


def _rows(db: sqlite3.Connection, where: str, args: dict[str, object]) -> Iterator[Row]:
    try:
        yield from db.execute(f"SELECT {_COLUMNS} FROM comments WHERE {where} ORDER BY id", args)  # noqa: S608
    except sqlite3.DatabaseError as exc:
        raise ArchiveError(f"The Isso database could not be read: {exc}") from None


def import_isso(
    path: str | Path,
    *,
    progress: ProgressCallback | None = None,
    max_item_bytes: int | None = None,
) -> ImportReport:
    """Import an Isso database in one transaction; see the module's description."""
    report = ImportReport()
    cap = max_item_bytes or settings.BYLINE_IMPORT_MAX_ITEM_BYTES
    mapping = Mapping("isso")
    with closing(_open(path)) as db, transaction.atomic():
        try:
            total = db.execute("SELECT COUNT(*) FROM comments").fetchone()[0]
            threads = db.execute("SELECT id, uri, title FROM threads ORDER BY id").fetchall()
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"The Isso database could not be read: {exc}") from None
        report.counts[PREFIX] = total
        done = 0
        known: list[int] = []
        for tid, uri, title in threads:
            known.append(tid)
            comments = _comments(_rows(db, "tid = :tid", {"tid": tid, "cap": cap}), report, cap)
            done += len(comments)
            settle(
                mapping=mapping,
                prefix=PREFIX,
                # The address, not Isso's row id: it names the page whichever database it is.
                thread_id=str(uri or f"#{tid}"),
                comments=comments,
                report=report,
                link=str(uri or ""),
                title=str(title or ""),
            )
            if progress is not None:
                progress(done, total, report)
        # Comments whose thread row is missing (a damaged database): kept, never dropped.
        orphans: dict[int, list[IncomingComment]] = {}
        marks = ",".join(str(int(t)) for t in known) or "NULL"
        for row in _rows(db, f"tid IS NULL OR tid NOT IN ({marks})", {"cap": cap}):
            orphans.setdefault(row[0], []).extend(_comments(iter([row]), report, cap))
        for tid, comments in orphans.items():
            settle(
                mapping=mapping,
                prefix=PREFIX,
                thread_id=f"#{tid}",
                comments=comments,
                report=report,
            )
        account(report, PREFIX, "Isso comment")
    if progress is not None:
        progress(total, total, report)
    return report


def _comments(rows: Iterator[Row], report: ImportReport, cap: int) -> list[IncomingComment]:
    out = []
    for _tid, cid, parent, created, mode, remote_addr, text, size, author, email, website in rows:
        if text is None and (size or 0) > cap:
            refuse(
                report,
                PREFIX,
                f"Isso comment {cid}",
                f"its text is larger than the {describe_size(cap)} one comment may hold "
                "(BYLINE_IMPORT_MAX_ITEM_BYTES)",
            )
            continue
        status = _MODES.get(mode)
        if status is None:
            status = Comment.Status.PENDING
            report.note("Isso comments in a state Byline does not know were held for review.")
        try:
            when = datetime.fromtimestamp(float(created), tz=UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            when = timezone.now()
            report.counts["isso_comments_without_date"] += 1
        out.append(
            IncomingComment(
                origin_id=f"isso:{cid}",
                origin_number=int(cid),
                parent_origin_id=f"isso:{parent}" if parent else None,
                created_at=when,
                status=status,
                kind=Comment.Kind.COMMENT,
                author_name=clean_line(author or "", 100),
                author_email=clean_email(email or ""),
                author_url=clean_url(website or ""),
                ip_address=clean_ip(remote_addr or ""),
                user_id=None,
                body=text or "",
                body_format=BodyFormat.MARKDOWN,
            )
        )
    return out
