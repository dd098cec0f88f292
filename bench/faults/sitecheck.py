"""Helper of the fault benchmarks that runs inside the benched Byline (its venv, its environment:
``common.Site.sitecheck``), so that it reads and writes through Byline's and Django's own code.

``setup --mode kill|soak --moderators N --password P``
    Site settings for the bench, and N moderator accounts ``faultmod1..N``. Prints ``info``.

    * ``kill``: ModerationSettings.trust_threshold = 0 and min_seconds_to_submit = 0, so guests'
      comments are published at once (numbered, counted, paged: the writes worth interrupting);
      the classifiers may still hold some.
    * ``soak``: Byline's defaults (new commenters held for review, 3-s form timing check): the
      moderators' actions work through what guests post.

``info``
    Prints JSON: the live posts (id, slug, URL, counters, recent public comment ids), the archive
    pages and where ``byline`` was imported from.

``integrity [--acked FILE] [--marker-prefix P]``
    Prints JSON: the database's own check (SQLite ``PRAGMA integrity_check`` and
    ``foreign_key_check``; PostgreSQL ``amcheck``'s ``bt_index_check`` on every B-tree index, when
    the extension can be created) and Byline's invariants, each with ``ok`` and details:

    * comment numbers unique per post, gapless ``1..last_comment_number`` (nothing here deletes
      comments), every public comment numbered, ``last_comment_number >= max(number)``;
    * ``public_comment_count`` == the post's public comments;
    * the tree: a parent on the same post, ``depth`` = parent's + 1 (0 at the top) and below the
      site's ``max_depth``, ``path`` = parent's path + this comment's 32-character segment
      (creation time + zero-padded id), paths unique per post; ``in_reply_to`` on the same post;
    * the page index (``CommentPage``): pages 1..N with N = ``Post.comment_pages``, page 1 starts
      at "", starts increasing, each page's size = the numbered comments in its range of paths
      (informational: whether it equals a rebuild from scratch — it need not: pages never shift,
      so a reply that lands on a full earlier page makes that page longer, where a rebuild would
      move the break);
    * the audit log: every comment posted through the form has its verdict row, and the newest
      audit row about each such comment states its current status;
    * with ``--acked``: FILE has one JSON object a line for every comment the server acknowledged
      (303) — ``marker`` (a unique token in the body) and ``location``; each must be stored
      exactly once, at the comment the ``Location`` named (``#pending-<id>`` / ``#comment-<n>``).
      Stored comments whose marker was never acknowledged (the answer was lost in a kill) are
      counted, not an error.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

MARKER_RE = re.compile(r"\[m:([A-Za-z0-9_.-]+)\]")


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "byline.settings")
    import django

    django.setup()


def info() -> dict[str, Any]:
    from django.urls import reverse

    import byline
    from byline.discussion.models import Comment, DiscussionSettings
    from byline.publishing.models import Post

    posts = []
    months: set[tuple[int, int]] = set()
    for post in Post.objects.live().order_by("-published_at"):
        public = Comment.objects.filter(post=post, status=Comment.Status.PUBLIC)
        recent = list(public.order_by("-pk").values_list("pk", flat=True)[:100])
        deep = list(public.filter(depth__gte=3).order_by("-pk").values_list("pk", flat=True)[:20])
        posts.append(
            {
                "id": post.pk,
                "slug": post.slug,
                "url": post.get_absolute_url(),
                "public_comments": public.count(),
                "last_number": post.last_comment_number,
                "public_comment_count": post.public_comment_count,
                "recent_public_ids": recent,
                "deep_public_ids": deep,
            }
        )
        months.add((post.published_at.year, post.published_at.month))
    archives = sorted({reverse("publishing:year", kwargs={"year": y}) for y, _ in months})
    archives += sorted(
        reverse("publishing:month", kwargs={"year": y, "month": f"{m:02d}"}) for y, m in months
    )
    return {
        "posts": posts,
        "archives": archives,
        "comments_per_page": DiscussionSettings.current().comments_per_page,
        "byline_from": str(Path(byline.__file__).parent),
    }


def setup(mode: str, moderators: int, password: str) -> dict[str, Any]:
    from django.contrib.auth.models import Group

    from byline.accounts.models import User
    from byline.accounts.roles import MODERATOR
    from byline.moderation.models import ModerationSettings

    rules = ModerationSettings.current()
    if mode == "kill":
        rules.trust_threshold = 0
        rules.min_seconds_to_submit = 0
    rules.full_clean()
    rules.save()
    group = Group.objects.get(name=MODERATOR)
    names = []
    for i in range(1, moderators + 1):
        name = f"faultmod{i}"
        user, _ = User.objects.get_or_create(username=name, defaults={"email": f"{name}@x.test"})
        user.set_password(password)
        user.is_staff = True
        user.save()
        user.groups.add(group)
        names.append(name)
    current = ModerationSettings.current()
    return info() | {
        "moderators": names,
        "moderation_settings": {
            "trust_threshold": current.trust_threshold,
            "min_seconds_to_submit": current.min_seconds_to_submit,
            "new_commenters": current.new_commenters,
        },
    }


# -- integrity --------------------------------------------------------------------------------


def _result(ok: bool, **detail: Any) -> dict[str, Any]:
    return {"ok": ok, **detail}


def _database_check() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("PRAGMA integrity_check")
            rows = [r[0] for r in cur.fetchall()]
            cur.execute("PRAGMA foreign_key_check")
            fks = cur.fetchall()
            return {
                "sqlite_integrity_check": _result(rows == ["ok"], result=rows[:20]),
                "sqlite_foreign_key_check": _result(
                    not fks, violations=[list(r) for r in fks[:20]]
                ),
            }
        try:
            cur.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
        except Exception as exc:  # not installed / not allowed
            return {"pg_amcheck": _result(True, skipped=f"amcheck unavailable: {exc}")}
        cur.execute(
            "SELECT c.oid, c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE a.amname = 'btree' AND n.nspname = 'public' AND c.relpersistence != 't'"
        )
        indexes = cur.fetchall()
        bad = []
        for oid, name in indexes:
            try:
                cur.execute("SELECT bt_index_check(%s, true)", [oid])  # heapallindexed
            except Exception as exc:
                bad.append(f"{name}: {exc}")
        return {"pg_amcheck": _result(not bad, indexes_checked=len(indexes), errors=bad[:20])}


def _numbers(rows: list[dict[str, Any]], posts: dict[int, dict[str, Any]]) -> dict[str, Any]:
    by_post: dict[int, list[int]] = defaultdict(list)
    unnumbered_public = []
    public = Counter()
    for r in rows:
        if r["number"] is not None:
            by_post[r["post_id"]].append(r["number"])
        if r["status"] == "public":
            public[r["post_id"]] += 1
            if r["number"] is None:
                unnumbered_public.append(r["id"])
    dupes, gaps, behind, count_wrong = {}, {}, {}, {}
    for pid, post in posts.items():
        numbers = by_post.get(pid, [])
        c = Counter(numbers)
        d = sorted(n for n, k in c.items() if k > 1)
        if d:
            dupes[pid] = d[:20]
        last = post["last_comment_number"]
        if numbers and max(numbers) > last:
            behind[pid] = {"last_comment_number": last, "max_number": max(numbers)}
        missing = sorted(set(range(1, last + 1)) - set(numbers))
        if missing:
            gaps[pid] = {"count": len(missing), "first": missing[:20]}
        if post["public_comment_count"] != public.get(pid, 0):
            count_wrong[pid] = {
                "public_comment_count": post["public_comment_count"],
                "public_comments": public.get(pid, 0),
            }
    return {
        "numbers_unique_per_post": _result(not dupes, duplicates=dupes),
        "last_comment_number_ge_max": _result(not behind, posts=behind),
        "numbers_gapless": _result(not gaps, posts=gaps),
        "public_comments_numbered": _result(not unnumbered_public, comments=unnumbered_public[:20]),
        "public_comment_count_matches": _result(not count_wrong, posts=count_wrong),
    }


def _tree(rows: list[dict[str, Any]], max_depth: int) -> dict[str, Any]:
    from byline.discussion.models import PATH_SEGMENT_LENGTH

    by_id = {r["id"]: r for r in rows}
    problems: dict[str, list[int]] = defaultdict(list)
    stamp_mismatch = []
    paths: dict[int, set[str]] = defaultdict(set)
    for r in rows:
        pk, path, depth = r["id"], r["path"], r["depth"]
        parent = by_id.get(r["parent_id"]) if r["parent_id"] else None
        if r["parent_id"] and parent is None:
            problems["parent_missing"].append(pk)
            continue
        if len(path) != PATH_SEGMENT_LENGTH * (depth + 1):
            problems["path_length_vs_depth"].append(pk)
        segment = path[-PATH_SEGMENT_LENGTH:]
        if segment[-12:] != f"{pk:012d}":
            problems["path_segment_not_own_id"].append(pk)
        if segment[:20] != r["created_at"].strftime("%Y%m%d%H%M%S%f"):
            stamp_mismatch.append(pk)
        if depth >= max_depth:
            problems["deeper_than_max_depth"].append(pk)
        if parent is None:
            if depth != 0:
                problems["top_level_depth_not_0"].append(pk)
        else:
            if parent["post_id"] != r["post_id"]:
                problems["parent_on_other_post"].append(pk)
            if depth != parent["depth"] + 1:
                problems["depth_not_parent_plus_1"].append(pk)
            if path[:-PATH_SEGMENT_LENGTH] != parent["path"]:
                problems["path_not_under_parent"].append(pk)
        reply_to = by_id.get(r["in_reply_to_id"]) if r["in_reply_to_id"] else None
        if r["in_reply_to_id"] and (reply_to is None or reply_to["post_id"] != r["post_id"]):
            problems["in_reply_to_wrong"].append(pk)
        if path in paths[r["post_id"]]:
            problems["path_not_unique"].append(pk)
        paths[r["post_id"]].add(path)
    return {
        "tree_paths_parents": _result(
            not problems,
            comments_checked=len(rows),
            problems={k: {"count": len(v), "first": v[:20]} for k, v in problems.items()},
        ),
        # Informational: a path's time part is the creation time as it was when written.
        "path_time_is_created_at": _result(
            not stamp_mismatch, count=len(stamp_mismatch), first=stamp_mismatch[:10]
        ),
    }


def _page_index(rows: list[dict[str, Any]], posts: dict[int, dict[str, Any]]) -> dict[str, Any]:
    from byline.discussion.models import CommentPage, DiscussionSettings
    from byline.discussion.pagination import build_pages

    per_page = DiscussionSettings.current().comments_per_page
    numbered: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: r["path"]):
        if r["number"] is not None:
            numbered[r["post_id"]].append((r["path"], r["depth"]))
    pages: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for p in CommentPage.objects.order_by("post_id", "number").values_list(
        "post_id", "number", "start", "size"
    ):
        pages[p[0]].append(p[1:])
    bad, differs, unbuilt = {}, {}, []
    for pid, post in posts.items():
        stored = pages.get(pid, [])
        if not post["comment_pages"]:
            unbuilt.append(pid)  # rebuilt when next read: nothing to check
            continue
        why = []
        if [n for n, _, _ in stored] != list(range(1, post["comment_pages"] + 1)):
            why.append(f"page numbers {[n for n, _, _ in stored][:10]}… vs {post['comment_pages']}")
        if stored and stored[0][1] != "":
            why.append("page 1 does not start at ''")
        starts = [s for _, s, _ in stored]
        if starts != sorted(set(starts)):
            why.append("starts not increasing")
        if sum(size for _, _, size in stored) != len(numbered.get(pid, [])):
            why.append(
                f"sizes sum to {sum(size for _, _, size in stored)}, "
                f"{len(numbered.get(pid, []))} numbered comments"
            )
        # Each page's size is the numbered comments whose path falls in its range.
        counted = Counter(bisect.bisect_right(starts, path) for path, _ in numbered.get(pid, []))
        wrong = [n for n, _, size in stored if counted.get(n, 0) != size]
        if wrong:
            why.append(f"pages whose size is not the comments in their range: {wrong[:10]}")
        if why:
            bad[pid] = why
        if post["comment_page_size"] == per_page:
            rebuilt = build_pages(numbered.get(pid, []), per_page)
            if [(s, z) for _, s, z in stored] != rebuilt:
                differs[pid] = {"stored_pages": len(stored), "rebuilt_pages": len(rebuilt)}
    return {
        "page_index_consistent": _result(not bad, posts=bad, unbuilt_posts=unbuilt),
        "page_index_equals_rebuild": _result(not differs, posts=differs),
    }


def _audit(rows: list[dict[str, Any]]) -> dict[str, Any]:
    from byline.moderation.models import AuditEntry

    ours = {r["id"]: r for r in rows if r["origin_id"] is None}
    verdicts = set(
        AuditEntry.objects.filter(action=AuditEntry.Action.VERDICT, comment_id__in=list(ours))
        .values_list("comment_id", flat=True)
        .iterator()
    )
    newest: dict[int, Any] = {}
    for cid, after in (
        AuditEntry.objects.filter(comment_id__in=list(ours))
        .order_by("comment_id", "pk")
        .values_list("comment_id", "after")
        .iterator()
    ):
        newest[cid] = after
    missing = sorted(set(ours) - verdicts)
    disagree = sorted(
        cid
        for cid, after in newest.items()
        if isinstance(after, dict) and "status" in after and after["status"] != ours[cid]["status"]
    )
    return {
        "audit_verdict_for_every_posted_comment": _result(
            not missing, comments_posted_here=len(ours), missing=len(missing), first=missing[:20]
        ),
        "audit_newest_state_matches": _result(
            not disagree, disagreeing=len(disagree), first=disagree[:20]
        ),
    }


def _acked(rows: list[dict[str, Any]], acked_file: Path, prefix: str) -> dict[str, Any]:
    stored: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        for m in MARKER_RE.findall(r["body"]):
            if m.startswith(prefix):
                stored[m].append(r)
    acked = [json.loads(line) for line in acked_file.read_text().splitlines() if line.strip()]
    lost, wrong_target = [], []
    for a in acked:
        found = stored.get(a["marker"], [])
        if not found:
            lost.append(a["marker"])
            continue
        c = found[0]
        loc = a.get("location", "")
        m = re.search(r"#pending-(\d+)$", loc)
        n = re.search(r"#comment-(\d+)$", loc)
        if (
            (m and int(m[1]) != c["id"])
            or (n and int(n[1]) != c["number"])
            or (loc and str(c["post_id"]) != str(a.get("post_id", c["post_id"])))
        ):
            wrong_target.append({"marker": a["marker"], "location": loc, "stored_id": c["id"]})
    dupes = sorted(m for m, found in stored.items() if len(found) > 1)
    acked_set = {a["marker"] for a in acked}
    unacked_stored = sorted(set(stored) - acked_set)
    statuses = Counter(stored[a["marker"]][0]["status"] for a in acked if stored.get(a["marker"]))
    return {
        "acknowledged_all_stored": _result(
            not lost, acknowledged=len(acked), lost=len(lost), first_lost=lost[:20]
        ),
        "acknowledged_location_right": _result(
            not wrong_target, wrong=len(wrong_target), first=wrong_target[:10]
        ),
        "markers_stored_once": _result(not dupes, duplicated=len(dupes), first=dupes[:10]),
        "_stored_without_ack": len(unacked_stored),
        "_stored_markers": len(stored),
        "_acknowledged_by_status": dict(statuses),
    }


def integrity(acked_file: Path | None, prefix: str) -> dict[str, Any]:
    from byline.discussion.models import Comment, DiscussionSettings
    from byline.publishing.models import Post

    fields = (
        "id", "post_id", "parent_id", "in_reply_to_id", "depth", "path", "number", "status",
        "created_at", "origin_id", "body",
    )  # fmt: skip
    rows = list(Comment.objects.order_by().values(*fields).iterator(chunk_size=5000))
    posts = {
        p["id"]: p
        for p in Post.objects.values(
            "id", "last_comment_number", "public_comment_count", "comment_pages",
            "comment_page_size",
        )
    }  # fmt: skip
    max_depth = DiscussionSettings.current().max_depth
    checks: dict[str, Any] = {}
    checks |= _database_check()
    checks |= _numbers(rows, posts)
    checks |= _tree(rows, max_depth)
    checks |= _page_index(rows, posts)
    checks |= _audit(rows)
    extra: dict[str, Any] = {}
    if acked_file is not None:
        found = _acked(rows, acked_file, prefix)
        extra = {k[1:]: v for k, v in found.items() if k.startswith("_")}
        checks |= {k: v for k, v in found.items() if not k.startswith("_")}
    informational = {"path_time_is_created_at", "page_index_equals_rebuild"}
    failed = [k for k, v in checks.items() if not v["ok"] and k not in informational]
    return {
        "ok": not failed,
        "failed": failed,
        "informational": sorted(informational),
        "comments": len(rows),
        "by_status": dict(Counter(r["status"] for r in rows)),
        "checks": checks,
        **extra,
    }


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--mode", choices=["kill", "soak"], required=True)
    s.add_argument("--moderators", type=int, default=0)
    s.add_argument("--password", default="")
    sub.add_parser("info")
    i = sub.add_parser("integrity")
    i.add_argument("--acked", type=Path)
    i.add_argument("--marker-prefix", default="")
    a = p.parse_args(argv)
    _setup_django()
    if a.cmd == "setup":
        out = setup(a.mode, a.moderators, a.password)
    elif a.cmd == "info":
        out = info()
    else:
        out = integrity(a.acked, a.marker_prefix)
    sys.stdout.write(json.dumps(out, default=str) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
