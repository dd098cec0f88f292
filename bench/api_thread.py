"""How fast is the JSON API's thread page, ``GET /api/v1/posts/{id}/comments?page=1``, on a
500-comment thread?

Builds a throwaway database (a temp SQLite file, or ``byline_bench_api`` recreated on the
PostgreSQL server named by ``--postgres`` or a postgres ``DATABASE_URL``) with one post and
``--comments`` comments made like ``bench/post_page.py`` makes them (real paths, numbers and
``body_html``), then GETs the page through ``django.test.Client`` with ``DEBUG=False``, the whole
middleware stack included: full answers (no ``If-None-Match``), and revalidations with the
ETag (``304 Not Modified``). Twice: with the site's default page size (about 100 comments a
page), and with all the comments on one page (``comments_per_page = 500``). Prints the median
and p90 in milliseconds over ``--requests`` requests each (200 by default), the query counts
and the answer's size. Timings depend on the machine: compare runs on one machine.

    .venv/bin/python bench/api_thread.py [--comments 500] [--requests 200] [--postgres URL]
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import prepare_database, setup_django  # noqa: E402

BENCH_DB = "byline_bench_api"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--comments", type=int, default=500, help="comments on the post (500)")
    p.add_argument("--requests", type=int, default=200, help="timed GETs per series (200)")
    p.add_argument("--warmup", type=int, default=10, help="untimed GETs first (10)")
    p.add_argument("--postgres", default="", help="postgres://… server for the bench database")
    p.add_argument("--seed", type=int, default=1, help="random seed for the data (1)")
    return p.parse_args()


def series(get: Any, runs: int, warmup: int) -> tuple[int, list[float], Any]:
    for _ in range(warmup):
        get()
    gc.collect()
    with CaptureQueriesContext(connection) as queries:
        response = get()
    count = len(queries)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = get()
        times.append((time.perf_counter() - t0) * 1000)
    return count, times, response


def line(label: str, queries: int, times: list[float], size: str) -> str:
    p90 = statistics.quantiles(times, n=10)[8]
    return f"{label:<34}{queries:>8}{statistics.median(times):>11.2f}{p90:>9.2f}{size:>11}"


def run(args: argparse.Namespace, pg_url: str) -> None:
    from post_page import build

    from byline.discussion.models import DiscussionSettings

    print(f"Migrating a throwaway {connection.vendor} database {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    print(f"Adding {args.comments} comments…")
    post, _reader, _v, _p = build(args.comments, args.seed)
    url = f"/api/v1/posts/{post.pk}/comments?page=1"
    client = Client()
    print(
        f"\nByline JSON API · {connection.vendor} · a {args.comments}-comment thread · "
        f"DEBUG=False · {args.requests} requests per line (after {args.warmup} untimed)\n"
    )
    print(f"{'GET ' + url.split('/api/v1')[1]:<34}{'queries':>8}{'median ms':>11}{'p90 ms':>9}"
          f"{'bytes':>11}")  # fmt: skip
    for per_page in (DiscussionSettings.current().comments_per_page, 500):
        rules = DiscussionSettings.current()
        rules.comments_per_page = per_page
        rules.save()

        def full() -> Any:
            response = client.get(url)
            assert response.status_code == 200, response.content[:300]
            return response

        first = full()
        shown = len(first.json()["items"])
        etag = first["ETag"]

        def revalidate(etag: str = etag) -> Any:
            response = client.get(url, HTTP_IF_NONE_MATCH=etag)
            assert response.status_code == 304, response.status_code
            return response

        label = f"page 1 ({shown} comments)"
        queries, times, response = series(full, args.requests, args.warmup)
        print(line(f"{label}, full", queries, times, f"{len(response.content):,}"))
        queries, times, response = series(revalidate, args.requests, args.warmup)
        print(line(f"{label}, ETag → 304", queries, times, "0"))

    command = f".venv/bin/python bench/api_thread.py --comments {args.comments}"
    masked = re.sub(r":[^:@/]+@", ":***@", pg_url)  # never print a password
    print(f"\nRerun: {command}" + (f" --postgres {masked}" if pg_url else ""))


def main() -> None:
    args = parse_args()
    env_url = os.environ.get("DATABASE_URL", "")
    pg_url = args.postgres or (env_url if env_url.startswith(("postgres", "pgsql")) else "")
    tmp = tempfile.mkdtemp(prefix="byline-bench-api-")
    database_url, drop = prepare_database(pg_url, tmp, BENCH_DB)
    try:
        setup_django(database_url, tmp, local_cache=True)
        run(args, pg_url)
    finally:
        connections.close_all()
        drop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
