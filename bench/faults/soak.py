"""Fault benchmark: a mixed-load soak of Byline at 80 % of its measured peak — 0 errors, memory
flat — optionally with Redis gone for a while in the middle (pages must keep serving, comment
posting must answer 429 "try again", nothing may answer 5xx).

Site: bench/http's fixture (ten posts incl. 6-, 500- and 10,000-comment ones, an empty
``bench-post``) in a throwaway database — PostgreSQL ``byline_faults_<random>`` (default) or a
SQLite file — with Byline's default moderation settings (a new commenter's first comment is held
for review; the 3-s form timing check is on), served by ``byline serve --workers 2`` (granian) in
its own process group. With PostgreSQL (or ``--redis``, implied by ``--redis-outage``) the cache is
**our own** ``redis-server`` on a free port (``--save "" --appendonly no``), never the system one.

Load (Python: ``--procs`` processes × ``--threads`` threads, ``http.client``, one connection per
request as nginx's default upstream does; see README.md for why not wrk). One *action* is:

* **read (80 %)**: a stranger's GET of a post page (post-6, post-500, the first and the last page
  of post-10000, the fillers, bench-post), the front page, or a year/month archive: expect 200;
* **comment (15 %)**: a new guest — ``GET /session/csrf/`` as a reader who starts typing, then the
  POST of the comment by the guest who started typing ≥ 3.2 s earlier (a FIFO of guests, so the
  form timing check passes), with a distinct ``X-Forwarded-For`` /64 and e-mail (the per-IP and
  per-email limits are never the reason for a refusal), a unique marker in the body; expect 303,
  then the browser's GET of the Location with the guest's new session (a personal, uncached page);
* **moderate (5 %)**: a signed-in moderator (one per client process): 20 % the queue page
  ``/moderation/``, else approve (60 %), remove with a reason (25 %) or mark as spam (15 %) one of
  the comments this process's guests posted and were told is pending (JSON, as moderation.js
  does); expect 200.

Phases: (1) **peak**: closed loop at each of ``--peak-levels`` concurrencies for ``--peak-step``
seconds; peak = the best actions/s. (2) **soak**: open loop at ``--load`` (0.8) × peak actions/s
for ``--minutes``, actions scheduled at fixed intervals (latency is from sending; *lag* is how late
an action started against its schedule). The server's processes' RSS (``/proc``) is sampled every
``--sample`` s. With ``--redis-outage S`` our redis-server is SIGKILLed (``--outage-mode kill``) or
SIGSTOPped (``pause``: connections hang) at the middle for S seconds, then started again (empty).
(3) **after**: each post page as a stranger must show the post's ``public_comment_count`` (no stale
page), then ``sitecheck.py integrity`` with every acknowledged comment's marker.

    .venv/bin/python bench/faults/soak.py --minutes 10                       # PostgreSQL + Redis
    .venv/bin/python bench/faults/soak.py --minutes 10 --redis-outage 60
    .venv/bin/python bench/faults/soak.py --db sqlite --minutes 1            # smoke run

Results (``summary.md``, ``results.json``, ``rss.csv``, ``records.csv.gz`` — every request of the
soak —, ``acked.jsonl``, server and redis logs)
under ``--out`` (default ``/tmp/byline-faults/soak-<db>-<UTC time>``); the database is dropped
unless ``--keep``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import multiprocessing as mp
import os
import random
import re
import shlex
import signal
import sys
import threading
import time
from collections import Counter, defaultdict, deque
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    DEFAULT_PG,
    PENDING_RE,
    BenchError,
    Guest,
    Moderator,
    RedisServer,
    SendError,
    Server,
    Site,
    checks_line,
    explain,
    fetch_guest,
    free_port,
    log,
    machine_busy,
    machine_info,
    moderate,
    ms,
    pct,
    post_comment,
    request,
    scan_log,
    sentence,
    sign_in,
)

OUTAGE_WORD = {"kill": "killed", "pause": "paused (SIGSTOP)"}
MIX = (("read", 0.80), ("comment", 0.15), ("moderate", 0.05))
GUEST_MIN_AGE = 3.2  # s between a guest's /session/csrf/ and their POST (timing check: 3 s)
PASSWORD = "fault-bench-Moderator-1"
REMOVAL_REASONS = ("off_topic", "other", "abuse", "spam", "personal")
PAGES_RE = re.compile(r"Comments page (\d+) of (\d+)")
COUNT_RE = re.compile(r'id="comments-heading">(\d+) comment')
# expected statuses per request kind
EXPECTED = {
    "page": {200},
    "csrf": {200},
    "comment": {303},
    "follow": {200},
    "mod_queue": {200},
    "mod_action": {200},
}


# -- the client processes ---------------------------------------------------------------------


class Client:
    """One load process: threads running actions; state kept across phases."""

    def __init__(self, idx: int, cfg: dict[str, Any]) -> None:
        self.idx = idx
        self.cfg = cfg
        self.port = cfg["port"]
        self.rng = random.Random(f"{cfg['seed']}-{idx}")
        self.lock = threading.Lock()
        self.counter = 0
        self.guests: deque[Guest] = deque()
        self.pending: list[int] = []
        self.records: list[tuple[Any, ...]] = []
        self.not_started = 0  # open loop: actions still waiting for a thread at the end
        self.progress: Any = None
        self.acked: list[dict[str, Any]] = []
        self.mod: Moderator | None = None
        self.pages = cfg["pages"]  # [(path, weight)]
        self.post_ids = cfg["comment_posts"]  # [(post_id, weight)]

    # helpers

    def ip(self) -> str:
        with self.lock:
            self.counter += 1
            n = self.counter
        # a /64 of its own per guest: fd<proc>:<run>:<n hi>:<n lo>::1
        return f"fd{self.idx:02x}:{self.cfg['tag16']:x}:{n >> 16:x}:{n & 0xFFFF:x}::1"

    def record(self, rec: tuple[Any, ...], local: list[tuple[Any, ...]]) -> None:
        local.append(rec)

    def timed(self, kind: str, local: list[tuple[Any, ...]], sched: float, fn: Any) -> Any:
        """Run one request; record (sched, sent, seconds, kind, status, note)."""
        sent = time.time()
        try:
            resp = fn()
        except SendError as exc:
            local.append((sched, sent, time.time() - sent, kind, -1, exc.kind))
            self.tick(conn_error=True)
            return None
        note = ""
        if kind == "comment":
            if resp.status == 429:
                note = "tryagain" if b"try again" in resp.body.lower() else "429-other"
            elif resp.status == 200:
                note = "nudge"
        if kind == "mod_action" and resp.status == 200 and b'"ok": true' not in resp.body:
            note = "not-ok"
        if resp.status >= 500 or (resp.status not in EXPECTED[kind] and not note):
            note = note or explain(resp.body)
        local.append((sched, sent, resp.seconds, kind, resp.status, note))
        self.tick(server_error=resp.status >= 500)
        return resp

    def tick(self, *, server_error: bool = False, conn_error: bool = False) -> None:
        if self.progress is None:
            return
        base = self.idx * 3
        with self.lock:
            self.progress[base] += 1
            self.progress[base + 1] += int(server_error)
            self.progress[base + 2] += int(conn_error)

    def new_guest(self, local: list[tuple[Any, ...]], sched: float) -> None:
        ip = self.ip()
        out: list[Guest | None] = [None]

        def go() -> Any:
            guest, resp = fetch_guest(self.port, ip)
            out[0] = guest
            return resp

        self.timed("csrf", local, sched, go)
        if out[0] is not None:
            with self.lock:
                self.guests.append(out[0])

    def top_up(self, n: int) -> None:
        local: list[tuple[Any, ...]] = []
        while len(self.guests) < n:
            before = len(self.guests)
            self.new_guest(local, time.time())
            if len(self.guests) == before:
                time.sleep(0.2)

    # actions

    def act(self, local: list[tuple[Any, ...]], sched: float, rng: random.Random) -> None:
        kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
        if kind == "read":
            path = rng.choices([p for p, _ in self.pages], [w for _, w in self.pages])[0]
            self.timed("page", local, sched, lambda: request(self.port, "GET", path))
        elif kind == "comment":
            self.comment(local, sched, rng)
        else:
            self.moderate(local, sched, rng)

    def comment(self, local: list[tuple[Any, ...]], sched: float, rng: random.Random) -> None:
        self.new_guest(local, sched)  # a reader who starts typing now
        with self.lock:
            guest = self.guests.popleft() if self.guests else None
        if guest is None:
            return
        age = time.monotonic() - guest.fetched
        if age < GUEST_MIN_AGE:
            time.sleep(GUEST_MIN_AGE - age)
        post_id = rng.choices([p for p, _ in self.post_ids], [w for _, w in self.post_ids])[0]
        with self.lock:
            self.counter += 1
            n = self.counter
        marker = f"{self.cfg['prefix']}-{self.idx}-{n}"
        body = f"{sentence(rng, rng.randint(8, 40))} [m:{marker}]"
        resp = self.timed(
            "comment",
            local,
            sched,
            lambda: post_comment(
                self.port,
                guest,
                post_id,
                body=body,
                name=f"Reader {self.idx}-{n}",
                email=f"s{self.idx}-{n}@faults.example.org",
            ),
        )
        if resp is None or resp.status != 303:
            return
        location = resp.header("location")
        with self.lock:
            self.acked.append({"marker": marker, "location": location, "post_id": post_id})
            m = PENDING_RE.search(location)
            if m:
                self.pending.append(int(m[1]))
        cookies = {"csrftoken": guest.csrf_cookie} | resp.cookies()
        path = urlsplit(location)._replace(scheme="", netloc="", fragment="").geturl()
        self.timed(
            "follow",
            local,
            sched,
            lambda: request(
                self.port, "GET", path, cookies=cookies, headers={"X-Forwarded-For": guest.ip}
            ),
        )

    def moderate(self, local: list[tuple[Any, ...]], sched: float, rng: random.Random) -> None:
        assert self.mod is not None
        mod = self.mod
        pk = None
        if rng.random() >= 0.20:
            with self.lock:
                if self.pending:
                    pk = self.pending.pop(rng.randrange(len(self.pending)))
        if pk is None:
            self.timed(
                "mod_queue",
                local,
                sched,
                lambda: request(
                    self.port,
                    "GET",
                    "/moderation/",
                    cookies=mod.cookies,
                    headers={"X-Forwarded-For": mod.ip},
                ),
            )
            return
        r = rng.random()
        action, reason = (
            ("approve", "")
            if r < 0.60
            else ("remove", rng.choice(REMOVAL_REASONS))
            if r < 0.85
            else ("spam", "")
        )
        self.timed("mod_action", local, sched, lambda: moderate(self.port, mod, pk, action, reason))

    # phases

    def closed(self, threads: int, seconds: float, t0: float) -> None:
        end = t0 + seconds

        def loop(tid: int) -> None:
            rng = random.Random(f"{self.cfg['seed']}-{self.idx}-c{threads}-{tid}")
            local: list[tuple[Any, ...]] = []
            while time.time() < t0:
                time.sleep(0.01)
            while time.time() < end:
                self.act(local, time.time(), rng)
            with self.lock:
                self.records.extend(local)

        self._threads(loop, threads)

    def open(self, threads: int, rate: float, seconds: float, t0: float) -> None:
        """Actions at fixed intervals: the k-th at t0 + (k + idx/procs) / rate."""
        end = t0 + seconds
        procs = self.cfg["procs"]
        step = 1.0 / rate
        shift = step * self.idx / procs
        nxt = [0]

        def loop(tid: int) -> None:
            rng = random.Random(f"{self.cfg['seed']}-{self.idx}-o-{tid}")
            local: list[tuple[Any, ...]] = []
            while True:
                with self.lock:
                    k = nxt[0]
                    nxt[0] += 1
                sched = t0 + shift + k * step
                if sched >= end:
                    break
                if time.time() >= end:  # behind schedule at the end: the backlog is dropped
                    with self.lock:
                        self.not_started += 1
                    continue
                wait = sched - time.time()
                if wait > 0:
                    time.sleep(wait)
                self.act(local, sched, rng)
            with self.lock:
                self.records.extend(local)

        self._threads(loop, threads)

    def _threads(self, fn: Any, n: int) -> None:
        ts = [threading.Thread(target=fn, args=(i,), daemon=True) for i in range(n)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()


def client_main(idx: int, cfg: dict[str, Any], conn: Any, progress: Any) -> None:
    """A load process: waits for commands on ``conn``; answers each with its records."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    client = Client(idx, cfg)
    client.progress = progress
    try:
        client.mod = sign_in(client.port, cfg["moderators"][idx], PASSWORD, client.ip())
    except Exception as exc:
        conn.send({"error": f"sign-in failed: {exc!r}"})
        return
    conn.send({"ready": True})
    while True:
        cmd = conn.recv()
        if cmd["op"] == "quit":
            break
        client.top_up(cmd["guests"])
        conn.send({"topped_up": len(client.guests)})
        t0 = conn.recv()["t0"]
        client.records = []
        client.acked = []
        client.not_started = 0
        if cmd["op"] == "closed":
            client.closed(cmd["threads"], cmd["seconds"], t0)
        else:
            client.open(cmd["threads"], cmd["rate"], cmd["seconds"], t0)
        conn.send({"records": client.records, "acked": client.acked,
                   "not_started": client.not_started,
                   "pending_left": len(client.pending)})  # fmt: skip


class Load:
    """The client processes, driven phase by phase from the main process."""

    def __init__(self, procs: int, cfg: dict[str, Any]) -> None:
        ctx = mp.get_context("fork")
        self.conns = []
        self.procs = []
        self.t0: float | None = None
        # per process: requests, answers >= 500, connection errors (for the progress lines)
        self.progress = ctx.Array("q", procs * 3, lock=False)
        for i in range(procs):
            parent, child = ctx.Pipe()
            p = ctx.Process(target=client_main, args=(i, cfg, child, self.progress), daemon=True)
            p.start()
            self.conns.append(parent)
            self.procs.append(p)
        for c in self.conns:
            msg = c.recv()
            if "error" in msg:
                raise BenchError(msg["error"])

    def phase(self, op: str, seconds: float, guests: int, **kw: Any) -> list[dict[str, Any]]:
        """Run one phase in every process; returns their answers. ``kw``: threads (per process),
        rate (per process, open loop)."""
        for c in self.conns:
            c.send({"op": op, "seconds": seconds, "guests": guests, **kw})
        for c in self.conns:
            c.recv()
        t0 = time.time() + max(1.0, GUEST_MIN_AGE)  # the last guest fetched is old enough
        for c in self.conns:
            c.send({"t0": t0})
        self.t0 = t0
        return [c.recv() for c in self.conns]

    def close(self) -> None:
        for c in self.conns:
            with suppress(OSError):
                c.send({"op": "quit"})
        for p in self.procs:
            p.join(10)
            if p.is_alive():
                p.terminate()


# -- analysis -----------------------------------------------------------------------------------


def by_kind(records: list[tuple[Any, ...]]) -> dict[str, dict[str, Any]]:
    """Per request kind: counts, errors, latency."""
    out: dict[str, dict[str, Any]] = {}
    groups: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for r in records:
        groups[r[3]].append(r)
    for kind, rows in sorted(groups.items()):
        statuses = Counter(r[4] for r in rows)
        lat = [r[2] for r in rows if r[4] != -1]
        out[kind] = {
            "requests": len(rows),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "5xx": sum(v for k, v in statuses.items() if k >= 500),
            "conn_errors": statuses.get(-1, 0),
            "conn_error_kinds": dict(Counter(r[5] for r in rows if r[4] == -1)),
            "unexpected": sum(
                v for k, v in statuses.items() if k != -1 and k < 500 and k not in EXPECTED[kind]
            ),
            "notes": dict(Counter(r[5][:120] for r in rows if r[5]).most_common(8)),
            "p50_s": pct(lat, 0.5),
            "p99_s": pct(lat, 0.99),
            "max_s": max(lat) if lat else None,
        }
    return out


def actions_per_s(records: list[tuple[Any, ...]], seconds: float) -> float:
    """Actions completed per second: reads (page), comments (their csrf GET starts one),
    moderator actions (queue or action)."""
    n = sum(1 for r in records if r[3] in ("page", "csrf", "mod_queue", "mod_action"))
    return n / seconds


def window(records: list[tuple[Any, ...]], start: float, end: float) -> list[tuple[Any, ...]]:
    return [r for r in records if start <= r[1] < end]


def outage_figures(records: list[tuple[Any, ...]], start: float, end: float) -> dict[str, Any]:
    rows = window(records, start, end)
    pages = [r for r in rows if r[3] == "page"]
    comments = [r for r in rows if r[3] == "comment"]
    mods = [r for r in rows if r[3] in ("mod_queue", "mod_action")]
    return {
        "seconds": round(end - start, 1),
        "pages_ok": sum(1 for r in pages if r[4] == 200),
        "pages_failed": sum(1 for r in pages if r[4] != 200),
        "pages_failed_statuses": dict(Counter(str(r[4]) for r in pages if r[4] != 200)),
        "pages_p50_s": pct([r[2] for r in pages if r[4] == 200], 0.5),
        "pages_p99_s": pct([r[2] for r in pages if r[4] == 200], 0.99),
        "comments_429_try_again": sum(1 for r in comments if r[5] == "tryagain"),
        "comments_303": sum(1 for r in comments if r[4] == 303),
        "comments_other": dict(
            Counter(
                f"{r[4]} {r[5][:60]}".strip()
                for r in comments
                if r[5] != "tryagain" and r[4] != 303
            )
        ),
        "csrf_ok": sum(1 for r in rows if r[3] == "csrf" and r[4] == 200),
        "csrf_failed": sum(1 for r in rows if r[3] == "csrf" and r[4] != 200),
        "moderator_ok": sum(1 for r in mods if r[4] == 200 and not r[5]),
        "moderator_failed": sum(1 for r in mods if r[4] != 200 or r[5]),
        "5xx": sum(1 for r in rows if r[4] >= 500),
        "conn_errors": sum(1 for r in rows if r[4] == -1),
    }


def slope_mb_per_min(samples: list[tuple[float, int]]) -> float | None:
    """Least-squares slope of RSS (KiB) over time (s), in MB per minute."""
    if len(samples) < 3:
        return None
    n = len(samples)
    mx = sum(t for t, _ in samples) / n
    my = sum(v for _, v in samples) / n
    den = sum((t - mx) ** 2 for t, _ in samples)
    if den == 0:
        return None
    return sum((t - mx) * (v - my) for t, v in samples) / den * 60 / 1024


# -- main ---------------------------------------------------------------------------------------


def site_pages(info: dict[str, Any], port: int) -> list[tuple[str, float]]:
    """What readers read, with weights (about 60 % post pages, 20 % front, 20 % archives)."""
    url = {p["slug"]: p["url"] for p in info["posts"]}
    resp = request(port, "GET", url["post-10000"])
    m = PAGES_RE.search(resp.body.decode("utf-8", "replace"))
    last = int(m[2]) if m else 1
    fillers = [s for s in url if s.startswith("post-filler")]
    pages: list[tuple[str, float]] = [
        (url["post-6"], 12),
        (url["post-500"], 12),
        (url["post-10000"], 8),
        (f"{url['post-10000']}?cpage={last}", 4),
        (url["bench-post"], 6),
        ("/", 20),
    ]
    pages += [(url[s], 18 / len(fillers)) for s in fillers]
    pages += [(a, 20 / len(info["archives"])) for a in info["archives"]]
    return pages


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "pg"], default="pg")
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument(
        "--redis-outage",
        type=float,
        default=0.0,
        metavar="S",
        help="stop our redis-server for S seconds in the middle of the soak",
    )
    p.add_argument(
        "--outage-mode",
        choices=["kill", "pause"],
        default="kill",
        help="kill: SIGKILL, restarted empty; pause: SIGSTOP, then SIGCONT",
    )
    p.add_argument("--redis", action="store_true", help="use our redis-server with SQLite too")
    p.add_argument("--workers", type=int, default=2, help="byline serve --workers")
    p.add_argument("--procs", type=int, default=2, help="load processes")
    p.add_argument("--threads", type=int, default=32, help="threads per load process (soak)")
    p.add_argument("--peak-levels", default="2 4 8 16 32", help="closed-loop concurrencies")
    p.add_argument("--peak-step", type=float, default=4.0, help="seconds per peak level")
    p.add_argument("--load", type=float, default=0.8, help="share of the peak to soak at")
    p.add_argument("--rate", type=float, help="actions/s to soak at (skips the peak phase)")
    p.add_argument("--sample", type=float, default=10.0, help="RSS sampling interval, s")
    p.add_argument("--pg-url", default=DEFAULT_PG)
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
    use_redis = a.db == "pg" or a.redis or a.redis_outage > 0
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    label = f"soak-{a.db}" + (f"-outage{a.redis_outage:g}" if a.redis_outage else "")
    out = (a.out or Path("/tmp/byline-faults") / f"{label}-{stamp}").resolve()
    out.mkdir(parents=True, exist_ok=True)
    rerun = f"cd {shlex.quote(str(Path.cwd()))} && {shlex.join([sys.executable, *sys.argv])}"
    result: dict[str, Any] = {"options": vars(a) | {"out": str(out)}, "machine": machine_info()}
    site = Site(db=a.db, out=out, pg_url=a.pg_url, snapshot=not a.live, workers=a.workers)
    server = Server(site, free_port())
    redis: RedisServer | None = None
    load: Load | None = None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    status = 1
    try:
        if use_redis:
            redis = RedisServer(out / "redis")
            redis.start()
            site.redis_url = redis.url
            log(f"our redis-server on port {redis.port}")
        site.prepare()
        site.seed(a.seed)
        info = site.sitecheck("setup", "--mode", "soak", "--moderators", str(a.procs),
                              "--password", PASSWORD)  # fmt: skip
        log(f"byline imported from {info['byline_from']}")
        result["moderation_settings"] = info["moderation_settings"]
        server.start()
        log(f"server ready in {server.wait_ready():.1f} s on port {server.port}")
        pages = site_pages(info, server.port)
        ids = {p["slug"]: p["id"] for p in info["posts"]}
        for path, _ in pages:  # warm every page once (fills the page cache)
            request(server.port, "GET", path)
        cfg = {
            "port": server.port,
            "seed": a.seed,
            "tag16": int(site.tag[:4], 16),
            "prefix": f"s{site.tag}",
            "procs": a.procs,
            "pages": pages,
            "comment_posts": [(ids["bench-post"], 50), (ids["post-6"], 25), (ids["post-500"], 25)],
            "moderators": info["moderators"],
        }
        load = Load(a.procs, cfg)
        acked: list[dict[str, Any]] = []

        # (1) peak
        peak_rows = []
        if a.rate:
            rate = a.rate
        else:
            for level in [int(x) for x in a.peak_levels.split()]:
                per = max(1, level // a.procs)
                answers = load.phase("closed", a.peak_step, 100, threads=per)
                recs = [r for ans in answers for r in ans["records"]]
                acked += [x for ans in answers for x in ans["acked"]]
                kinds = by_kind(recs)
                errors = sum(k["5xx"] + k["conn_errors"] for k in kinds.values())
                row = {
                    "concurrency": per * a.procs,
                    "actions_per_s": actions_per_s(recs, a.peak_step),
                    "requests_per_s": len(recs) / a.peak_step,
                    "page_p50_s": kinds.get("page", {}).get("p50_s"),
                    "page_p99_s": kinds.get("page", {}).get("p99_s"),
                    "comment_p50_s": kinds.get("comment", {}).get("p50_s"),
                    "errors": errors,
                }
                peak_rows.append(row)
                log(
                    f"peak: {row['concurrency']:>3} concurrent: "
                    f"{row['actions_per_s']:.1f} actions/s, {row['requests_per_s']:.1f} req/s, "
                    f"page p50 {ms(row['page_p50_s'])} ms, errors {errors}"
                )
            rate = a.load * max(r["actions_per_s"] for r in peak_rows)
        result["peak"] = peak_rows
        result["rate_actions_per_s"] = rate
        log(f"soak: {a.minutes:g} min at {rate:.1f} actions/s")

        # (2) soak, with RSS samples and the outage from this thread
        seconds = a.minutes * 60
        per_proc = rate / a.procs
        guests = math.ceil(per_proc * 0.15 * (GUEST_MIN_AGE + 2)) + 10
        samples: list[dict[str, Any]] = []
        events: dict[str, float] = {}
        done = threading.Event()
        answers_box: list[list[dict[str, Any]]] = []

        def run_soak() -> None:
            answers_box.append(
                load.phase("open", seconds, guests, threads=a.threads, rate=per_proc)  # type: ignore[union-attr]
            )
            done.set()

        load.t0 = None
        runner = threading.Thread(target=run_soak, daemon=True)
        runner.start()
        while load.t0 is None:
            if done.is_set():
                raise BenchError("the load processes ended before the soak started")
            time.sleep(0.05)
        t0 = load.t0
        out_start = t0 + seconds / 2 - a.redis_outage / 2
        out_end = out_start + a.redis_outage
        next_sample = t0
        next_report = t0 + 60
        reported = [sum(load.progress[i::3]) for i in range(3)]
        last = {"busy": machine_busy(), "cpu": server.cpu(), "t": time.time()}

        def sample(now: float) -> dict[str, Any]:
            """RSS of the server's processes, and since the last sample: the server's CPU use
            and the whole machine's (other people's tests included), in cores."""
            rss = server.rss()
            busy, cpu = machine_busy(), server.cpu()
            dt = max(1e-6, now - last["t"])
            jiffies = busy[1] - last["busy"][1]
            machine = (
                (busy[0] - last["busy"][0]) / jiffies * (os.cpu_count() or 1) if jiffies else 0
            )
            row = {
                "t": round(now - t0, 1),
                "rss_kb_total": sum(rss.values()),
                "per_process": rss,
                "redis_kb": redis.rss() if redis else 0,
                "server_cores": round((cpu - last["cpu"]) / dt, 2),
                "machine_cores": round(machine, 2),
                "load1": round(os.getloadavg()[0], 2),
            }
            last.update(busy=busy, cpu=cpu, t=now)
            return row

        while not done.is_set():
            now = time.time()
            if a.redis_outage and redis is not None:
                if "outage_start" not in events and now >= out_start:
                    if a.outage_mode == "kill":
                        redis.kill()
                    else:
                        redis.pause()
                    events["outage_start"] = time.time()
                    log(f"redis {OUTAGE_WORD[a.outage_mode]} for {a.redis_outage:g} s")
                elif "outage_start" in events and "outage_end" not in events and now >= out_end:
                    if a.outage_mode == "kill":
                        redis.start()
                    else:
                        redis.resume()
                    events["outage_end"] = time.time()
                    log("redis back")
            if now >= next_sample:
                samples.append(sample(now))
                next_sample += a.sample
            if now >= next_report:
                totals = [sum(load.progress[i::3]) for i in range(3)]
                rss_mb = samples[-1]["rss_kb_total"] / 1024 if samples else 0
                recent = [x for x in samples if x["t"] > now - t0 - 60]
                log(
                    f"t={now - t0:4.0f} s: {(totals[0] - reported[0]) / 60:.1f} req/s in the "
                    f"last minute; so far {totals[1]} answers >= 500, {totals[2]} connection "
                    f"errors; server RSS {rss_mb:.0f} MB, server "
                    f"{sum(x['server_cores'] for x in recent) / max(1, len(recent)):.2f} cores, "
                    f"machine {sum(x['machine_cores'] for x in recent) / max(1, len(recent)):.2f}"
                )
                reported = totals
                next_report += 60
            time.sleep(0.05)
        runner.join()
        answers = answers_box[0]
        records = [r for ans in answers for r in ans["records"]]
        acked += [x for ans in answers for x in ans["acked"]]
        if events.get("outage_start") and not events.get("outage_end") and redis is not None:
            (redis.start() if a.outage_mode == "kill" else redis.resume())  # soak ended early
            events["outage_end"] = time.time()
        samples.append(sample(time.time()))
        kinds = by_kind(records)
        soak_records_in_run = [r for r in records if t0 <= r[1] < t0 + seconds]
        figures: dict[str, Any] = {
            "seconds": seconds,
            "target_actions_per_s": rate,
            "achieved_actions_per_s": actions_per_s(soak_records_in_run, seconds),
            "requests": len(records),
            "by_kind": kinds,
            "errors_5xx": sum(k["5xx"] for k in kinds.values()),
            "conn_errors": sum(k["conn_errors"] for k in kinds.values()),
            "unexpected_4xx": sum(k["unexpected"] for k in kinds.values()),
            "all_p50_s": pct([r[2] for r in records if r[4] != -1], 0.5),
            "all_p99_s": pct([r[2] for r in records if r[4] != -1], 0.99),
            "lag_p50_s": pct(
                [
                    r[1] - r[0]
                    for r in records
                    if r[3] in ("page", "csrf", "mod_queue", "mod_action")
                ],
                0.5,
            ),
            "lag_p99_s": pct(
                [
                    r[1] - r[0]
                    for r in records
                    if r[3] in ("page", "csrf", "mod_queue", "mod_action")
                ],
                0.99,
            ),
            "pending_left": sum(ans["pending_left"] for ans in answers),
            "actions_not_started": sum(ans["not_started"] for ans in answers),
        }
        totals = [(s["t"], s["rss_kb_total"]) for s in samples]
        mid = min(samples, key=lambda s: abs(s["t"] - seconds / 2))
        second_half = [(t, v) for t, v in totals if t >= seconds / 2]
        used = [x for x in samples[1:] if x["t"] > 0]
        figures["cpu"] = {
            "server_cores_mean": sum(x["server_cores"] for x in used) / len(used) if used else None,
            "machine_cores_mean": sum(x["machine_cores"] for x in used) / len(used)
            if used
            else None,
            "load1_mean": sum(x["load1"] for x in used) / len(used) if used else None,
        }
        figures["rss"] = {
            "start_kb": samples[0]["rss_kb_total"],
            "middle_kb": mid["rss_kb_total"],
            "end_kb": samples[-1]["rss_kb_total"],
            "max_kb": max(v for _, v in totals),
            "slope_mb_per_min_all": slope_mb_per_min(totals),
            "slope_mb_per_min_second_half": slope_mb_per_min(second_half),
            "processes_start": sorted(samples[0]["per_process"].values()),
            "processes_end": sorted(samples[-1]["per_process"].values()),
            "pids_seen": sorted({pid for s in samples for pid in s["per_process"]}),
        }
        if events.get("outage_start"):
            s, e = events["outage_start"], events["outage_end"]
            figures["outage"] = {
                "mode": a.outage_mode,
                "at_s": round(s - t0, 1),
                "during": outage_figures(records, s, e),
                "first_30s_after": outage_figures(records, e, e + 30),
                "before_30s": outage_figures(records, s - 30, s),
            }
        # per-minute series (req/s, 5xx, p99 of pages)
        series = []
        for m0 in range(0, int(seconds), 60):
            w = window(records, t0 + m0, t0 + m0 + 60)
            series.append(
                {
                    "minute": m0 // 60 + 1,
                    "requests": len(w),
                    "5xx": sum(1 for r in w if r[4] >= 500),
                    "conn_errors": sum(1 for r in w if r[4] == -1),
                    "page_p99_s": pct([r[2] for r in w if r[3] == "page" and r[4] != -1], 0.99),
                }
            )
        figures["per_minute"] = series
        load.close()
        load = None

        # (3) after: fresh pages, then integrity
        stale = []
        db_counts = dict(site.query("SELECT id, public_comment_count FROM publishing_post"))
        for post in info["posts"]:
            body = request(server.port, "GET", post["url"]).body.decode("utf-8", "replace")
            m = COUNT_RE.search(body)
            shown = int(m[1]) if m else None
            if shown != db_counts.get(post["id"]):
                stale.append({"post": post["slug"], "page_shows": shown,
                              "database": db_counts.get(post["id"])})  # fmt: skip
        figures["stale_pages_after"] = stale
        figures["classifier_versions"] = dict(
            site.query("SELECT kind, MAX(version) FROM moderation_classifierversion GROUP BY kind")
        )
        figures["training_labels"] = site.query("SELECT COUNT(*) FROM moderation_traininglabel")[0][
            0
        ]
        server.stop()
        figures["server_log"] = scan_log(server.err_log)
        with gzip.open(out / "records.csv.gz", "wt") as f:  # every request, for later looks
            f.write("scheduled,sent,seconds,kind,status,note\n")
            for r in records:
                note = r[5].replace(",", ";").replace("\n", " ")
                f.write(f"{r[0]:.3f},{r[1]:.3f},{r[2]:.4f},{r[3]},{r[4]},{note}\n")
        acked_path = out / "acked.jsonl"
        acked_path.write_text("".join(json.dumps(x) + "\n" for x in acked))
        log("checking the database …")
        check = site.sitecheck("integrity", "--acked", str(acked_path), "--marker-prefix",
                               cfg["prefix"])  # fmt: skip
        figures["acknowledged_comments"] = len(acked)
        figures["lost"] = check["checks"]["acknowledged_all_stored"]["lost"]
        result |= {"figures": figures, "events": events, "rss_samples": samples,
                   "integrity": check}  # fmt: skip
        (out / "rss.csv").write_text(
            "t_s,rss_kb_total,redis_kb,server_cores,machine_cores,load1,per_process_kb\n"
            + "".join(
                f"{s['t']},{s['rss_kb_total']},{s['redis_kb']},{s['server_cores']},"
                f"{s['machine_cores']},{s['load1']},"
                f"{' '.join(str(v) for v in s['per_process'].values())}\n"
                for s in samples
            )
        )
        ok = figures["errors_5xx"] == 0 and figures["conn_errors"] == 0 and check["ok"]
        status = 0 if ok and not stale else 2
    except (BenchError, Exception) as exc:
        log(f"ERROR: {exc!r}")
        result["error"] = repr(exc)
        if not isinstance(exc, BenchError):
            import traceback

            traceback.print_exc()
    finally:
        if load is not None:
            load.close()
        server.stop()
        if redis is not None:
            redis.stop()
        site.drop(keep=a.keep)
        result["rerun"] = rerun
        result["server_logs"] = [str(server.err_log), str(server.out_log)]
        (out / "results.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
        result["redis"] = bool(site.redis_url)
        text = summary(result)
        (out / "summary.md").write_text(text + "\n")
        print(text)
        print(f"\nResults: {out}/summary.md, results.json, rss.csv, acked.jsonl, logs/")
        print(f"Rerun: {rerun}")
    return status


def mb(kb: int | float) -> str:
    return f"{kb / 1024:,.0f}"


def summary(result: dict[str, Any]) -> str:
    o = result["options"]
    m = result["machine"]
    db = "PostgreSQL" if o["db"] == "pg" else "SQLite (WAL)"
    if result.get("redis"):
        db += " + Redis (own redis-server)"
    title = f"## Soak, {o['minutes']:g} min — {db}"
    if o["redis_outage"]:
        title += (
            f", Redis {OUTAGE_WORD[o['outage_mode']]} for {o['redis_outage']:g} s in the middle"
        )
    lines = [
        title,
        "",
        f"{m['date_utc']}; Byline {m['byline_commit']}; {m['cpus']} CPUs ({m['cpu_model']}), "
        f"{m['memory']}, load before {m['load_before']}; byline serve --workers {o['workers']}; "
        f"load: {o['procs']} processes × {o['threads']} threads (Python, same machine).",
        "",
    ]
    if result.get("peak"):
        lines += [
            f"Peak (closed loop, mix 80/15/5, {o['peak_step']:g} s per level):",
            "",
            "| concurrency | actions/s | requests/s | page p50 ms | page p99 ms | comment p50 ms "
            "| errors |",
            "|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in result["peak"]:
            lines.append(
                f"| {r['concurrency']} | {r['actions_per_s']:.1f} | {r['requests_per_s']:.1f} | "
                f"{ms(r['page_p50_s'])} | {ms(r['page_p99_s'])} | {ms(r['comment_p50_s'])} | "
                f"{r['errors']} |"
            )
        lines.append("")
    if "figures" not in result:
        lines.append(f"**Stopped early**: {result.get('error', '?')}")
        return "\n".join(lines)
    f = result["figures"]
    lines += [
        f"Soak: target {f['target_actions_per_s']:.1f} actions/s ({o['load']:.0%} of peak"
        f"{'' if result.get('peak') else ', given'}), achieved {f['achieved_actions_per_s']:.1f}; "
        f"{f['requests']:,} requests; start lag p50 {ms(f['lag_p50_s'])} ms, "
        f"p99 {ms(f['lag_p99_s'])} ms; actions still waiting for a load thread at the end "
        f"(dropped): {f.get('actions_not_started', 0):,}.",
        "",
        "| kind | requests | answers | ≥ 500 | connection errors | unexpected 4xx | p50 ms "
        "| p99 ms |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for kind, k in f["by_kind"].items():
        answers = ", ".join(f"{s}: {v:,}" for s, v in k["statuses"].items())
        lines.append(
            f"| {kind} | {k['requests']:,} | {answers} | {k['5xx']} | {k['conn_errors']} | "
            f"{k['unexpected']} | {ms(k['p50_s'])} | {ms(k['p99_s'])} |"
        )
    lines += [
        f"| **all** | {f['requests']:,} | | **{f['errors_5xx']}** | **{f['conn_errors']}** | "
        f"{f['unexpected_4xx']} | {ms(f['all_p50_s'])} | {ms(f['all_p99_s'])} |",
        "",
    ]
    r = f["rss"]
    s2 = r["slope_mb_per_min_second_half"]
    lines += [
        f"Server RSS (all processes of its group): start {mb(r['start_kb'])} MB, middle "
        f"{mb(r['middle_kb'])} MB, end {mb(r['end_kb'])} MB, max {mb(r['max_kb'])} MB; trend "
        f"{'–' if s2 is None else f'{s2:+.2f}'} MB/min over the second half "
        f"(per process at start {[mb(x) for x in r['processes_start']]}, at end "
        f"{[mb(x) for x in r['processes_end']]} MB; {len(r['pids_seen'])} pids seen).",
        "",
    ]
    c = f.get("cpu", {})
    if c.get("server_cores_mean") is not None:
        lines += [
            f"CPU (means of the {o['sample']:g}-s samples): the server "
            f"{c['server_cores_mean']:.2f} cores, the whole machine "
            f"{c['machine_cores_mean']:.2f} of {m['cpus']} cores (the load processes and other "
            f"people's work included), load average {c['load1_mean']:.1f}.",
            "",
        ]
    if "outage" in f:
        out = f["outage"]
        lines += [
            f"Redis outage ({out['mode']}) at t = {out['at_s']:g} s:",
            "",
            "| window | s | pages OK | pages failed | page p50 / p99 ms | comment POST 429 "
            '"try again" | comment POST 303 | comment POST other | moderator OK / failed '
            "| ≥ 500 | conn. errors |",
            "|---|---:|---:|---:|---|---:|---:|---|---|---:|---:|",
        ]
        for name, key in (("30 s before", "before_30s"), ("**during**", "during"),
                          ("first 30 s after", "first_30s_after")):  # fmt: skip
            w = out[key]
            other = ", ".join(f"{k}: {v}" for k, v in w["comments_other"].items()) or "0"
            lines.append(
                f"| {name} | {w['seconds']:g} | {w['pages_ok']:,} | {w['pages_failed']} | "
                f"{ms(w['pages_p50_s'])} / {ms(w['pages_p99_s'])} | {w['comments_429_try_again']} "
                f"| {w['comments_303']} | {other} | {w['moderator_ok']} / {w['moderator_failed']} "
                f"| {w['5xx']} | {w['conn_errors']} |"
            )
        lines.append("")
    sl = f["server_log"]
    lines += [
        f"- Acknowledged comments: {f['acknowledged_comments']:,}; lost: **{f['lost']}**; "
        f"pending left in the queue: {f['pending_left']:,}.",
        f"- Moderator decisions became {f.get('training_labels', '?')} training labels; classifier "
        f"versions refitted (newest number per kind): {f.get('classifier_versions', '?')}.",
        f"- Pages after the soak showing a stale comment count: {len(f['stale_pages_after'])}"
        + (f" {f['stale_pages_after']}" if f["stale_pages_after"] else "")
        + ".",
        f"- Server tracebacks in the log: {sl['tracebacks']}"
        + (
            " — " + "; ".join(f"`{k}` ×{v}" for k, v in sl["exceptions"].items())
            if sl["tracebacks"]
            else ""
        ),
        "- Integrity: "
        + ("clean" if result["integrity"]["ok"] else f"FAILED {result['integrity']['failed']}")
        + f" ({result['integrity']['comments']:,} comments: {result['integrity']['by_status']}): "
        + checks_line(result["integrity"])
        + ".",
        "",
        "Per minute: "
        + "; ".join(
            f"{x['minute']}: {x['requests']:,} req, {x['5xx']} ≥500, {x['conn_errors']} conn, "
            f"page p99 {ms(x['page_p99_s'])} ms"
            for x in f["per_minute"]
        ),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
