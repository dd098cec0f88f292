"""Importing a Disqus export without losing a comment or storing one twice.

Disqus lists threads first, then every post (comment) of every thread in one flat sequence,
with replies possibly before their parents. Threads are few and kept in memory. Comments are
buffered per thread and placed when the file ends (a reply's parent may be the file's last
line), so unlike the WordPress import, memory grows with the number of comments; see
docs/migration.md.

Every Disqus post of the file ends up in exactly one of four places, counted in the report:

* **placed** on the post its thread belongs to (by the WordPress plugin's identifier, an old
  address, a Byline address, or the thread's earlier pairing);
* **merged** into the WordPress comment it is a copy of: the WordPress Disqus plugin syncs
  comments both ways and records the pairing (``dsq_post_id`` comment meta in the WordPress
  export, kept as ``Comment.origin_alias``; ``wp_id=123`` as the post's ``<id>`` in the Disqus
  export). The comment keeps its WordPress fields and gains the Disqus id;
* **kept unattached** with its thread, when the thread matches no post or was deleted on Disqus
  (``byline.migration.unattached``), statuses and all;
* **refused**, with the reason, when the file does not let it be imported (no ``dsq:id``, no
  thread named, the same id twice, larger than the import's size cap).

The four add up to the number of posts in the file. A closed thread closes its post to new
comments (when the import first sees it closed; a later reopening on Disqus reopens it).
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from datetime import UTC
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from byline.discussion.models import Comment
from byline.migration.disqus import iter_disqus
from byline.migration.importing import (
    CountingReader,
    ImportReport,
    IncomingComment,
    Mapping,
    ProgressCallback,
    clean_email,
    clean_ip,
    clean_line,
    place_comments,
    refuse,
)
from byline.migration.models import LegacyURL, UnattachedThread
from byline.migration.records import DisqusPost, DisqusThread, RefusedRecord
from byline.migration.unattached import (
    account,
    apply_state,
    keep,
    mapped_post,
    post_for_address,
)
from byline.publishing.models import BodyFormat, Post

# The WordPress Disqus plugin's identifiers look like "123 http://example.org/?p=123".
_WP_IDENTIFIER = re.compile(r"^(\d+)\s+\S+")
# A Disqus post that came from WordPress carries the comment's id as its own <id>.
_WP_COMMENT = re.compile(r"^wp_id=(\d+)$")


def match_thread(thread: DisqusThread) -> Post | None:
    """The Byline post a Disqus thread belongs to, by identifier or by address."""
    found = _WP_IDENTIFIER.match(thread.identifier or "")
    if found:
        legacy = LegacyURL.objects.filter(path=f"/?p={found.group(1)}", post__isnull=False).first()
        if legacy is not None and legacy.post is not None:
            return legacy.post
    return post_for_address(thread.link, thread.identifier)


def _as_number(source_id: str) -> int:
    digits = re.sub(r"\D", "", source_id)
    return int(digits[-12:]) if digits else 0


class _Thread:
    """One thread's comments as read from the file, with what pairs them with WordPress."""

    def __init__(self) -> None:
        self.comments: list[IncomingComment] = []
        self.wp_ids: dict[str, str] = {}  # "dsq:…" → "wp:…" from the posts' own <id>


def import_disqus(
    path: str | Path,
    *,
    progress: ProgressCallback | None = None,
    max_item_bytes: int | None = None,
) -> ImportReport:
    """Import a Disqus XML export in one transaction; see the module's description."""
    report = ImportReport()
    mapping = Mapping("disqus")
    threads: dict[str, DisqusThread] = {}
    comments: dict[str, _Thread] = defaultdict(_Thread)
    seen: set[str] = set()
    cap = max_item_bytes or settings.BYLINE_IMPORT_MAX_ITEM_BYTES
    total = os.path.getsize(path)
    with open(path, "rb") as raw, transaction.atomic():
        reader = CountingReader(raw, total, report, progress)
        for record in iter_disqus(reader, max_item_bytes=cap):  # type: ignore[arg-type]
            if isinstance(record, DisqusThread):
                if record.source_id in threads:
                    report.counts["threads_repeated"] += 1  # the first one's details are used
                else:
                    threads[record.source_id] = record
            elif isinstance(record, DisqusPost):
                report.counts["disqus_posts"] += 1
                if record.source_id in seen:
                    refuse(
                        report,
                        "disqus_posts",
                        f"Disqus comment {record.source_id}",
                        "the file lists it more than once; the first was imported",
                    )
                    continue
                seen.add(record.source_id)
                thread = comments[record.thread_id]
                thread.comments.append(_incoming(record))
                wp_id = _WP_COMMENT.match(record.identifier)
                if wp_id:
                    thread.wp_ids[f"dsq:{record.source_id}"] = f"wp:{wp_id.group(1)}"
            elif isinstance(record, RefusedRecord):
                if record.kind == "post":
                    report.counts["disqus_posts"] += 1
                    refuse(report, "disqus_posts", f"Disqus {record.label}", record.reason)
                else:
                    refuse(report, "threads", f"Disqus {record.label}", record.reason)
        for source_id, entry in threads.items():
            _place_thread(entry, comments.pop(source_id, _Thread()), mapping, report)
        for source_id, orphans in comments.items():
            # Comments naming a thread the file does not have: kept, under that thread's id.
            _place_thread(DisqusThread(source_id=source_id), orphans, mapping, report)
        account(report, "disqus_posts", "Disqus comment")
    if progress is not None:
        progress(total, total, report)
    return report


def _place_thread(
    thread: DisqusThread, found: _Thread, mapping: Mapping, report: ImportReport
) -> None:
    # A thread paired before (matched, or attached by an administrator) stays with its post.
    mapped = mapped_post(mapping, thread.source_id)
    post = mapped or match_thread(thread)
    merged, post = _merge_copies(found, post, report)
    rest = [c for c in found.comments if c.origin_id not in merged]
    if post is None:
        report.counts["threads_unmatched"] += 1
    else:
        report.counts["threads_matched"] += 1
    if post is not None and (not thread.is_deleted or mapped is not None):
        apply_state(mapping, thread.source_id, post, closed=thread.is_closed, report=report)
        place_comments(post, rest, report)
        report.counts["disqus_posts_placed"] += len(rest)
        return
    if not rest:
        return
    if thread.is_deleted:
        reason = "deleted on Disqus, so none of it was public; attach it to bring it back"
        report.note(
            "Threads deleted on Disqus were not put on their posts; they are kept, with "
            "their comments, among the unattached threads."
        )
    elif thread.link or thread.identifier:
        reason = "its address and identifier match no post here"
    else:
        reason = "the file has comments for this thread but no <thread> entry for it"
    keep(
        source="disqus",
        source_id=thread.source_id,
        comments=rest,
        report=report,
        title=thread.title,
        link=thread.link,
        identifier=thread.identifier,
        state=(
            UnattachedThread.State.DELETED
            if thread.is_deleted
            else UnattachedThread.State.CLOSED
            if thread.is_closed
            else UnattachedThread.State.OPEN
        ),
        reason=reason,
        started_at=thread.created_at.replace(tzinfo=UTC) if thread.created_at else None,
        suggested_post=post,
    )
    report.counts["disqus_posts_unattached"] += len(rest)


def _merge_copies(
    found: _Thread, post: Post | None, report: ImportReport
) -> tuple[set[str], Post | None]:
    """Merge the thread's Disqus copies of WordPress comments into those comments.

    A copy is a comment whose WordPress original recorded its Disqus id (``origin_alias``) or
    a Disqus post that names its WordPress comment (``wp_id=…``). Returns the Disqus ids
    merged, and the post: a thread that matched nothing by address belongs to the post its
    copies are on.
    """
    keys = [c.origin_id for c in found.comments]
    if not keys:
        return set(), post
    hits: dict[str, Comment] = {}
    for start in range(0, len(keys), 2000):
        part = set(keys[start : start + 2000])
        wp = {found.wp_ids[k]: k for k in part if k in found.wp_ids}
        query = Q(origin_alias__in=part)
        if wp and post is not None:  # origin_id is indexed per post only
            query |= Q(origin_id__in=list(wp))
        rows = Comment.objects.filter(query)
        if post is not None:
            rows = rows.filter(post=post)
        for c in rows.only("id", "post_id", "origin_id", "origin_alias"):
            if c.origin_alias in part:
                hits[c.origin_alias] = c
            elif c.origin_id in wp and not c.origin_alias:
                hits.setdefault(wp[c.origin_id], c)
    if not hits:
        return set(), post
    if post is None:
        posts = {c.post_id for c in hits.values()}
        if len(posts) != 1:
            return set(), None  # copies on several posts: too unsure to pick one
        post = Post.objects.get(pk=posts.pop())
        report.counts["threads_matched_by_their_comments"] += 1
    hits = {k: c for k, c in hits.items() if c.post_id == post.pk}
    for dsq, comment in hits.items():
        if comment.origin_alias != dsq:
            Comment.objects.filter(pk=comment.pk).update(origin_alias=dsq)
    report.counts["disqus_posts_merged"] += len(hits)
    report.note(
        "Disqus comments that the WordPress Disqus plugin had copied from (or to) WordPress "
        "were merged into the WordPress comment: one comment, both ids kept."
    )
    return set(hits), post


def _incoming(record: DisqusPost) -> IncomingComment:
    if record.is_spam:
        status = Comment.Status.SPAM
    elif record.is_deleted:
        status = Comment.Status.REMOVED
    else:
        status = Comment.Status.PUBLIC
    created = record.created_at.replace(tzinfo=UTC) if record.created_at else timezone.now()
    return IncomingComment(
        origin_id=f"dsq:{record.source_id}",
        origin_number=_as_number(record.source_id),
        parent_origin_id=f"dsq:{record.parent_id}" if record.parent_id else None,
        created_at=created,
        status=status,
        kind=Comment.Kind.COMMENT,
        # isAnonymous means "not a Disqus account", not "no name": keep the name given.
        author_name=clean_line(record.author_name or record.author_username, 100),
        author_email=clean_email(record.author_email),
        author_url="",
        ip_address=clean_ip(record.ip_address),
        user_id=None,
        body=record.message,
        body_format=BodyFormat.HTML,
    )
