"""Comment threads that match no post: found by address, kept whole, attached later.

The comment importers (Disqus, Isso, Remark42) find each thread's post by the thread's address
(``post_for_address``). A thread that finds none is not dropped: ``keep`` stores it with all its
comments as an :class:`~byline.migration.models.UnattachedThread`, listed in the admin, where an
administrator attaches it to a post (``attach``) or has a draft post made for it
(``create_post_for``). Attaching places the comments through ``importing.place_comments`` as
any import does (threads, numbers, statuses), remembers the pairing so that importing the same
archive again puts the thread's comments on that post, and records the thread's old address as
one of the post's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils import timezone

from byline.accounts.models import User
from byline.core import pagecache
from byline.migration.importing import (
    ImportReport,
    IncomingComment,
    Mapping,
    fingerprint,
    place_comments,
)
from byline.migration.models import LegacyURL, UnattachedThread
from byline.publishing.models import BodyFormat, Post
from byline.publishing.services import save_post


def post_for_address(*addresses: str) -> Post | None:
    """The post an old address leads to: a recorded old address (``LegacyURL``) or one of
    Byline's own post addresses. Only the path counts (the old site's host may differ)."""
    for candidate in addresses:
        path = unquote(urlsplit(candidate or "").path)
        if not path or path == "/":
            continue
        legacy = (
            LegacyURL.objects.filter(path__in=[path, path.rstrip("/") + "/"], post__isnull=False)
            .select_related("post")
            .first()
        )
        if legacy is not None and legacy.post is not None:
            return legacy.post
        try:
            match = resolve(path if path.endswith("/") else path + "/")
        except Resolver404:
            continue
        # A nested page's address (/about/team/) is found by its last slug.
        slug = str(match.kwargs.get("slug") or "").rstrip("/").rsplit("/", 1)[-1]
        if slug and match.url_name in ("post", "by-slug"):
            post = Post.objects.filter(slug=slug).first()
            if post is not None:
                return post
    return None


def mapped_post(mapping: Mapping, thread_id: str) -> Post | None:
    """The post a thread was matched or attached to before (a re-import finds it again)."""
    post_id = mapping.object_id("thread", thread_id)
    return Post.objects.filter(pk=post_id).first() if post_id else None


def keep(
    *,
    source: str,
    source_id: str,
    comments: list[IncomingComment],
    report: ImportReport,
    title: str = "",
    link: str = "",
    identifier: str = "",
    state: str = UnattachedThread.State.OPEN,
    reason: str = "",
    started_at: datetime | None = None,
    suggested_post: Post | None = None,
) -> UnattachedThread:
    """Keep a thread that no post takes, with its comments as they are in the archive.

    Importing the same archive again replaces what is kept with what the archive holds now.
    """
    thread, _ = UnattachedThread.objects.update_or_create(
        source=source,
        source_id=source_id[:200],
        defaults={
            "identifier": identifier[:500],
            "title": title[:300],
            "link": link[:1000],
            "state": state,
            "reason": reason[:300],
            "started_at": started_at,
            "comments": [c.as_data() for c in comments],
            "comment_count": len(comments),
            "suggested_post": suggested_post,
        },
    )
    report.counts["threads_kept_unattached"] += 1
    report.note(
        "Threads that match no post here were kept with all their comments under "
        "Import and export › Unattached threads, where you can attach each to a post or "
        "create a post for it."
    )
    return thread


def apply_state(
    mapping: Mapping, thread_id: str, post: Post, *, closed: bool, report: ImportReport
) -> None:
    """Remember that the archive's thread ``thread_id`` is ``post``'s; a thread closed on the
    old site closes the post to new comments when the import first sees it closed (a later
    reopening there opens it again; a change made here to a thread the old site did not
    change is kept)."""
    state = fingerprint(closed)
    before = mapping.get("thread", thread_id)
    # First seen, a closed thread closes the post; later, only a change on the old site acts.
    first = before is None or not before.fingerprint
    act = closed if first else before is not None and before.fingerprint != state
    if act:
        post.refresh_from_db(fields=["comments_open"])
        if post.comments_open == closed:
            Post.objects.filter(pk=post.pk).update(comments_open=not closed)
            pagecache.invalidate(pagecache.post_part(post.pk), pagecache.LISTS)
            report.counts["posts_closed" if closed else "posts_reopened"] += 1
    if before is None or before.object_id != post.pk or before.fingerprint != state:
        mapping.remember("thread", thread_id, post.pk, state)


def settle(
    *,
    mapping: Mapping,
    prefix: str,
    thread_id: str,
    comments: list[IncomingComment],
    report: ImportReport,
    link: str = "",
    title: str = "",
    closed: bool = False,
    started_at: datetime | None = None,
) -> None:
    """Put one archive thread's comments on its post (paired before, or found by ``link``),
    else keep them unattached; count them under ``{prefix}_placed`` / ``_unattached``."""
    post = mapped_post(mapping, thread_id) or post_for_address(link)
    if post is not None:
        report.counts["threads_matched"] += 1
        apply_state(mapping, thread_id, post, closed=closed, report=report)
        place_comments(post, comments, report)
        report.counts[f"{prefix}_placed"] += len(comments)
        return
    report.counts["threads_unmatched"] += 1
    if not comments:
        return
    keep(
        source=mapping.source,
        source_id=thread_id,
        comments=comments,
        report=report,
        title=title,
        link=link,
        state=UnattachedThread.State.CLOSED if closed else UnattachedThread.State.OPEN,
        reason="its address matches no post here" if link else "it has no address",
        started_at=started_at,
    )
    report.counts[f"{prefix}_unattached"] += len(comments)


def account(report: ImportReport, prefix: str, what: str) -> None:
    """Say that every comment of the archive is placed, merged, kept unattached or refused
    (the counts ``{prefix}_…``), and that they add up to the archive's own count."""
    counts = report.counts
    parts = {
        "placed": counts[f"{prefix}_placed"],
        "merged": counts[f"{prefix}_merged"],
        "kept unattached": counts[f"{prefix}_unattached"],
        "refused": counts[f"{prefix}_refused"],
    }
    told = " + ".join(f"{n:,} {name}" for name, n in parts.items())
    total = counts[prefix]
    if sum(parts.values()) == total:
        report.note(f"Every {what} in the file is accounted for: {told} = {total:,}.")
    else:  # a bug, never the file's fault: say so rather than hide it
        report.note(f"{what[:1].upper()}{what[1:]}s in the file: {total:,}; accounted for: {told}.")


def incoming(thread: UnattachedThread) -> list[IncomingComment]:
    return [IncomingComment.from_data(data) for data in thread.comments]


@transaction.atomic
def attach(thread: UnattachedThread, post: Post) -> ImportReport:
    """Put the thread's comments on ``post``, numbered after its own; remember the pairing."""
    report = ImportReport()
    place_comments(post, incoming(thread), report)
    Mapping(thread.source).remember("thread", thread.source_id, post.pk)
    path = unquote(urlsplit(thread.link).path)[:500]
    if path and path != "/" and path != post.get_absolute_url():
        # The thread's old address now leads to the post (unless it already leads elsewhere).
        LegacyURL.objects.get_or_create(path=path, defaults={"post": post})
    if thread.state == UnattachedThread.State.CLOSED and post.comments_open:
        Post.objects.filter(pk=post.pk).update(comments_open=False)
        pagecache.invalidate(pagecache.post_part(post.pk), pagecache.LISTS)
        report.counts["posts_closed_to_comments"] += 1
    thread.post = post
    thread.attached_at = timezone.now()
    thread.save(update_fields=["post", "attached_at"])
    return report


@transaction.atomic
def create_post_for(thread: UnattachedThread, author: User) -> Post:
    """A draft post for the thread (its title, a line saying where the comments came from),
    with the comments attached; the administrator writes it and publishes it."""
    title = thread.title.strip() or thread.link or f"Comments from {thread.source}"
    where = f" ({thread.link})" if thread.link else ""
    post = Post(
        title=title[:300],
        author=author,
        status=Post.Status.DRAFT,
        body=f"The comments below were imported from {thread.source}{where}.",
        body_format=BodyFormat.MARKDOWN,
        comments_open=thread.state == UnattachedThread.State.OPEN,
    )
    save_post(post, by=author)
    attach(thread, post)
    return post


def describe(report: ImportReport) -> str:
    counts: dict[str, Any] = dict(report.counts)
    placed = sum(counts.get(k, 0) for k in ("comments_added", "comments_updated"))
    return f"{placed} comment{'s' if placed != 1 else ''} placed"
