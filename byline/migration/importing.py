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
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from django.db import connection
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest

from byline.core import bidi, pagecache
from byline.core.rendering import COMMENT, render_body, safe_url
from byline.discussion.models import (
    PATH_SEGMENT,
    PATH_SEGMENT_LENGTH,
    Comment,
    DiscussionSettings,
    text_hash,
)
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

# Refusals are listed one by one in the report up to this many; the rest are counted.
_REFUSALS_LISTED = 50


def refuse(report: ImportReport, what: str, label: str, reason: str) -> None:
    """Count an entry of the archive that could not be imported and say which and why."""
    report.counts[f"{what}_refused"] += 1
    if sum(1 for note in report.notes if note.startswith("Not imported:")) < _REFUSALS_LISTED:
        report.note(f"Not imported: {label}: {reason}.")
    else:
        report.note("More entries were not imported than are listed here; see the counts.")


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

    def tell(self) -> int:
        return self.raw.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        """Read again from ``offset`` (a parser re-reads a file that has an oversized entry,
        see ``xmlsafe.iter_entries``); the progress shown goes back with it."""
        position = self.raw.seek(offset, whence)
        self.read_bytes = position
        return position

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
    """A one-line field (a name): control characters such as newlines become spaces, and
    direction overrides are dropped (a name must not turn the text around it; core.bidi)."""
    text = bidi.strip_direction_controls(_CONTROL.sub(" ", value or ""))
    return " ".join(text.split())[:limit]


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
        found = ImportedObject(
            source=self.source,
            kind=kind,
            source_id=str(source_id),
            object_id=object_id,
            fingerprint=print_,
        )
        # One upsert statement instead of a read and a write.
        ImportedObject.objects.bulk_create(
            [found],
            update_conflicts=True,
            unique_fields=["source", "kind", "source_id"],
            update_fields=["object_id", "fingerprint"],
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
    # The same comment's id in another archive ("dsq:456" for a WordPress comment the Disqus
    # plugin synced): stored as ``Comment.origin_alias``, so importing that archive merges
    # its copy into this comment instead of adding it twice.
    alias: str | None = None

    def as_data(self) -> dict[str, Any]:
        """As JSON-ready data (an unattached thread keeps its comments this way)."""
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> IncomingComment:
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["created_at"] = datetime.fromisoformat(data["created_at"])
        return cls(**values)


_COMPARED = (
    "status", "kind", "author_name", "author_email", "author_url", "ip_address", "user_id",
    "body", "body_format", "created_at",
)  # fmt: skip
_UPDATED = (
    *_COMPARED, "body_html", "body_hash", "parent_id", "in_reply_to_id", "depth", "path", "number",
    "origin_id", "origin_alias", "missing_parent",
)  # fmt: skip


def reserve_comment_ids(count: int) -> list[int]:
    """Ids for ``count`` new comments, taken before inserting them.

    Knowing the ids first lets a whole thread — parents, replies and their ordering keys, which
    contain the id — be written in one batch instead of level by level with a read-back.
    On SQLite the import's transaction holds the write lock, so nobody else can take these.
    """
    if count == 0:
        return []
    name = Comment._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [name, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(name)}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [name])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
    return list(range(start, start + count))


def _preparer(model_field: Any) -> Callable[[Any], Any]:
    def prepare(value: Any) -> Any:
        return model_field.get_db_prep_save(value, connection)

    return prepare


def _insert_comments(rows: list[Comment]) -> None:
    """INSERT many comments whose ids are already set, with one prepared statement.

    Django's bulk_create spends most of an import's time building SQL per batch and preparing
    every value through its field; comments hold simple types, so they are prepared here.
    """
    fields = list(Comment._meta.concrete_fields)
    prepare: list[Callable[[Any], Any] | None] = []
    for model_field in fields:
        internal = model_field.get_internal_type()
        if internal == "JSONField":
            prepare.append(_preparer(model_field))
        elif internal == "DateTimeField":
            prepare.append(connection.ops.adapt_datetimefield_value)
        else:
            prepare.append(None)
    names = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(Comment._meta.db_table)
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
    params = [
        tuple(
            getattr(c, f.attname) if convert is None else convert(getattr(c, f.attname))
            for f, convert in zip(fields, prepare, strict=True)
        )
        for c in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), 2000):
            cursor.executemany(sql, params[start : start + 2000])


def _parents_first(
    items: dict[str, IncomingComment], report: ImportReport, known: Iterable[str] = ()
) -> tuple[list[IncomingComment], dict[str, str | None], dict[str, str]]:
    """Oldest first, but every parent before its replies; broken links made top-level.

    ``known``: parents outside ``items`` that are already on the post (a reply to a comment
    imported from another archive). A reply whose parent is neither is made top-level and
    listed in the third result with the parent it named.
    Iterative, so a reply chain thousands deep (listed child first) cannot overflow the stack.
    """
    outside = set(known)
    parent_of: dict[str, str | None] = {}
    missing: dict[str, str] = {}
    for key, item in items.items():
        parent = item.parent_origin_id
        if parent and parent not in items and parent not in outside:
            report.counts["replies_to_missing_parents"] += 1
            report.note(
                "Some replies name a parent comment that is not in the file; they stand as "
                "top-level comments that say they answered a comment that is no longer here "
                "(the parent's id in the archive is kept with them)."
            )
            missing[key] = parent
            parent = None
        parent_of[key] = parent
    # Break loops (a → b → a): walk each chain once, remembering what is on the current path.
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for start in items:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in items and state.get(node) is None:
            state[node] = 1
            path.append(node)
            nxt = parent_of[node]
            if nxt is not None and state.get(nxt) == 1:
                parent_of[node] = None
                report.note("A loop of replies was broken by making one of them top-level.")
                nxt = None
            node = nxt
        for key in path:
            state[key] = 2
    children: dict[str | None, list[IncomingComment]] = {}
    for item in sorted(items.values(), key=lambda c: (c.created_at, c.origin_number)):
        parent = parent_of[item.origin_id]
        # Replies to a comment already on the post start the walk, as top-level ones do.
        children.setdefault(parent if parent in items else None, []).append(item)
    order: list[IncomingComment] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        item = stack.pop()
        order.append(item)
        stack.extend(reversed(children.get(item.origin_id, [])))
    return order, parent_of, missing


def _source_hash(item: IncomingComment, parent: str | None) -> str:
    # Computed for every imported comment, so a plain join and blake2b, not fingerprint().
    values = [getattr(item, name) for name in _COMPARED] + [parent, item.number]
    if item.alias:  # appended only when there is one, so older hashes stay valid
        values.append(item.alias)
    blob = "\x1f".join("" if v is None else str(v) for v in values)
    return hashlib.blake2b(blob.encode(), digest_size=8).hexdigest()


def place_comments(
    post: Post, incoming: Iterable[IncomingComment], report: ImportReport, *, fresh: bool = False
) -> None:
    """Insert or update one post's imported comments, keeping threads, numbers and order.

    ``incoming`` may list replies before their parents, and replies to comments already on the
    post (imported from another archive: a Disqus reply to a WordPress comment). A comment
    already imported is found by ``origin_id`` or ``origin_alias`` (an incoming comment whose
    ``alias`` is an existing comment's origin takes that comment over: one comment, both
    origins) and changed only if its *source* changed since the last import (so a
    moderator's decision or an edit made here survives re-importing the same file); numbers
    never change. A reply whose parent is nowhere stands top-level with ``missing_parent``.
    New public comments are numbered after the post's highest number, oldest first.
    ``fresh`` says the post was just created, so there is nothing to look up.
    """
    rules = DiscussionSettings.current()
    items = {c.origin_id: c for c in incoming}
    if not items:
        return
    # Lock the post row: readers' comments take numbers from it too (see _make_public).
    post = Post.objects.select_for_update().get(pk=post.pk)
    existing: dict[str, Comment] = {}
    outside: dict[str, Comment] = {}  # parents already on the post, named by incoming replies
    taken: set[int] = set()
    next_number = post.last_comment_number
    if not fresh:
        keys = [*items, *(i.alias for i in items.values() if i.alias)]
        keys += [
            i.parent_origin_id
            for i in items.values()
            if i.parent_origin_id and i.parent_origin_id not in items
        ]
        for start in range(0, len(keys), 5000):
            part = keys[start : start + 5000]
            for c in (
                Comment.objects.filter(post=post)
                .filter(Q(origin_id__in=part) | Q(origin_alias__in=part))
                .only("id", "origin_hash", "published_at", *_UPDATED)
            ):
                for key in (c.origin_id, c.origin_alias):
                    if key:
                        existing[key] = c
        numbers = Comment.objects.filter(post=post, number__isnull=False)
        taken = {n for n in numbers.values_list("number", flat=True) if n is not None}
        next_number = max([next_number, *taken])
    matched: dict[str, Comment] = {}  # incoming origin → the comment it updates
    claimed: set[int] = set()
    for key, item in items.items():
        found = existing.get(key) or (existing.get(item.alias) if item.alias else None)
        if found is not None and found.pk not in claimed:
            matched[key] = found
            claimed.add(found.pk)
    for key in {i.parent_origin_id for i in items.values()} - set(items):
        if key and key in existing:
            outside[key] = existing[key]
    # Numbers carried in the file are kept free while the others are handed out.
    reserved = {
        i.number for i in items.values() if i.number is not None and i.origin_id not in matched
    } - taken
    new_ids = iter(reserve_comment_ids(sum(1 for key in items if key not in matched)))
    order, parent_of, missing = _parents_first(items, report, known=outside)
    placed: dict[str, Comment] = dict(outside)
    placed_by_pk: dict[int, Comment] = {c.pk: c for c in outside.values()}
    structural_parent: dict[int, Comment | None] = {}
    to_create: list[Comment] = []
    to_update: list[Comment] = []

    def level_up(comment: Comment) -> Comment | None:
        """The comment's structural parent (loaded when it is not part of this import)."""
        if comment.pk not in structural_parent:
            above = placed_by_pk.get(comment.parent_id or 0)
            if above is None and comment.parent_id is not None:
                above = Comment.objects.only("id", "depth", "path", "parent_id").get(
                    pk=comment.parent_id
                )
            structural_parent[comment.pk] = above
        return structural_parent[comment.pk]

    needs_number: list[tuple[IncomingComment, Comment]] = []
    for item in order:
        parent_key = parent_of[item.origin_id]
        parent = placed[parent_key] if parent_key else None
        lost = missing.get(item.origin_id)
        source = _source_hash(item, parent_key or (f"?{lost}" if lost else None))
        comment = matched.get(item.origin_id)
        if comment is not None and comment.origin_hash == source:
            report.counts["comments_unchanged"] += 1
            placed[item.origin_id] = placed_by_pk[comment.pk] = comment
            continue
        in_reply_to = parent
        # Past the deepest level a reply joins its parent's level (as post_comment does).
        while parent is not None and parent.depth >= rules.max_depth - 1:
            parent = level_up(parent)
        before = tuple(getattr(comment, name) for name in _UPDATED) if comment else None
        if comment is None:
            comment = Comment(pk=next(new_ids), post_id=post.pk, origin_id=item.origin_id)
        elif comment.origin_id != item.origin_id:
            # A copy imported first (from Disqus) meets its original (from WordPress): the
            # original's id leads, the copy's stays as the alias.
            comment.origin_alias = comment.origin_id
            comment.origin_id = item.origin_id
            report.counts["comments_merged"] += 1
        if item.alias:
            comment.origin_alias = item.alias
        comment.missing_parent = lost
        for name in _COMPARED:
            setattr(comment, name, getattr(item, name))
        comment.origin_hash = source
        comment.parent_id = parent.pk if parent else None
        comment.in_reply_to_id = in_reply_to.pk if in_reply_to else None
        comment.depth = parent.depth + 1 if parent else 0
        if before is None:
            segment = PATH_SEGMENT.format(created=item.created_at, pk=comment.pk)
            comment.path = (parent.path if parent else "") + segment
        else:
            own = comment.path[-PATH_SEGMENT_LENGTH:]
            comment.path = (parent.path if parent else "") + own
        if comment.number is None and item.number is not None and item.number not in taken:
            comment.number = item.number
            taken.add(item.number)
            next_number = max(next_number, item.number)
        elif comment.status == Comment.Status.PUBLIC and comment.number is None:
            needs_number.append((item, comment))
        if before is None or any(
            name in ("status", "kind", "body", "body_format") for name in _changed(before, comment)
        ):
            comment.body_html = render_body(comment.body, comment.body_format, COMMENT)
            comment.body_hash = text_hash(comment.body)
        structural_parent[comment.pk] = parent
        if before is None:
            to_create.append(comment)
            report.counts["comments_added"] += 1
        else:
            to_update.append(comment)
            report.counts["comments_updated"] += 1
        placed[item.origin_id] = placed_by_pk[comment.pk] = comment

    # Numbers follow the order comments were written in, not the thread's nesting.
    needs_number.sort(key=lambda pair: (pair[0].created_at, pair[0].origin_number))
    for _, comment in needs_number:
        next_number += 1
        while next_number in taken or next_number in reserved:
            next_number += 1
        comment.number = next_number
        taken.add(next_number)
    pending_write = {c.pk for c in to_create} | {c.pk for c in to_update}
    for comment in placed_by_pk.values():
        if comment.number is not None and comment.published_at is None:
            comment.published_at = comment.created_at
            if comment.pk not in pending_write:
                to_update.append(comment)

    if to_create:
        _insert_comments(to_create)
    if to_update:
        for comment in to_update:
            comment.html_key = ""  # its fragment is rendered again when next shown
        fields = [*_UPDATED, "origin_hash", "published_at", "html_key"]
        Comment.objects.bulk_update(to_update, fields, batch_size=500)

    if fresh:
        public = sum(1 for c in placed.values() if c.status == Comment.Status.PUBLIC)
    else:
        public = Comment.objects.filter(post=post, status=Comment.Status.PUBLIC).count()
    # Never backwards, whatever happened meanwhile.
    # Written by hand, not saved: the post's cached pages and the listings' counts must go.
    pagecache.invalidate(pagecache.post_part(post.pk), pagecache.LISTS)
    # The page index is rebuilt from the comments when next read (``discussion.pagination``).
    Post.objects.filter(pk=post.pk).update(
        last_comment_number=Greatest(F("last_comment_number"), Value(next_number)),
        public_comment_count=public,
        comment_pages=0,
        comment_page_size=0,
    )


def _changed(before: tuple[Any, ...], comment: Comment) -> list[str]:
    return [
        name for name, old in zip(_UPDATED, before, strict=True) if getattr(comment, name) != old
    ]
