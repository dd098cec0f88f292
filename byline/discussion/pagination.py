"""The pages of a thread: where each starts, so that a page loads by a range of paths.

A thread is ordered by ``Comment.path`` (depth first, siblings oldest first). Page ``k`` is the
range of paths from its ``CommentPage.start`` (the path of a top-level comment) up to the next
page's start, so showing page 1 or page 1,000 of a 100,000-comment thread reads only that page's
rows, and "which page shows this comment" is one indexed lookup of its path.

Pages are counted in comments (``DiscussionSettings.comments_per_page``) but break only before a
top-level comment, so a reply is never split from its parent. The index grows as comments
become public (``note_public``, called by the discussion services in the transaction that
numbers the comment) and is rebuilt from the comments themselves whenever it is missing or was
built for another page size (``ensure_index``): after an import, or when an editor changes the
page size. Pages never shift when a comment is removed, so permalinks and cached pages of
other pages stay right.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from byline.core.dbwrite import quick_write
from byline.discussion.models import Comment, CommentPage, DiscussionSettings
from byline.publishing.models import Post


@dataclass(frozen=True, slots=True)
class PageRange:
    """Page ``number`` of ``count`` pages: the comments with ``start <= path < end``."""

    number: int
    count: int
    start: str
    end: str | None


def build_pages(rows: list[tuple[str, int]], per_page: int) -> list[tuple[str, int]]:
    """Pure: (start, size) of each page for ``rows`` of (path, depth) in path order, counting
    every row; a page closes once it holds ``per_page`` rows and the next row is top-level."""
    pages: list[tuple[str, int]] = [("", 0)]
    for path, depth in rows:
        start, size = pages[-1]
        if depth == 0 and size >= per_page:
            pages.append((path, 1))
        else:
            pages[-1] = (start, size + 1)
    return pages


def _counted(post_id: int) -> list[tuple[str, int]]:
    # Comments ever made public keep their number (removed ones stand as placeholders), so they
    # are the ones a page is sized by.
    query = Comment.objects.filter(post_id=post_id, number__isnull=False).order_by("path")
    return list(query.values_list("path", "depth"))


def _store(post_id: int, pages: list[tuple[str, int]], per_page: int) -> None:
    # The post row lock serialises this with comments being numbered (and a second reader
    # finding the same stale index).
    Post.objects.select_for_update().filter(pk=post_id).values_list("pk").first()
    CommentPage.objects.filter(post_id=post_id).delete()
    CommentPage.objects.bulk_create(
        CommentPage(post_id=post_id, number=i, start=start, size=size)
        for i, (start, size) in enumerate(pages, start=1)
    )
    Post.objects.filter(pk=post_id).update(comment_pages=len(pages), comment_page_size=per_page)


def rebuild(post_id: int) -> int:
    """Build the post's page index from its comments and store it; returns the page count."""
    per_page = DiscussionSettings.current().comments_per_page
    pages = build_pages(_counted(post_id), per_page)
    with transaction.atomic():
        _store(post_id, pages, per_page)
    return len(pages)


# An index a reader computed but could not store (the database was busy), kept on the post
# object for the rest of its request.
_UNSTORED = "_unstored_comment_pages"


def ensure_index(post: Post) -> int:
    """The number of pages of ``post``'s thread, building its index first if it is missing or
    was built for another page size. A reader never waits for it: if the database is busy
    (an import holds it), the index is computed, used and left for the next reader to store."""
    per_page = DiscussionSettings.current().comments_per_page
    if post.comment_pages and post.comment_page_size == per_page:
        return post.comment_pages
    fresh = Post.objects.values_list("comment_pages", "comment_page_size").get(pk=post.pk)
    if fresh[0] and fresh[1] == per_page:
        count = fresh[0]
    else:
        pages = build_pages(_counted(post.pk), per_page)
        if not quick_write(lambda: _store(post.pk, pages, per_page)):
            setattr(post, _UNSTORED, pages)
            return len(pages)
        count = len(pages)
    post.comment_pages, post.comment_page_size = count, per_page
    return count


def forget(post_id: int) -> None:
    """Drop a post's page index so it is rebuilt when next read (after an import)."""
    Post.objects.filter(pk=post_id).update(comment_pages=0, comment_page_size=0)


def page_range(post: Post, number: int) -> PageRange:
    """Page ``number`` of ``post``'s thread, clamped into range so a stale link shows a page."""
    count = ensure_index(post)
    number = min(max(1, number), count)
    unstored: list[tuple[str, int]] | None = getattr(post, _UNSTORED, None)
    if unstored is not None:
        end = unstored[number][0] if number < len(unstored) else None
        return PageRange(number, count, unstored[number - 1][0], end)
    starts = dict(
        CommentPage.objects.filter(post_id=post.pk, number__in=[number, number + 1]).values_list(
            "number", "start"
        )
    )
    return PageRange(number, count, starts.get(number, ""), starts.get(number + 1))


def page_of_path(post: Post, path: str) -> int:
    """The page whose range holds ``path``."""
    ensure_index(post)
    unstored: list[tuple[str, int]] | None = getattr(post, _UNSTORED, None)
    if unstored is not None:
        return max(1, bisect.bisect_right([start for start, _ in unstored], path))
    found = (
        CommentPage.objects.filter(post_id=post.pk, start__lte=path)
        .order_by("-start")
        .values_list("number", flat=True)
        .first()
    )
    return found or 1


def note_public(comment: Comment) -> None:
    """Count ``comment``, just made public for the first time, on its page, opening a new last
    page if it is a new top-level comment and the last page is full. Call inside the
    transaction that numbered it (the post row is locked)."""
    post_id = comment.post_id
    pages, size = Post.objects.values_list("comment_pages", "comment_page_size").get(pk=post_id)
    per_page = DiscussionSettings.current().comments_per_page
    if not pages or size != per_page:
        return  # rebuilt from the comments when next read
    page = (
        CommentPage.objects.filter(post_id=post_id, start__lte=comment.path)
        .order_by("-start")
        .first()
    )
    if page is None:  # an index somebody truncated: rebuild it when next read
        forget(post_id)
        return
    newest = not Comment.objects.filter(
        post_id=post_id, number__isnull=False, path__gt=comment.path
    ).exists()
    if page.number == pages and comment.depth == 0 and page.size >= per_page and newest:
        CommentPage.objects.create(post_id=post_id, number=pages + 1, start=comment.path, size=1)
        Post.objects.filter(pk=post_id).update(comment_pages=pages + 1)
    else:
        CommentPage.objects.filter(pk=page.pk).update(size=F("size") + 1)
