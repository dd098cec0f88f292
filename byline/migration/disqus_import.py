"""Importing a Disqus export: threads matched to posts, comments with replies and statuses.

Disqus lists threads first, then every post (comment) of every thread in one flat sequence,
with replies possibly before their parents. Threads are few and kept in memory. Comments are
buffered per Byline post and placed when the file ends (a reply's parent may be the file's last
line), so unlike the WordPress import, memory grows with the number of comments; see
docs/migration.md.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from datetime import UTC
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.db import transaction
from django.urls import Resolver404, resolve
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
)
from byline.migration.models import LegacyURL
from byline.migration.records import DisqusPost, DisqusThread
from byline.publishing.models import BodyFormat, Post

# The WordPress Disqus plugin's identifiers look like "123 http://example.org/?p=123".
_WP_IDENTIFIER = re.compile(r"^(\d+)\s+\S+")


def match_thread(thread: DisqusThread) -> Post | None:
    """The Byline post a Disqus thread belongs to, by identifier or by address."""
    found = _WP_IDENTIFIER.match(thread.identifier or "")
    if found:
        legacy = LegacyURL.objects.filter(path=f"/?p={found.group(1)}").first()
        if legacy is not None:
            return legacy.post
    for candidate in (thread.link, thread.identifier):
        path = unquote(urlsplit(candidate or "").path)
        if not path:
            continue
        legacy = LegacyURL.objects.filter(path__in=[path, path.rstrip("/") + "/"]).first()
        if legacy is not None:
            return legacy.post
        try:
            match = resolve(path if path.endswith("/") else path + "/")
        except Resolver404:
            continue
        slug = match.kwargs.get("slug")
        if slug and match.url_name in ("post", "by-slug"):
            post = Post.objects.filter(slug=slug).first()
            if post is not None:
                return post
    return None


def _as_number(source_id: str) -> int:
    digits = re.sub(r"\D", "", source_id)
    return int(digits[-12:]) if digits else 0


def import_disqus(path: str | Path, *, progress: ProgressCallback | None = None) -> ImportReport:
    """Import a Disqus XML export in one transaction; comments on unmatched threads are
    counted and reported, never attached to a wrong post."""
    report = ImportReport()
    mapping = Mapping("disqus")
    threads: dict[str, int | None] = {}
    by_post: dict[int, list[IncomingComment]] = defaultdict(list)
    total = os.path.getsize(path)
    with open(path, "rb") as raw, transaction.atomic():
        reader = CountingReader(raw, total, report, progress)
        for record in iter_disqus(reader):  # type: ignore[arg-type]
            if isinstance(record, DisqusThread):
                post = match_thread(record)
                threads[record.source_id] = post.pk if post else None
                if post is not None:
                    mapping.remember("thread", record.source_id, post.pk)
                    report.counts["threads_matched"] += 1
                else:
                    report.counts["threads_unmatched"] += 1
            elif isinstance(record, DisqusPost):
                post_id = threads.get(record.thread_id)
                if post_id is None:
                    report.counts["comments_on_unmatched_threads"] += 1
                    continue
                by_post[post_id].append(_incoming(record))
        if report.counts["threads_unmatched"]:
            report.note(
                "Some Disqus threads match no post here (by identifier or address); their "
                "comments were not imported. Import the WordPress export first, then Disqus."
            )
        for post_id, incoming in by_post.items():
            place_comments(Post.objects.get(pk=post_id), incoming, report)
    if progress is not None:
        progress(total, total, report)
    return report


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
