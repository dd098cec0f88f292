"""How fast is the post page when its discussion grows long?

Builds a throwaway database (a temp SQLite file, or ``byline_bench`` recreated on the PostgreSQL
server named by ``--postgres`` or a postgres ``DATABASE_URL``) and gives one live post
``--comments`` public comments (~40% top-level, the rest replies down to the depth limit; varied
Markdown with quotations; guests and signed-in readers), all through the real
``validate_submission`` + ``post_comment``, so paths, numbers, fragments and ``body_html`` are
real; their cost per comment is reported too. With ``DEBUG=False`` it then GETs the page through
``django.test.Client`` as a stranger (from the page cache, and rendered with the cache off) and
as a signed-in reader, and times ``load_page``, the view, the template and ``Thread`` shaping
on their own. (``bench/http/`` measures the same pages over HTTP under load.)
It prints query counts, medians and p95s rather than asserting thresholds: timings depend on the
machine (and whatever else runs on it), so compare runs on one machine before and after a change.
``--profile`` adds a cProfile of the stranger's request.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection, connections
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import prepare_database, setup_django  # noqa: E402

BENCH_DB = "byline_bench"
WORDS = [
    "harbor", "council", "budget", "ferry", "vote", "bridge", "tide", "zoning", "permit", "mayor",
    "levy", "dredge", "pier", "license", "report", "committee", "quorum", "minutes", "amendment",
    "shoreline", "erosion", "grant", "audit", "tender", "tourism", "marina",
]  # fmt: skip
NAMES = ["Ana", "Bo", "Chidi", "Dana", "Eero", "Farah", "Gus", "Hiro", "Ines", "Jon", "Kemal"]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--comments", type=int, default=500, help="comments on the post (500)")
    p.add_argument("--requests", type=int, default=30, help="timed GETs per visitor (30)")
    p.add_argument("--warmup", type=int, default=5, help="untimed GETs first (5)")
    p.add_argument("--postgres", default="", help="postgres://… server for the bench database")
    p.add_argument("--seed", type=int, default=1, help="random seed for the data (1)")
    p.add_argument("--profile", action="store_true", help="cProfile 10 stranger GETs")
    return p.parse_args()


def markdown_body(rng: random.Random) -> str:
    def sentence() -> str:
        words = rng.choices(WORDS, k=rng.randint(6, 18))
        if rng.random() < 0.15:
            words[0] = f"*{words[0]}*"
        return " ".join(words).capitalize() + "."

    def paragraph() -> str:
        return " ".join(sentence() for _ in range(rng.choice([1, 2, 3, 5, 8])))

    blocks = [paragraph() for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 5]))]
    roll = rng.random()
    if roll < 0.2:  # a credited quotation
        credit = f"— {rng.choice(NAMES)}, [The Ledger](https://example.org/{rng.randrange(999)})"
        blocks.insert(0, f"> {sentence()} {sentence()}\n\n{credit}")
    elif roll < 0.3:  # quoting the comment answered
        blocks.insert(0, f"> {sentence()}")
    elif roll < 0.38:
        blocks.append("\n".join(f"- {sentence()}" for _ in range(rng.randint(2, 5))))
    elif roll < 0.45:
        blocks.append(f"See https://example.org/docs/{rng.randrange(999)} for the report.")
    return "\n\n".join(blocks)


def build(n: int, seed: int) -> tuple[Any, Any, list[float], list[float]]:
    """The post, the reader, and per-comment ms of validate_submission and of post_comment."""
    from django.contrib.auth.models import Group

    from byline.accounts.models import User
    from byline.accounts.roles import AUTHOR
    from byline.discussion.services import post_comment, validate_submission
    from byline.publishing.models import Category, Post, Tag
    from byline.publishing.services import save_post

    rng = random.Random(seed)
    users = [  # no passwords: hashing one costs more than the whole page
        User.objects.create_user(name.lower(), f"{name.lower()}@example.org", None, first_name=name)
        for name in ["Author", "Reader", *NAMES[:8]]
    ]
    author, reader = users[0], users[1]
    author.groups.add(Group.objects.get(name=AUTHOR))
    step = timedelta(seconds=90)  # the last few comments are still inside the edit window
    start = timezone.now() - step * (n + 1)
    post = save_post(
        Post(title="The harbor budget, line by line", status=Post.Status.PUBLISHED,
             body="\n\n".join(markdown_body(rng) for _ in range(8)),
             published_at=start - timedelta(hours=1)),
        by=author,
        categories=[Category.objects.create(name="Local", slug="local")],
        tags=[Tag.objects.create(name=w, slug=w) for w in ("harbor", "budget")],
    )  # fmt: skip
    ids: list[int] = []
    validate_ms: list[float] = []
    post_ms: list[float] = []
    began = time.perf_counter()
    for i in range(n):
        parent_id = None
        if ids and rng.random() >= 0.4:
            parent_id = rng.choice(ids[-15:] if rng.random() < 0.5 else ids)
        name = rng.choice(NAMES)
        t0 = time.perf_counter()
        submission = validate_submission(
            post, body=markdown_body(rng), name=name, email=f"{name.lower()}{i}@example.org",
            url=f"https://{name.lower()}.example.net/" if rng.random() < 0.3 else "",
            parent_id=parent_id, user=rng.choice(users) if rng.random() < 0.3 else None,
        )  # fmt: skip
        t1 = time.perf_counter()
        comment = post_comment(submission, ip_address="127.0.0.1", now=start + step * (i + 1))
        t2 = time.perf_counter()
        ids.append(comment.pk)
        validate_ms.append((t1 - t0) * 1000)
        post_ms.append((t2 - t1) * 1000)
        if (i + 1) % max(1, n // 10) == 0:
            rate = (i + 1) / (time.perf_counter() - began)
            print(f"  {i + 1:>6}/{n} comments ({rate:,.0f}/s)", flush=True)
    post.refresh_from_db()
    return post, reader, validate_ms, post_ms


def timed(fn: Callable[[], Any], runs: int, warmup: int) -> tuple[int, list[float], Any]:
    """Queries of one call, then ms of each of ``runs`` calls made after ``warmup`` untimed."""
    for _ in range(warmup):
        fn()
    gc.collect()  # each series starts from a clean heap, not billed for the last one's garbage
    with CaptureQueriesContext(connection) as queries:
        result = fn()
    count = len(queries)  # count now: the next request_started clears the query log
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return count, times, result


def row(label: str, queries: object, times: list[float], size: str = "") -> str:
    p95 = statistics.quantiles(times, n=20)[18] if len(times) > 1 else times[0]
    return f"{label:<24}{queries!s:>8}{statistics.median(times):>11.2f}{p95:>9.2f}{size:>11}"


def run(args: argparse.Namespace, pg_url: str) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.test.utils import override_settings

    from byline.discussion.models import Comment, DiscussionSettings
    from byline.discussion.page import discussion_context, load_page
    from byline.discussion.thread import Thread
    from byline.publishing.models import Post
    from byline.publishing.views import render_post

    print(f"Migrating a throwaway {connection.vendor} database {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    print(f"Adding {args.comments} comments through validate_submission + post_comment…")
    post, reader, validate_ms, post_ms = build(args.comments, args.seed)
    url, rules = post.get_absolute_url(), DiscussionSettings.current()
    stranger, signed_in = Client(), Client()  # one client each: a new one reloads middleware
    signed_in.force_login(reader)

    def get(client: Client, cache: str) -> Any:
        if client is stranger:
            client.cookies.clear()
        response = client.get(url)
        assert response.status_code == 200 and cache in response["Cache-Control"], response
        return response

    def stranger_get() -> Any:
        return get(stranger, "public")

    def uncached_get() -> Any:
        with override_settings(BYLINE_PAGE_CACHE=False):
            return get(stranger, "public")

    # The stranger's page without the request cycle: the view's own work.
    request = RequestFactory().get(url)
    request.user = AnonymousUser()
    full = Post.objects.select_related("author").prefetch_related("categories", "tags")
    shown = full.get(pk=post.pk)
    context = {"post": shown, "preview": False, **discussion_context(request, shown)}
    page_ids = [c.pk for c in load_page(post, None, 1).comments]
    rows = list(Comment.objects.filter(pk__in=page_ids).order_by("path"))
    n, w = args.requests, args.warmup
    results = [
        ("stranger GET, cached", *timed(stranger_get, n, w)),
        ("stranger GET, rendered", *timed(uncached_get, n, w)),
        ("signed-in reader GET", *timed(lambda: get(signed_in, "private"), n, w)),
        ("load_page(1)", *timed(lambda: load_page(post, None, 1), n, w)),
        ("render_post (the view)", *timed(lambda: render_post(request, shown), n, w)),
        ("template render only", *timed(
            lambda: render_to_string("publishing/post_detail.html", context, request), n, w)),
        ("Thread(rows) shaping", *timed(lambda: Thread(rows), n, w)),
    ]  # fmt: skip
    page, depths = load_page(post, None, 1).page, [r.depth for r in rows]
    print(
        f"\nByline post page · {connection.vendor} · {args.comments} comments "
        f"({depths.count(0)} top-level on page 1, deepest level {max(depths, default=0)}) · "
        f"DEBUG=False\nPage 1 of {page.num_pages} shows {len(page.items)} comments (about "
        f"{rules.comments_per_page} a page); a rendered page loads only its own range of the "
        "thread, with each comment's stored fragment.\n"
    )
    print(f"{'':<24}{'queries':>8}{'median ms':>11}{'p95 ms':>9}{'bytes':>11}")
    for label, queries, times, result in results:
        body = getattr(result, "content", result)
        print(row(label, queries, times, f"{len(body):,}" if isinstance(body, bytes | str) else ""))
    print(row("validate_submission", "(insert)", validate_ms))
    print(row("post_comment", "(insert)", post_ms))
    total = (sum(validate_ms) + sum(post_ms)) / 1000
    print(f"Inserted {args.comments} comments in {total:.1f}s ({args.comments / total:,.0f}/s).")

    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [uncached_get() for _ in range(10)])
        print("\ncProfile of 10 rendered stranger GETs, top 20 by own time:")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)

    command = f".venv/bin/python bench/post_page.py --comments {args.comments}"
    masked = re.sub(r":[^:@/]+@", ":***@", pg_url)  # never print a password
    print(f"\nRerun: {command}" + (f" --postgres {masked}" if pg_url else ""))


def main() -> None:
    args = parse_args()
    env_url = os.environ.get("DATABASE_URL", "")
    pg_url = args.postgres or (env_url if env_url.startswith(("postgres", "pgsql")) else "")
    tmp = tempfile.mkdtemp(prefix="byline-bench-")
    database_url, drop = prepare_database(pg_url, tmp, BENCH_DB)
    try:
        setup_django(database_url, tmp)
        run(args, pg_url)
    finally:
        connections.close_all()
        drop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
