"""Shared pieces of the WordPress and Disqus importers: progress, cleaning, comment trees.

An import runs in one database transaction: it either completes or leaves the site as it was
(the error says where the file broke). Re-running an import with the same file changes nothing;
a newer export updates what changed. See docs/migration.md.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from django.db.models import Max

from byline.core.rendering import COMMENT, render_body, safe_url
from byline.discussion.models import Comment, DiscussionSettings
from byline.migration.models import ImportedObject
from byline.publishing.models import Post

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class ImportReport:
    """What an import did, in numbers and in sentences for the person running it."""

    counts: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def note(self, sentence: str) -> None:
        if sentence not in self.notes:
            self.notes.append(sentence)

    def summary(self) -> str:
        parts = [f"{name.replace('_', ' ')}: {n:,}" for name, n in sorted(self.counts.items())]
        return "; ".join(parts) or "nothing to import"


ProgressCallback = Callable[[int, int, ImportReport], None]


class CountingReader:
    """A binary file wrapper that counts bytes read, for progress reporting."""

    def __init__(
        self,
        raw: IO[bytes],
        total: int,
        report: ImportReport,
        callback: ProgressCallback | None,
        every_seconds: float = 0.5,
    ) -> None:
        self.raw = raw
        self.total = total
        self.read_bytes = 0
        self.report = report
        self.callback = callback
        self.every = every_seconds
        self._last = 0.0

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        self.read_bytes += len(chunk)
        now = time.monotonic()
        if self.callback is not None and (now - self._last >= self.every or not chunk):
            self._last = now
            self.callback(self.read_bytes, self.total, self.report)
        return chunk


def fingerprint(*parts: Any) -> str:
    """A stable hash of an object's source fields, to see whether a re-import changed it."""
    blob = json.dumps(parts, default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def clean_line(value: str, limit: int) -> str:
    """A one-line field (a name): control characters such as newlines become spaces."""
    return " ".join(_CONTROL.sub(" ", value or "").split())[:limit]


def clean_email(value: str) -> str:
    """An address with a line break is a header-injection attempt: keep only its first line."""
    first = next((part for part in _CONTROL.split(value or "") if part.strip()), "")
    return first.strip()[:254]


def clean_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def clean_url(value: str) -> str:
    """Only absolute http(s) addresses survive (``javascript:`` and friends are dropped)."""
    return safe_url(clean_line(value, 500))


def as_aware(moment: datetime | None, offset: timedelta | None) -> datetime | None:
    """A naive local time from the file, made aware with the site's offset (UTC if unknown)."""
    if moment is None:
        return None
    return (moment - (offset or timedelta())).replace(tzinfo=UTC)


def gmt(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)


class Mapping:
    """Look-ups of already imported objects for one archive source, cached per run."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._cache: dict[tuple[str, str], ImportedObject | None] = {}

    def get(self, kind: str, source_id: object) -> ImportedObject | None:
        key = (kind, str(source_id))
        if key not in self._cache:
            self._cache[key] = ImportedObject.objects.filter(
                source=self.source, kind=kind, source_id=key[1]
            ).first()
        return self._cache[key]

    def object_id(self, kind: str, source_id: object) -> int | None:
        found = self.get(kind, source_id)
        return found.object_id if found else None

    def remember(self, kind: str, source_id: object, object_id: int, print_: str = "") -> None:
        found, _ = ImportedObject.objects.update_or_create(
            source=self.source,
            kind=kind,
            source_id=str(source_id),
            defaults={"object_id": object_id, "fingerprint": print_},
        )
        self._cache[(kind, str(source_id))] = found


@dataclass
class IncomingComment:
    """A comment from an archive, normalised, before it is placed in its thread."""

    origin_id: str
    origin_number: int  # numeric id for ordering and the path key
    parent_origin_id: str | None
    created_at: datetime
    status: str
    kind: str
    author_name: str
    author_email: str
    author_url: str
    ip_address: str | None
    user_id: int | None
    body: str
    body_format: str
    number: int | None = None  # kept from a Byline export, so permalinks survive a move


_COMPARED = (
    "status", "kind", "author_name", "author_email", "author_url", "ip_address", "user_id",
    "body", "body_format", "created_at",
)  # fmt: skip
_UPDATED = (*_COMPARED, "body_html", "parent_id", "in_reply_to_id", "depth", "path", "number")


def _segment(created: datetime, number: int) -> str:
    # The same shape as discussion.models.PATH_SEGMENT, keyed by the archive's id so that the
    # key is known before the row is inserted.
    return f"{created:%Y%m%d%H%M%S%f}{number % 10**12:012d}"


def place_comments(post: Post, incoming: Iterable[IncomingComment], report: ImportReport) -> None:
    """Insert or update one post's imported comments, keeping threads, numbers and order.

    ``incoming`` may list replies before their parents. Comments already imported are found by
    ``origin_id`` and updated only if something changed; their numbers never change. New public
    comments are numbered after the post's highest number, oldest first.
    """
    rules = DiscussionSettings.current()
    items = {c.origin_id: c for c in incoming}
    if not items:
        return
    existing = {
        c.origin_id: c
        for c in Comment.objects.filter(post=post, origin_id__in=list(items)).only(
            "id", "origin_id", "number", *_UPDATED
        )
    }
    # Oldest first, so parents (older than their replies) are usually placed first; the
    # recursion below handles a reply that claims to be older than its parent.
    order = sorted(items.values(), key=lambda c: (c.created_at, c.origin_number))
    placed: dict[str, Comment] = {}
    next_number = (
        Comment.objects.filter(post=post).aggregate(m=Max("number"))["m"]
        or post.last_comment_number
        or 0
    )
    next_number = max(next_number, post.last_comment_number)
    taken = set(
        Comment.objects.filter(post=post, number__isnull=False).values_list("number", flat=True)
    )
    # Numbers carried in the file are kept free while the others are handed out.
    reserved = {
        i.number for i in items.values() if i.number is not None and i.origin_id not in existing
    } - taken
    to_create: list[Comment] = []
    to_update: list[Comment] = []

    def place(item: IncomingComment, trail: frozenset[str] = frozenset()) -> Comment:
        nonlocal next_number
        if item.origin_id in placed:
            return placed[item.origin_id]
        parent: Comment | None = None
        parent_item = items.get(item.parent_origin_id or "")
        if item.parent_origin_id and parent_item is None:
            report.counts["replies_to_missing_parents"] += 1
            report.note(
                "Some replies name a parent comment that is not in the file; they were "
                "imported as top-level comments."
            )
        elif parent_item is not None and parent_item.origin_id in trail | {item.origin_id}:
            report.note("A loop of replies was broken by making one of them top-level.")
        elif parent_item is not None:
            parent = place(parent_item, trail | {item.origin_id})
        in_reply_to = parent
        while parent is not None and parent.depth >= rules.max_depth - 1:
            parent = parent._import_parent  # type: ignore[attr-defined]
        comment = existing.get(item.origin_id) or Comment(post=post, origin_id=item.origin_id)
        before = tuple(getattr(comment, name) for name in _UPDATED) if comment.pk else None
        for name in _COMPARED:
            setattr(comment, name, getattr(item, name))
        comment.parent = parent
        comment.in_reply_to = in_reply_to
        comment.depth = parent.depth + 1 if parent else 0
        segment = _segment(item.created_at, item.origin_number)
        comment.path = (parent.path if parent else "") + segment
        if comment.number is None and item.number is not None and item.number not in taken:
            comment.number = item.number
            taken.add(item.number)
            next_number = max(next_number, item.number)
        elif comment.status == Comment.Status.PUBLIC and comment.number is None:
            next_number += 1
            while next_number in taken or next_number in reserved:
                next_number += 1
            comment.number = next_number
            taken.add(next_number)
        if before is None or any(
            name in ("status", "kind", "body", "body_format") for name in _changed(before, comment)
        ):
            comment.body_html = render_body(comment.body, comment.body_format, COMMENT)
        comment._import_parent = parent  # type: ignore[attr-defined]
        if comment.pk is None:
            to_create.append(comment)
            report.counts["comments_added"] += 1
        elif before != tuple(getattr(comment, name) for name in _UPDATED):
            to_update.append(comment)
            report.counts["comments_updated"] += 1
        else:
            report.counts["comments_unchanged"] += 1
        placed[item.origin_id] = comment
        return comment

    for item in order:
        place(item)

    # Parents must exist before children reference them: insert level by level. A reply past
    # the depth limit answers a comment on its own level, so that link is set afterwards.
    answered: list[tuple[Comment, Comment]] = []
    for c in to_create:
        if c.in_reply_to is not None and c.in_reply_to is not c.parent:
            answered.append((c, c.in_reply_to))
            c.in_reply_to = None
    for depth in sorted({c.depth for c in to_create}):
        level = [c for c in to_create if c.depth == depth]
        for c in level:
            c.parent_id = c.parent.pk if c.parent else None
            c.in_reply_to_id = c.in_reply_to.pk if c.in_reply_to else None
        Comment.objects.bulk_create(level, batch_size=500)
    for c, target in answered:
        c.in_reply_to = target
    if answered:
        Comment.objects.bulk_update([c for c, _ in answered], ["in_reply_to"], batch_size=500)
    if to_update:
        for c in to_update:
            c.parent_id = c.parent.pk if c.parent else None
            c.in_reply_to_id = c.in_reply_to.pk if c.in_reply_to else None
        Comment.objects.bulk_update(to_update, list(_UPDATED), batch_size=500)

    public = Comment.objects.filter(post=post, status=Comment.Status.PUBLIC).count()
    Post.objects.filter(pk=post.pk).update(
        last_comment_number=max(next_number, post.last_comment_number),
        public_comment_count=public,
    )


def _changed(before: tuple[Any, ...], comment: Comment) -> list[str]:
    return [
        name for name, old in zip(_UPDATED, before, strict=True) if getattr(comment, name) != old
    ]
