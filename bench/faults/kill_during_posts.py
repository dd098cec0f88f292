"""Fault benchmark: ``kill -9`` of the app server while guests post comments; nothing a reader
was told was stored may be lost, and the database must stay consistent.

A throwaway site (bench/http's fixture: ten posts incl. 6-, 500- and 10,000-comment ones, plus an
empty ``bench-post``) on SQLite or on PostgreSQL (+ our own redis-server as the cache, as that
deployment runs), with comments published at once (trust threshold and form timing off, see
``sitecheck.py setup --mode kill``) so that each post numbers, counts and pages comments.
``byline serve`` (granian, ``--workers 2``) runs in its own process group.

``--posters`` threads post comments without pause, each as a new guest: ``GET /session/csrf/``
(cookie, token, form stamp), then ``POST /comments/post/<id>/`` with a unique marker
``[m:<run>-<n>]`` in the body, a distinct e-mail and a distinct ``X-Forwarded-For`` /64 (the
server trusts one proxy), 35 % of them replies (also to deep comments, so the depth cap is
exercised), spread over ``bench-post``, ``post-500`` and ``post-6``. Every 303 is recorded
(marker, Location) as *acknowledged*.

The main thread starts the server, waits until ``GET /`` answers, lets it work for a random
0.5-2 s, then SIGKILLs the whole process group (granian's main process and workers), and again,
``--kills`` times; then starts it once more, lets the posters run 3 s, stops them and the server.

Finally ``sitecheck.py integrity`` (in Byline's venv) checks that every acknowledged comment is
stored exactly once where its Location said, and the database's and Byline's invariants (see
``sitecheck.py``). Printed: kills, posts attempted / acknowledged / other answers / no answer
(in flight when the server died) / lost, integrity, and the command to rerun.

    .venv/bin/python bench/faults/kill_during_posts.py --db sqlite --kills 100
    .venv/bin/python bench/faults/kill_during_posts.py --db pg --kills 100
    .venv/bin/python bench/faults/kill_during_posts.py --db sqlite --kills 5     # smoke run

Results (``summary.md``, ``results.json``, ``acked.jsonl``, server logs) under ``--out``
(default ``/tmp/byline-faults/kill-<db>-<UTC time>``); the database is dropped unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import random
import shlex
import signal
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    DEFAULT_PG,
    BenchError,
    RedisServer,
    SendError,
    Server,
    Site,
    checks_line,
    explain,
    fetch_guest,
    free_port,
    log,
    machine_info,
    median,
    pct,
    post_comment,
    scan_log,
    sentence,
)

TARGETS = (("bench-post", 0.60), ("post-500", 0.25), ("post-6", 0.15))
REPLY_SHARE = 0.35


class Posters:
    """Threads posting comments as new guests, recording what the server acknowledged."""

    def __init__(self, port: int, n: int, prefix: str, posts: dict[str, int], acked: Path) -> None:
        self.port = port
        self.n = n
        self.prefix = prefix
        self.posts = posts
        self.acked_path = acked
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.counter = 0
        self.c: Counter[str] = Counter()
        self.in_flight = 0
        self.parents: dict[int, list[int]] = {}
        self.deep: dict[int, list[int]] = {}
        self.samples: dict[str, str] = {}  # first answer body of each unexpected status
        self.threads: list[threading.Thread] = []
        self.acked_file = acked.open("a")

    def start(self) -> None:
        for i in range(self.n):
            t = threading.Thread(target=self._run, args=(i,), daemon=True)
            t.start()
            self.threads.append(t)

    def stop(self) -> None:
        self.stop_flag.set()
        for t in self.threads:
            t.join(120)
        self.acked_file.close()

    def _next(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def count(self, key: str, by: int = 1) -> None:
        with self.lock:
            self.c[key] += by

    def _run(self, tid: int) -> None:
        rng = random.Random(f"{self.prefix}-{tid}")
        names = [p for p, _ in TARGETS]
        weights = [w for _, w in TARGETS]
        while not self.stop_flag.is_set():
            n = self._next()
            ip = f"fd00:{n >> 16:x}:{n & 0xFFFF:x}:{tid:x}::1"  # a /64 of its own
            try:
                guest, resp = fetch_guest(self.port, ip, timeout=60)
            except SendError as exc:
                self.count("csrf_refused" if not exc.sent else "csrf_no_answer")
                time.sleep(0.02)
                continue
            if guest is None:
                self.count(f"csrf_http_{resp.status}")
                time.sleep(0.02)
                continue
            slug = rng.choices(names, weights)[0]
            post_id = self.posts[slug]
            parent = None
            if rng.random() < REPLY_SHARE:
                with self.lock:
                    pool = (
                        self.deep.get(post_id, [])
                        if rng.random() < 0.25
                        else self.parents.get(post_id, [])
                    )
                    parent = rng.choice(pool) if pool else None
            marker = f"{self.prefix}-{n}"
            body = f"{sentence(rng, rng.randint(8, 30))} [m:{marker}]"
            with self.lock:
                self.in_flight += 1
                self.c["attempted"] += 1
            try:
                resp = post_comment(
                    self.port,
                    guest,
                    post_id,
                    body=body,
                    name=f"Guest {n}",
                    email=f"k{n}@faults.example.org",
                    parent=parent,
                    timeout=60,
                )
            except SendError as exc:
                with self.lock:
                    self.in_flight -= 1
                    self.c["attempted"] -= 0 if exc.sent else 1
                    self.c["post_no_answer" if exc.sent else "post_refused"] += 1
                continue
            with self.lock:
                self.in_flight -= 1
                if resp.status == 303:
                    self.c["acknowledged"] += 1
                    self.acked_file.write(
                        json.dumps(
                            {
                                "marker": marker,
                                "location": resp.header("location"),
                                "post_id": post_id,
                                "parent": parent,
                            }
                        )
                        + "\n"
                    )
                    self.acked_file.flush()
                else:
                    self.c[f"post_http_{resp.status}"] += 1
                    self.samples.setdefault(str(resp.status), explain(resp.body))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "pg"], help="required")
    p.add_argument("--kills", type=int, default=100)
    p.add_argument("--posters", type=int, default=4, help="threads posting comments")
    p.add_argument("--min-gap", type=float, default=0.5, help="s from ready to kill, at least")
    p.add_argument("--max-gap", type=float, default=2.0, help="… at most")
    p.add_argument("--workers", type=int, default=2, help="byline serve --workers")
    p.add_argument(
        "--pg-url",
        default=DEFAULT_PG,
        help="PostgreSQL server (a user that may "
        "create databases); the bench's database is byline_faults_<random>",
    )
    p.add_argument("--no-redis", action="store_true", help="PostgreSQL without a Redis cache")
    p.add_argument("--out", type=Path)
    p.add_argument("--keep", action="store_true", help="keep the database")
    p.add_argument(
        "--live",
        action="store_true",
        help="run the working tree's byline/ as it changes (default: a snapshot)",
    )
    p.add_argument("--seed", type=int, default=20260601)
    p.add_argument(
        "--resummarize",
        type=Path,
        metavar="RESULTS_JSON",
        help="print the summary of an earlier run's results.json and exit",
    )
    a = p.parse_args(argv)
    if a.resummarize:
        print(summary(json.loads(a.resummarize.read_text())))
        return 0
    if a.db is None:
        p.error("--db sqlite|pg is required")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = (a.out or Path("/tmp/byline-faults") / f"kill-{a.db}-{stamp}").resolve()
    out.mkdir(parents=True, exist_ok=True)
    rerun = f"cd {shlex.quote(str(Path.cwd()))} && {shlex.join([sys.executable, *sys.argv])}"
    info = machine_info()
    redis = None
    site = Site(db=a.db, out=out, pg_url=a.pg_url, snapshot=not a.live, workers=a.workers)
    server = Server(site, free_port())
    posters: Posters | None = None
    kills: list[dict[str, Any]] = []
    result: dict[str, Any] = {"options": vars(a) | {"out": str(out)}, "machine": info}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    status = 1
    try:
        if a.db == "pg" and not a.no_redis:
            redis = RedisServer(out / "redis")
            redis.start()
            site.redis_url = redis.url
            log(f"our redis-server on port {redis.port}")
        site.prepare()
        site.seed(a.seed)
        setup = site.sitecheck("setup", "--mode", "kill")
        log(f"byline imported from {setup['byline_from']}")
        posts = {p["slug"]: p["id"] for p in setup["posts"]}
        prefix = f"k{site.tag}"
        acked = out / "acked.jsonl"
        acked.unlink(missing_ok=True)
        posters = Posters(server.port, a.posters, prefix, posts, acked)
        posters.deep = {p["id"]: p["deep_public_ids"] for p in setup["posts"]}
        rng = random.Random(a.seed)
        started = time.monotonic()

        def refresh_parents() -> None:
            pools = {}
            for pid in {posts[s] for s, _ in TARGETS}:
                rows = site.query(
                    "SELECT id FROM discussion_comment WHERE post_id = %s AND status = 'public' "
                    "ORDER BY id DESC LIMIT 200",
                    (pid,),
                )
                pools[pid] = [r[0] for r in rows]
            with posters.lock:
                posters.parents = pools

        for k in range(a.kills + 1):
            server.start()
            ready = server.wait_ready()
            refresh_parents()
            if k == 0:
                posters.start()
            if k == a.kills:  # the last life: let it work, then stop everything cleanly
                time.sleep(3)
                break
            gap = rng.uniform(a.min_gap, a.max_gap)
            before = Counter(posters.c)
            time.sleep(gap)
            with posters.lock:
                in_flight = posters.in_flight
            server.kill9()
            after = Counter(posters.c)
            kills.append(
                {
                    "kill": k + 1,
                    "ready_s": round(ready, 2),
                    "alive_after_ready_s": round(gap, 2),
                    "acked_in_life": after["acknowledged"] - before["acknowledged"],
                    "posts_in_flight_at_kill": in_flight,
                }
            )
            if (k + 1) % 10 == 0 or k == 0:
                log(
                    f"kill {k + 1}/{a.kills}: acked {after['acknowledged']:,}, "
                    f"attempted {after['attempted']:,}, in flight at this kill {in_flight}"
                )
        posters.stop()
        server.stop()
        elapsed = time.monotonic() - started
        log("checking the database …")
        check = site.sitecheck("integrity", "--acked", str(acked), "--marker-prefix", prefix)
        c = posters.c
        figures = {
            "kills": len(kills),
            "posts_attempted": c["attempted"],
            "acknowledged_303": c["acknowledged"],
            "other_answers": {k[10:]: v for k, v in c.items() if k.startswith("post_http_")},
            "no_answer_in_flight_at_kill": c["post_no_answer"],
            "refused_server_down": c["post_refused"],
            "csrf_fetches_refused_or_lost": c["csrf_refused"] + c["csrf_no_answer"],
            "lost": check["checks"]["acknowledged_all_stored"]["lost"],
            "stored_without_ack": check.get("stored_without_ack"),
            "acknowledged_by_status": check.get("acknowledged_by_status"),
            "duplicated": check["checks"]["markers_stored_once"]["duplicated"],
            "integrity_ok": check["ok"],
            "integrity_failed": check["failed"],
            "kills_with_posts_in_flight": sum(1 for k in kills if k["posts_in_flight_at_kill"]),
            "posts_in_flight_at_kills": sum(k["posts_in_flight_at_kill"] for k in kills),
            "ready_s_median": median(k["ready_s"] for k in kills),
            "ready_s_p90": pct((k["ready_s"] for k in kills), 0.9),
            "wall_s": round(elapsed),
            "server_tracebacks": scan_log(server.err_log),
            "unexpected_answer_samples": posters.samples,
        }
        result |= {"figures": figures, "kills": kills, "integrity": check}
        status = 0 if figures["lost"] == 0 and check["ok"] else 2
    except (BenchError, Exception) as exc:
        log(f"ERROR: {exc!r}")
        result["error"] = repr(exc)
        if not isinstance(exc, BenchError):
            import traceback

            traceback.print_exc()
    finally:
        if posters is not None and not posters.stop_flag.is_set():
            posters.stop_flag.set()
        server.stop()
        if redis is not None:
            redis.stop()
        site.drop(keep=a.keep)
        result["rerun"] = rerun
        (out / "results.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
        result["redis"] = bool(site.redis_url)
        text = summary(result)
        (out / "summary.md").write_text(text + "\n")
        print(text)
        print(f"\nResults: {out}/summary.md, results.json, acked.jsonl, logs/")
        print(f"Rerun: {rerun}")
    return status


def summary(result: dict[str, Any]) -> str:
    db = result["options"]["db"]
    m = result["machine"]
    label = {"sqlite": "SQLite (WAL, synchronous=NORMAL)", "pg": "PostgreSQL"}[db]
    if result.get("redis"):
        label += " + Redis (own redis-server)"
    lines = [
        f"## kill -9 during comment posts — {label}",
        "",
        f"{m['date_utc']}; Byline {m['byline_commit']}; {m['cpus']} CPUs ({m['cpu_model']}), "
        f"load before {m['load_before']}; byline serve --workers {result['options']['workers']}, "
        f"{result['options']['posters']} posting threads.",
        "",
    ]
    if "figures" not in result:
        lines.append(f"**Stopped early**: {result.get('error', '?')}")
        return "\n".join(lines)
    f = result["figures"]
    other = ", ".join(f"{k}: {v}" for k, v in sorted(f["other_answers"].items())) or "none"
    lines += [
        "| kills | posts attempted | acknowledged (303) | other answers | no answer (in flight "
        "at a kill) | **lost** | duplicated | stored, answer lost | integrity |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---|",
        f"| {f['kills']} | {f['posts_attempted']:,} | {f['acknowledged_303']:,} | {other} | "
        f"{f['no_answer_in_flight_at_kill']} | **{f['lost']}** | {f['duplicated']} | "
        f"{f['stored_without_ack']} | "
        f"{'clean' if f['integrity_ok'] else 'FAILED: ' + ', '.join(f['integrity_failed'])} |",
        "",
        f"- Acknowledged comments by stored status: {f['acknowledged_by_status']}.",
        f"- Kills that caught ≥ 1 POST in flight: {f['kills_with_posts_in_flight']} of "
        f"{f['kills']} ({f['posts_in_flight_at_kills']} POSTs in flight in all); POSTs refused "
        f"while the server was down (never sent): {f['refused_server_down']:,}.",
        f"- Restart until `GET /` answered: median {f['ready_s_median']:.1f} s, "
        f"p90 {f['ready_s_p90']:.1f} s; wall time {f['wall_s'] // 60} min {f['wall_s'] % 60} s.",
        f"- Server tracebacks in the log: {f['server_tracebacks']['tracebacks']}"
        + (
            " — " + "; ".join(f"{k} ×{v}" for k, v in f["server_tracebacks"]["exceptions"].items())
            if f["server_tracebacks"]["tracebacks"]
            else ""
        ),
        "",
        "Integrity checks: " + checks_line(result["integrity"]),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
