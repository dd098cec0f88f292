"""HTTP benchmark of Byline: requests per second and latency of its pages under ``wrk``.

What it measures, per database (SQLite, and PostgreSQL + Redis) and per page-cache mode
(``BYLINE_PAGE_CACHE=on`` "cached", ``off`` "uncached"), at 1 and 16 connections:

=====================  ==================================================================
``post-6``             a post with 6 comments
``post-500-onepage``   a post with 500 comments, all on one page (comments_per_page=500)
``front``              the front page (10 posts)
``comment-post``       a guest posting a comment (POST; 303 = stored, reported as accepted/s)
``post-500-paged``     the 500-comment post's first page (comments_per_page=100)
``post-10k-first``     the 10,000-comment post's first page (comments_per_page=100)
``post-10k-last``      … and its last page (``?cpage=N``, N read from the first page)
``post-100k-first``    with ``--huge``: a 100,000-comment post's first page …
``post-100k-last``     … and its last page
``nginx-post-6``       Debian's nginx serving the exact bytes Byline returned for post-6
``nginx-post-500-onepage``  … and for post-500-onepage (the ratio rows compare with these)
=====================  ==================================================================

How: a deterministic fixture (``fixture.py``, a WordPress WXR 1.2 file) is imported with
``byline import wordpress`` into a fresh SQLite file or a recreated PostgreSQL database
(``byline_http_bench``); Byline runs with production settings in a temp var dir, behind
``BYLINE_PROXY_COUNT=1``, started by ``byline serve --workers 2`` (or ``--server-cmd``) in its
own process group, once per phase (comments_per_page 500, then 100) and cache mode. Every
target is checked (status and content) before it is timed. Each measurement is one discarded
warm-up run and ``--reps`` runs of ``wrk -t min(2,c) -c C -d DURATION --latency``, each started
once the CPU is nearly idle; the table shows the median req/s, p50 and p99 over the reps. The
comment POST uses ``post.lua``: each request is a new guest with its own CSRF cookie and token
and form stamp made by Byline's own code (``sitectl.py reset``, run before every run, which
also empties the thread), and its own /64 of 2001:db8::/32 in ``X-Forwarded-For``.

Rerun (the script prints its own exact command line at the end)::

    .venv/bin/python bench/http/run.py                       # both databases, ~45 min
    .venv/bin/python bench/http/run.py --db sqlite --duration 3s --reps 1 --warmup 1s
    .venv/bin/python bench/http/run.py --byline-dir /tmp/benchclone --only 'post-500|nginx'
    .venv/bin/python bench/http/run.py --server-cmd '.venv/bin/granian --interface wsgi \\
        byline.wsgi:application --host {host} --port {port} --workers {workers}'

Results: ``summary.md``, ``results.json``, raw wrk output, server logs and the saved page bodies
under ``--out`` (default ``/tmp/byline-http-bench/<UTC time>``). See README.md for caveats.
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import http.client
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

import fixture  # noqa: E402

HOST = "127.0.0.1"
PAGE_PARAM = "cpage"
PER_PAGE = {"onepage": 500, "paged": 100}  # DiscussionSettings.comments_per_page per phase
PG_DB = "byline_http_bench"
REDIS_PREFIX = "byline-http-bench"
DEFAULT_SERVER_CMD = (
    ".venv/bin/byline serve --host {host} --port {port} --workers {workers} --no-migrate"
)
# Byline's configuration variables (docs/configuration.md): none leaks in from the caller's shell.
BYLINE_VARS = {
    "DATABASE_URL", "SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
    "DEBUG", "REDIS_URL", "CACHE_KEY_PREFIX", "DB_CONN_MAX_AGE", "EMAIL_BACKEND",
    "DEFAULT_FROM_EMAIL", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS", "TIME_ZONE", "SECURE_COOKIES", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "BEHIND_TLS_PROXY", "LOG_LEVEL", "PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS",
    "DJANGO_SETTINGS_MODULE",
}  # fmt: skip
DB_LABEL = {"sqlite": "SQLite (in-process cache)", "pg": "PostgreSQL + Redis"}
PAGES_RE = re.compile(r"Comments page (\d+) of (\d+)")
TABLE_HEAD = (
    "| target | cache | conns | -d | req/s (median) | req/s per rep | p50 ms | p99 ms "
    "| body bytes | non-2xx/3xx |",
    "|---|---|---:|---:|---:|---|---:|---:|---:|---:|",
)
POST_HEAD = (
    "| cache | conns | accepted/s (3xx/s, median) | 2xx | 3xx | 403 | 429 | other 4xx | 5xx "
    "| creds reused | stored by Byline |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
)


def log(message: str) -> None:
    """Progress on stderr, with the time."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """A problem that stops the bench, with a message for the operator."""


# -- processes ----------------------------------------------------------------------------------

_children: dict[int, str] = {}  # pid (= process group id) -> what it is


def start_group(cmd: list[str], *, cwd: Path, env: dict[str, str], logfile: Path, what: str) -> int:
    """Start ``cmd`` in its own process group (stopped by :func:`stop_group` or at exit)."""
    with logfile.open("ab") as out:
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    _children[proc.pid] = what
    return proc.pid


def stop_group(pid: int, grace: float = 10.0) -> None:
    """SIGTERM the process group ``pid``, SIGKILL it after ``grace`` seconds, reap it."""
    what = _children.pop(pid, "process")
    with suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done == pid:
            break
        time.sleep(0.1)
    else:
        log(f"{what} (group {pid}) did not stop in {grace:.0f} s: SIGKILL")
    with suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)  # stragglers of the group (workers)
    with suppress(ChildProcessError):
        os.waitpid(pid, 0)


def group_alive(pid: int) -> bool:
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return done == 0


def stop_all_children() -> None:
    for pid in list(_children):
        stop_group(pid)


def _on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def run(cmd: list[str], *, cwd: Path, env: dict[str, str] | None = None, what: str) -> str:
    """Run a command to completion; its stdout, or a BenchError with its output."""
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BenchError(
            f"{what} failed ({result.returncode}): {shlex.join(cmd)}\n"
            f"{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
    return result.stdout


# -- HTTP probes --------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


def fetch(
    port: int,
    path: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 120.0,
) -> Response:
    """One request on a fresh connection, redirects not followed."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    start = time.perf_counter()
    try:
        conn.request(
            method, path, body=body, headers={"User-Agent": "byline-http-bench"} | (headers or {})
        )
        resp = conn.getresponse()
        data = resp.read()
    finally:
        conn.close()
    return Response(
        resp.status, {k.lower(): v for k, v in resp.getheaders()}, data, time.perf_counter() - start
    )


def wait_ready(port: int, pid: int, logfile: Path, timeout: float = 180.0) -> float:
    """Wait until ``GET /`` answers 200; seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if not group_alive(pid):
            tail = logfile.read_text(errors="replace")[-3000:]
            raise BenchError(f"the server exited before it was ready; end of {logfile}:\n{tail}")
        with suppress(OSError, http.client.HTTPException):
            if fetch(port, "/", timeout=10).status == 200:
                return time.monotonic() - start
        time.sleep(0.25)
    raise BenchError(f"the server did not answer GET / with 200 within {timeout:.0f} s ({logfile})")


# -- the machine --------------------------------------------------------------------------------


def _cpu_times() -> tuple[int, int]:
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def cpu_busy_pct(interval: float = 1.0) -> float:
    busy1, total1 = _cpu_times()
    time.sleep(interval)
    busy2, total2 = _cpu_times()
    return 100.0 * (busy2 - busy1) / max(1, total2 - total1)


def wait_idle(threshold: float, timeout: float) -> tuple[float, float]:
    """Wait until the CPU is under ``threshold`` % busy (1-s samples), at most ``timeout`` s.
    Returns (seconds waited, last busy %)."""
    start = time.monotonic()
    while True:
        pct = cpu_busy_pct()
        waited = time.monotonic() - start
        if pct < threshold:
            return waited, pct
        if waited >= timeout:
            log(f"WARNING: CPU still {pct:.0f}% busy after {waited:.0f} s; measuring anyway")
            return waited, pct


# -- wrk ----------------------------------------------------------------------------------------


@dataclass
class WrkRun:
    """One wrk run, as report.lua (and post.lua) printed it."""

    ok: bool
    rps: float | None = None
    p50_ms: float | None = None
    p90_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    mean_ms: float | None = None
    requests: int = 0
    seconds: float = 0.0
    bytes: int = 0
    non_2xx_3xx: int = 0
    socket_errors: int = 0
    statuses: dict[str, int] | None = None  # POST only
    tally: dict[str, Any] | None = None  # POST only: what Byline stored during this run
    cpu_busy_before: float | None = None
    idle_wait_s: float | None = None
    raw: str = ""


def run_wrk(
    url: str,
    *,
    conns: int,
    threads: int,
    duration: int,
    script: Path,
    env: dict[str, str],
    timeout: str,
    raw: Path,
) -> WrkRun:
    cmd = [
        "wrk", f"-t{threads}", f"-c{conns}", f"-d{duration}s", "--timeout", timeout,
        "--latency", "-s", str(script), url,
    ]  # fmt: skip
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    raw.write_text(f"$ {shlex.join(cmd)}\n{result.stdout}{result.stderr}")
    parsed: dict[str, Any] = {}
    statuses = None
    for line in result.stdout.splitlines():
        if line.startswith("WRKJSON "):
            parsed = json.loads(line[8:])
        elif line.startswith("POSTSTATUS "):
            statuses = json.loads(line[11:])
    if not parsed or parsed["requests"] == 0:
        return WrkRun(ok=False, raw=str(raw))
    return WrkRun(
        ok=True,
        rps=parsed["rps"],
        p50_ms=parsed["p50_ms"],
        p90_ms=parsed["p90_ms"],
        p99_ms=parsed["p99_ms"],
        max_ms=parsed["max_ms"],
        mean_ms=parsed["mean_ms"],
        requests=parsed["requests"],
        seconds=parsed["seconds"],
        bytes=parsed["bytes"],
        non_2xx_3xx=parsed["err_status"],
        socket_errors=sum(
            parsed[k] for k in ("err_connect", "err_read", "err_write", "err_timeout")
        ),
        statuses=statuses,
        raw=str(raw),
    )


# -- targets ------------------------------------------------------------------------------------

Check = Callable[[Response], str | None]


@dataclass
class Target:
    """Something to time: a GET of ``path`` or the comment POST."""

    name: str
    phase: str  # "onepage" | "paged" | "nginx"
    path: str
    check: Check
    post: bool = False
    last_page: bool = False  # path is a first page; time the last one (?cpage=N)
    nginx_twin: str = ""  # for nginx-*: the Byline target whose bytes it serves


def _pages(body: str) -> tuple[int, int] | None:
    match = PAGES_RE.search(body)
    return (int(match[1]), int(match[2])) if match else None


def check_page(
    *,
    has: tuple[str, ...] = (),
    lacks: tuple[str, ...] = (),
    page: str = "",  # "single" | "first" | "last"
) -> Check:
    """A check of a GET target's answer: 200, these substrings, this comment page."""

    def check(resp: Response) -> str | None:
        if resp.status != 200:
            return f"HTTP {resp.status}, expected 200"
        body = resp.body.decode("utf-8", "replace")
        for text in has:
            if text not in body:
                return f"the page lacks {text!r}"
        for text in lacks:
            if text in body:
                return f"the page contains {text!r}"
        pages = _pages(body)
        if page == "single" and pages is not None:
            return f"expected one comment page, got 'Comments page {pages[0]} of {pages[1]}'"
        if page == "first" and (pages is None or pages[0] != 1 or pages[1] < 2):
            return f"expected 'Comments page 1 of N' (N > 1), got {pages}"
        if page == "last" and (pages is None or pages[0] != pages[1] or pages[1] < 2):
            return f"expected 'Comments page N of N' (N > 1), got {pages}"
        return None

    return check


def check_post(resp: Response) -> str | None:
    location = resp.headers.get("location", "")
    if resp.status != 303 or not re.search(r"#(pending|comment)-\d+$", location):
        return f"HTTP {resp.status} Location {location!r}, expected 303 to #pending-N"
    return None


def targets(site: dict[str, Any], huge: bool) -> list[Target]:
    """Every target, in the order they run, for the seeded site ``site`` (sitectl info)."""
    url = {p["slug"]: p["url"] for p in site["posts"]}
    pid = {p["slug"]: p["id"] for p in site["posts"]}
    front_slugs = [s for s in url if s.startswith("post-") and s != "post-100000"]

    def cid(n: int) -> str:
        return f'id="comment-{n}"'

    found = [
        Target(
            "post-6",
            "onepage",
            url["post-6"],
            check_page(has=(cid(6), "6 comments"), page="single"),
        ),
        Target(
            "post-500-onepage",
            "onepage",
            url["post-500"],
            check_page(has=(cid(1), cid(500), "500 comments"), page="single"),
        ),
        Target(
            "front", "onepage", "/", check_page(has=tuple(f'href="{url[s]}"' for s in front_slugs))
        ),
        Target(
            "comment-post", "onepage", f"/comments/post/{pid['bench-post']}/", check_post, post=True
        ),
        Target(
            "post-500-paged",
            "paged",
            url["post-500"],
            check_page(has=(cid(1), "500 comments"), lacks=(cid(500),), page="first"),
        ),
        Target(
            "post-10k-first", "paged", url["post-10000"], check_page(has=(cid(1),), page="first")
        ),
        Target(
            "post-10k-last",
            "paged",
            url["post-10000"],
            check_page(has=('id="comment-',), lacks=(cid(1),), page="last"),
            last_page=True,
        ),
    ]
    if huge:
        found += [
            Target(
                "post-100k-first",
                "paged",
                url["post-100000"],
                check_page(has=(cid(1),), page="first"),
            ),
            Target(
                "post-100k-last",
                "paged",
                url["post-100000"],
                check_page(has=('id="comment-',), lacks=(cid(1),), page="last"),
                last_page=True,
            ),
        ]
    found += [
        Target("nginx-post-6", "nginx", "/post-6", lambda r: None, nginx_twin="post-6"),
        Target(
            "nginx-post-500-onepage",
            "nginx",
            "/post-500-onepage",
            lambda r: None,
            nginx_twin="post-500-onepage",
        ),
    ]
    return found


# -- results ------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One target at one concurrency on one server: its repetitions and their medians."""

    db: str
    cache: str  # "cached" | "uncached" | "-" (nginx)
    target: str
    conns: int
    threads: int
    duration_s: int
    url: str
    body_bytes: int | None
    body_sha256: str | None
    cache_status: str | None = None  # the probe's X-Byline-Cache header (hit/miss), if any
    reps: list[WrkRun] = field(default_factory=list)
    warmup: WrkRun | None = None

    def _median(self, attr: str) -> float | None:
        values = [getattr(r, attr) for r in self.reps if r.ok and getattr(r, attr) is not None]
        return statistics.median(values) if values else None

    @property
    def rps(self) -> float | None:
        return self._median("rps")

    @property
    def p50(self) -> float | None:
        return self._median("p50_ms")

    @property
    def p99(self) -> float | None:
        return self._median("p99_ms")

    @property
    def non_2xx_3xx(self) -> int:
        return sum(r.non_2xx_3xx for r in self.reps)

    @property
    def socket_errors(self) -> int:
        return sum(r.socket_errors for r in self.reps)

    @property
    def accepted_per_s(self) -> float | None:
        values = [
            r.statuses["3xx"] / r.seconds for r in self.reps if r.ok and r.statuses and r.seconds
        ]
        return statistics.median(values) if values else None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            rps_median=self.rps,
            p50_ms_median=self.p50,
            p99_ms_median=self.p99,
            non_2xx_3xx=self.non_2xx_3xx,
            socket_errors=self.socket_errors,
            accepted_per_s_median=self.accepted_per_s,
        )
        return data


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    if digits == 1 and value >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 1000 else f"{value:,.0f}"


# -- the bench ----------------------------------------------------------------------------------


@dataclass
class Options:
    byline_dir: Path
    out: Path
    dbs: list[str]
    caches: list[str]
    only: re.Pattern[str] | None
    duration: int
    warmup: int
    reps: int
    conns: list[int]
    huge: bool
    server_cmd: str
    workers: int
    nginx: bool
    wrk_threads: int
    wrk_timeout: str
    idle_pct: float
    idle_timeout: float
    slow_ms: float
    slow_duration: int
    post_creds: int
    pg_url: str
    redis_url: str
    keep: bool
    seed: int


class Bench:
    """Seeds, serves, probes and times; collects :class:`Cell` results."""

    def __init__(self, opts: Options) -> None:
        self.o = opts
        self.cells: list[Cell] = []
        self.notes: list[str] = []
        self.servers: list[dict[str, Any]] = []
        self.bodies: dict[tuple[str, str, str], tuple[Path, str]] = {}  # (db, cache, target)
        self.seeding: dict[str, dict[str, Any]] = {}
        self.generation = secrets.randbelow(0xF000)  # first /48 of the POST addresses
        self.fixture_path: Path | None = None
        self.port = free_port()
        self.env_info: dict[str, Any] = {}
        self.rerun = ""
        self.target_order: list[str] = []
        for sub in ("raw", "logs", "bodies"):
            (opts.out / sub).mkdir(parents=True, exist_ok=True)

    # -- selection ------------------------------------------------------------------------------

    def selected(self, target: Target) -> bool:
        return self.o.only is None or bool(self.o.only.search(target.name))

    # -- environment and seeding ----------------------------------------------------------------

    def var_dir(self, db: str) -> Path:
        return self.o.out / f"var-{db}"

    def pg_database_url(self) -> str:
        return self.o.pg_url.rstrip("/").rsplit("/", 1)[0] + f"/{PG_DB}"

    def env(self, db: str, cache: str = "on") -> dict[str, str]:
        """Byline's environment for ``db``: production settings in this run's var dir."""
        base = {
            k: v
            for k, v in os.environ.items()
            if k not in BYLINE_VARS and not k.startswith(("BYLINE_", "BENCH_"))
        }
        var = self.var_dir(db)
        env = base | {
            "BYLINE_ENV": "production",
            "SECRET_KEY_FILE": str(var / "secret_key"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_COOKIES": "false",
            "BYLINE_VAR_DIR": str(var),
            "BYLINE_PROXY_COUNT": "1",
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            "BYLINE_SITE_URL": f"http://{HOST}:{self.port}",
            "BYLINE_PAGE_CACHE": cache,
            "DJANGO_SETTINGS_MODULE": "byline.settings",  # for --server-cmd with an ASGI factory
            "PYTHONUNBUFFERED": "1",
            # gunicorn >= 23 opens a control socket in $XDG_RUNTIME_DIR, else ~/.gunicorn/:
            # keep it away from any other gunicorn on this machine.
            "XDG_RUNTIME_DIR": str(var),
        }
        if db == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{var / 'byline.sqlite3'}"
        else:
            env["DATABASE_URL"] = self.pg_database_url()
            env["REDIS_URL"] = self.o.redis_url
            env["CACHE_KEY_PREFIX"] = REDIS_PREFIX
        return env

    def byline(self, db: str, *args: str, what: str) -> str:
        return run([".venv/bin/byline", *args], cwd=self.o.byline_dir, env=self.env(db), what=what)

    def sitectl(self, db: str, *args: str) -> dict[str, Any]:
        out = run(
            [".venv/bin/python", str(HERE / "sitectl.py"), *args],
            cwd=self.o.byline_dir,
            env=self.env(db),
            what=f"sitectl {args[0]}",
        )
        return dict(json.loads(out.strip().splitlines()[-1]))

    def flush_redis(self) -> int:
        """Delete this bench's keys and no others: those under ``CACHE_KEY_PREFIX`` (Django's
        ``byline-http-bench:…``) and under derived prefixes (``byline-http-bench-<alias>:…``)."""
        import redis  # Byline's dependency; only needed in PostgreSQL mode

        client = redis.Redis.from_url(self.o.redis_url)
        keys = [
            key
            for pattern in (f"{REDIS_PREFIX}:*", f"{REDIS_PREFIX}-*")
            for key in client.scan_iter(match=pattern, count=1000)
        ]
        for i in range(0, len(keys), 500):
            client.delete(*keys[i : i + 500])
        return len(keys)

    def psql(self, sql: str) -> None:
        maintenance = self.o.pg_url.rstrip("/").rsplit("/", 1)[0] + "/postgres"
        run(
            ["psql", maintenance, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
            cwd=self.o.out,
            what="psql",
        )

    def seed(self, db: str) -> dict[str, Any]:
        """A fresh site on ``db`` from the fixture; returns ``sitectl info``."""
        start = time.monotonic()
        if self.fixture_path is None:
            self.fixture_path = self.o.out / ("fixture-huge.wxr" if self.o.huge else "fixture.wxr")
            counts = fixture.write_wxr(self.fixture_path, huge=self.o.huge, seed=self.o.seed)
            log(
                f"fixture: {sum(counts.values()):,} comments in {len(counts)} posts "
                f"-> {self.fixture_path}"
            )
        var = self.var_dir(db)
        var.mkdir(parents=True, exist_ok=True)
        key = var / "secret_key"
        key.write_text(secrets.token_urlsafe(50))
        key.chmod(0o600)
        if db == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                (var / f"byline.sqlite3{suffix}").unlink(missing_ok=True)
        else:
            self.psql(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
            self.psql(f"CREATE DATABASE {PG_DB}")
            self.flush_redis()
        log(f"{db}: migrate, import {self.fixture_path.name}, collectstatic")
        self.byline(db, "migrate", "--verbosity", "0", what="migrate")
        self.byline(db, "import", "wordpress", str(self.fixture_path), "--quiet", what="import")
        self.byline(db, "collectstatic", "--noinput", "--verbosity", "0", what="collectstatic")
        site = self.sitectl(db, "info")
        want = {"post-6": 6, "post-500": 500, "post-10000": 10_000, "bench-post": 0}
        if self.o.huge:
            want["post-100000"] = 100_000
        got = {p["slug"]: p["public_comments"] for p in site["posts"]}
        wrong = {s: got.get(s) for s, n in want.items() if got.get(s) != n}
        if wrong or len([s for s in got if s.startswith("post-") and s != "post-100000"]) != 10:
            raise BenchError(f"the seeded site is not the fixture: {wrong or got}")
        seconds = time.monotonic() - start
        self.seeding[db] = {"seconds": round(seconds, 1), "site": site}
        log(f"{db}: seeded in {seconds:.0f} s")
        return site

    def set_per_page(self, db: str, per_page: int) -> None:
        code = (
            "from byline.discussion.models import DiscussionSettings\n"
            "s = DiscussionSettings.current()\n"
            f"s.comments_per_page = {per_page}\n"
            "s.full_clean()\n"
            "s.save()\n"
            "print(DiscussionSettings.current().comments_per_page)\n"
        )
        out = self.byline(db, "shell", "-c", code, what="setting comments_per_page")
        if out.strip().splitlines()[-1] != str(per_page):
            raise BenchError(f"comments_per_page did not become {per_page}: {out!r}")

    # -- serving --------------------------------------------------------------------------------

    def server_argv(self) -> list[str]:
        cmd = self.o.server_cmd
        for key, value in (
            ("{host}", HOST),
            ("{port}", str(self.port)),
            ("{workers}", str(self.o.workers)),
        ):
            cmd = cmd.replace(key, value)
        return ["bash", "-c", cmd]

    @contextmanager
    def server(self, db: str, phase: str, cache: str) -> Iterator[dict[str, Any]]:
        """Byline serving ``db`` with the phase's comments_per_page and cache mode."""
        # Every server starts with empty caches: nothing kept from an earlier server (which had
        # other settings). On PostgreSQL they are in Redis; on SQLite, files under the var dir.
        if db == "pg":
            self.flush_redis()
        shutil.rmtree(self.var_dir(db) / "cache", ignore_errors=True)
        name = f"{db}-{phase}-{cache}"
        logfile = self.o.out / "logs" / f"server-{name}.log"
        argv = self.server_argv()
        log(f"{name}: starting {argv[-1]}")
        pid = start_group(
            argv,
            cwd=self.o.byline_dir,
            env=self.env(db, "on" if cache == "cached" else "off"),
            logfile=logfile,
            what=f"server {name}",
        )
        info: dict[str, Any] = {"name": name, "log": str(logfile), "command": argv[-1]}
        try:
            info["ready_s"] = round(wait_ready(self.port, pid, logfile), 1)
            yield info
        finally:
            stop_group(pid)
            info.update(scan_log(logfile))
            self.servers.append(info)
            if info.get("tracebacks"):
                self.notes.append(
                    f"{name}: {info['tracebacks']} traceback(s) in {logfile}; "
                    f"last: {info['last_error']}"
                )
            if info.get("statuses_5xx"):
                self.notes.append(
                    f"{name}: {info['statuses_5xx']} responses with 5xx in the access log"
                )

    # -- probing --------------------------------------------------------------------------------

    def reset_post(self, db: str) -> dict[str, Any]:
        """Empty bench-post and write fresh credentials; returns what the last run stored."""
        creds = self.o.out / f"creds-{db}.tsv"
        tally = self.sitectl(db, "reset", str(creds), str(self.o.post_creds), str(self.generation))
        self.generation = (self.generation + 1) % 0x10000
        return tally

    def probe(self, db: str, cache: str, target: Target) -> tuple[str, Response]:
        """Check the target answers as expected; returns its (final) path and answer."""
        try:
            return self._probe(db, cache, target)
        except (OSError, http.client.HTTPException) as exc:
            raise BenchError(
                f"{db}/{cache}/{target.name}: the request failed ({exc!r}); see the server log"
            ) from exc

    def _probe(self, db: str, cache: str, target: Target) -> tuple[str, Response]:
        path = target.path
        if target.post:
            self.reset_post(db)
            line = (self.o.out / f"creds-{db}.tsv").read_text().splitlines()[0]
            secret, token, stamp, ip, who = line.split("\t")
            form = urlencode(
                {
                    "csrfmiddlewaretoken": token,
                    "parent": "",
                    "name": "Probe Reader",
                    "email": f"probe-{who}@example.invalid",
                    "url": "",
                    "body": f"A probe comment {who}: checking that the form takes a comment.",
                    "homepage": "",
                    "shown": stamp,
                }
            ).encode()
            resp = fetch(
                self.port,
                path,
                method="POST",
                body=form,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"csrftoken={secret}",
                    "Origin": f"http://{HOST}:{self.port}",
                    "X-Forwarded-For": ip,
                },
            )
        else:
            if target.last_page:
                first = fetch(self.port, path)
                pages = _pages(first.body.decode("utf-8", "replace"))
                if first.status != 200 or pages is None:
                    raise BenchError(
                        f"{target.name}: no 'Comments page 1 of N' on {path} (HTTP {first.status})"
                    )
                path = f"{path}?{PAGE_PARAM}={pages[1]}"
            resp = fetch(self.port, path)
            again = fetch(self.port, path)  # warm: decides the slow-target duration
            if again.body != resp.body:
                self.notes.append(
                    f"{db}/{cache}/{target.name}: two strangers' requests got different bytes "
                    f"({len(resp.body)} vs {len(again.body)})"
                )
            resp = Response(again.status, again.headers, again.body, again.seconds)
        problem = target.check(resp)
        if problem:
            raise BenchError(f"{db}/{cache}/{target.name} {path}: {problem}")
        if not target.post:
            body_file = self.o.out / "bodies" / f"{db}-{cache}-{target.name}.html"
            body_file.write_bytes(resp.body)
            self.bodies[(db, cache, target.name)] = (
                body_file,
                hashlib.sha256(resp.body).hexdigest(),
            )
        cache_headers = {
            k: v
            for k, v in resp.headers.items()
            if k in ("cache-control", "age", "vary") or "cache" in k
        }
        log(
            f"  {target.name}: HTTP {resp.status} {len(resp.body):,} bytes "
            f"{resp.seconds * 1000:.1f} ms {path} {cache_headers}"
        )
        return path, resp

    # -- timing ---------------------------------------------------------------------------------

    def measure(
        self,
        db: str,
        cache: str,
        target: Target,
        port: int,
        path: str,
        resp: Response,
        reset: Callable[[], dict[str, Any]] | None,
    ) -> None:
        o = self.o
        url = f"http://{HOST}:{port}{path}"
        duration = o.duration
        if not target.post and resp.seconds * 1000 > o.slow_ms and o.slow_duration > duration:
            duration = o.slow_duration
            log(
                f"  {target.name}: one request took {resp.seconds * 1000:.0f} ms "
                f"> {o.slow_ms:.0f} ms: -d{duration}s"
            )
        script = HERE / ("post.lua" if target.post else "report.lua")
        for conns in o.conns:
            threads = min(o.wrk_threads, conns)
            env = dict(os.environ) | {
                "BENCH_REPORT_LUA": str(HERE / "report.lua"),
                "BENCH_CREDS": str(o.out / f"creds-{db}.tsv"),
                "BENCH_ORIGIN": f"http://{HOST}:{port}",
                "BENCH_THREADS": str(threads),
            }
            body_bytes = None if target.post else len(resp.body)
            sha = None if target.post else hashlib.sha256(resp.body).hexdigest()
            cell = Cell(db, cache, target.name, conns, threads, duration, url, body_bytes, sha)
            cell.cache_status = resp.headers.get("x-byline-cache")
            stem = o.out / "raw" / f"{db}-{cache}-{target.name}-c{conns}"
            runs: list[tuple[str, int]] = [("warmup", o.warmup)] + [
                (f"rep{r}", duration) for r in range(1, o.reps + 1)
            ]
            previous: WrkRun | None = None
            for label, seconds in runs:
                waited, busy = wait_idle(o.idle_pct, o.idle_timeout)
                if reset is not None:
                    tally = reset()
                    if previous is not None:
                        previous.tally = tally
                result = run_wrk(
                    url,
                    conns=conns,
                    threads=threads,
                    duration=seconds,
                    script=script,
                    env=env,
                    timeout=o.wrk_timeout,
                    raw=Path(f"{stem}-{label}.txt"),
                )
                result.cpu_busy_before, result.idle_wait_s = round(busy, 1), round(waited, 1)
                previous = result
                if label == "warmup":
                    cell.warmup = result
                else:
                    cell.reps.append(result)
                extra = ""
                if result.statuses:
                    extra = " " + " ".join(f"{k}={v}" for k, v in result.statuses.items() if v)
                if result.ok:
                    log(
                        f"  {target.name} {cache} c{conns} {label}: {result.rps:,.1f} req/s "
                        f"p50 {result.p50_ms:.2f} ms p99 {result.p99_ms:.2f} ms, "
                        f"{result.non_2xx_3xx} non-2xx/3xx{extra} (CPU {busy:.0f}% before)"
                    )
                else:
                    log(
                        f"  {target.name} {cache} c{conns} {label}: "
                        f"wrk gave no result, see {result.raw}"
                    )
                    if label != "warmup":
                        self.notes.append(
                            f"{db}/{cache}/{target.name} c{conns} {label}: "
                            f"wrk gave no result ({result.raw})"
                        )
            if reset is not None and previous is not None:
                wait_idle(o.idle_pct, o.idle_timeout)  # the server finishes what wrk left
                previous.tally = reset()
            reused = sum((r.statuses or {}).get("creds_reused_rounds", 0) for r in cell.reps)
            if reused:
                self.notes.append(
                    f"{db}/{cache}/{target.name} c{conns}: the credentials ran out and were "
                    f"reused (single-use stamps then count as replays): raise --post-creds"
                )
            self.cells.append(cell)
            self.save()

    # -- phases ---------------------------------------------------------------------------------

    def run_db(self, db: str, all_targets: Callable[[dict[str, Any]], list[Target]]) -> None:
        site = self.seed(db)
        chosen = [t for t in all_targets(site) if t.phase != "nginx"]
        for phase in ("onepage", "paged"):
            phase_targets = [t for t in chosen if t.phase == phase]
            timed = [t for t in phase_targets if self.selected(t)]
            # nginx serves the bytes of the one-page phase: probe those even when not timed.
            needed = [t for t in phase_targets if t in timed or self._nginx_needs(t)]
            if not needed:
                continue
            self.set_per_page(db, PER_PAGE[phase])
            for cache in self.o.caches:
                with self.server(db, phase, cache) as server:
                    log(
                        f"{db}-{phase}-{cache}: ready in {server['ready_s']} s; "
                        f"checking {len(needed)} targets"
                    )
                    probed = {t.name: self.probe(db, cache, t) for t in needed}
                    for t in timed:
                        path, resp = probed[t.name]
                        reset = (lambda db=db: self.reset_post(db)) if t.post else None
                        self.measure(db, cache, t, self.port, path, resp, reset)
        self.compare_bodies(db, chosen)

    def _nginx_needs(self, target: Target) -> bool:
        return (
            self.o.nginx
            and target.name in {"post-6", "post-500-onepage"}
            and bool(self.o.only is None or self.o.only.search(f"nginx-{target.name}"))
        )

    def compare_bodies(self, db: str, chosen: list[Target]) -> None:
        """Cached and uncached answers must be the same bytes."""
        for t in chosen:
            shas = {
                c: self.bodies[(db, c, t.name)][1]
                for c in self.o.caches
                if (db, c, t.name) in self.bodies
            }
            if len(set(shas.values())) > 1:
                self.notes.append(
                    f"{db}/{t.name}: cached and uncached bodies differ "
                    f"(see bodies/{db}-*-{t.name}.html)"
                )

    def run_nginx(self, nginx_targets: list[Target]) -> None:
        """nginx serving the bytes Byline returned; once per distinct set of bodies."""
        timed = [t for t in nginx_targets if self.selected(t)]
        if not timed or not self.o.nginx:
            return
        cache = "cached" if "cached" in self.o.caches else self.o.caches[0]
        benched: set[tuple[str, str]] = set()  # (target, sha256)
        for db in self.o.dbs:
            files = {t.name: self.bodies.get((db, cache, t.nginx_twin)) for t in timed}
            ready = {name: f for name, f in files.items() if f is not None}
            if not ready:
                continue
            if all((name, sha) in benched for name, (_, sha) in ready.items()):
                log(f"nginx: {db}'s pages are the same bytes as already benched; not repeated")
                continue
            self._nginx_for(db, [t for t in timed if t.name in ready], ready)
            benched |= {(name, sha) for name, (_, sha) in ready.items()}

    def _nginx_for(self, db: str, timed: list[Target], files: dict[str, tuple[Path, str]]) -> None:
        root = self.o.out / f"nginx-{db}"
        www = root / "www"
        www.mkdir(parents=True, exist_ok=True)
        for t in timed:
            shutil.copyfile(files[t.name][0], www / t.path.lstrip("/"))
        port = free_port()
        conf = root / "nginx.conf"
        conf.write_text(
            f"""# bench/http/run.py: nginx serving the bytes Byline returned ({db})
daemon off;
master_process on;
worker_processes {self.o.workers};
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp-body;
    proxy_temp_path {root}/tmp-proxy;
    fastcgi_temp_path {root}/tmp-fastcgi;
    uwsgi_temp_path {root}/tmp-uwsgi;
    scgi_temp_path {root}/tmp-scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 65;
    default_type "text/html; charset=utf-8";
    server {{
        listen {HOST}:{port};
        root {www};
        location / {{ try_files $uri =404; }}
    }}
}}
"""
        )
        logfile = self.o.out / "logs" / f"nginx-{db}.log"
        pid = start_group(
            ["/usr/sbin/nginx", "-p", str(root), "-e", str(root / "error.log"), "-c", str(conf)],
            cwd=root,
            env=dict(os.environ),
            logfile=logfile,
            what="nginx",
        )
        try:
            start = time.monotonic()
            while True:
                if not group_alive(pid):
                    raise BenchError(f"nginx exited: {logfile} {root / 'error.log'}")
                with suppress(OSError, http.client.HTTPException):
                    fetch(port, "/", timeout=5)
                    break
                if time.monotonic() - start > 30:
                    raise BenchError("nginx did not start within 30 s")
                time.sleep(0.1)
            for t in timed:
                resp = fetch(port, t.path)
                if resp.status != 200 or hashlib.sha256(resp.body).hexdigest() != files[t.name][1]:
                    raise BenchError(f"nginx does not serve the saved bytes of {t.nginx_twin}")
                log(
                    f"  {t.name}: HTTP 200 {len(resp.body):,} bytes "
                    f"(the bytes of {db}/{t.nginx_twin})"
                )
                self.measure(db, "-", t, port, t.path, resp, None)
        finally:
            stop_group(pid)

    # -- output ---------------------------------------------------------------------------------

    def save(self) -> None:
        data = {
            "env": self.env_info,
            "options": {
                k: (
                    v.pattern if isinstance(v, re.Pattern) else str(v) if isinstance(v, Path) else v
                )
                for k, v in asdict(self.o).items()
            },
            "seeding": self.seeding,
            "servers": self.servers,
            "cells": [c.as_json() for c in self.cells],
            "notes": self.notes,
            "rerun": self.rerun,
        }
        tmp = self.o.out / "results.json.tmp"
        tmp.write_text(json.dumps(data, indent=1, default=str))
        tmp.replace(self.o.out / "results.json")

    def summary(self) -> str:
        o = self.o
        e = self.env_info
        lines = [
            f"# Byline HTTP bench, {e['date_utc']}",
            "",
            f"- Byline: `{o.byline_dir}` at {e['byline_commit']}",
            f"- server: `{e['server_cmd']}` ({o.workers} workers)",
            f"- machine: {e['cpus']} CPUs ({e['cpu_model']}), {e['kernel']}; "
            f"load before: {e['load_before']}",
            f"- {e['wrk']}: `-t min({o.wrk_threads},c) -c {{{' '.join(map(str, o.conns))}}} "
            f"-d {o.duration}s --timeout {o.wrk_timeout} --latency`, warm-up {o.warmup}s "
            f"discarded, {o.reps} rep(s), medians; "
            f"slow targets (> {o.slow_ms:.0f} ms) -d {o.slow_duration}s",
            "- cached = `BYLINE_PAGE_CACHE=on` (the probe and the warm-up fill it), "
            "uncached = `off`; (hit)/(miss): the `X-Byline-Cache` header of the probe's "
            "second request",
            "",
        ]
        for db in o.dbs:
            cells = [c for c in self.cells if c.db == db and c.cache != "-"]
            if not cells:
                continue
            seeded = self.seeding.get(db, {})
            lines += [
                f"## {DB_LABEL[db]}",
                "",
                f"Seeded in {seeded.get('seconds', '?')} s. comments_per_page: "
                f"{PER_PAGE['onepage']} in the one-page phase, {PER_PAGE['paged']} when paged.",
                "",
                *TABLE_HEAD,
            ]
            for c in self.ordered(cells):
                lines.append(self.row(c))
            posts = [c for c in cells if c.target == "comment-post"]
            if posts:
                lines += [
                    "",
                    "Comment POST (303 = stored; Byline's own tally of what it stored, "
                    "summed over the reps):",
                    "",
                    *POST_HEAD,
                ]
                for c in self.ordered(posts):
                    total: Counter[str] = Counter()
                    stored: Counter[str] = Counter()
                    for r in c.reps:
                        total.update(r.statuses or {})
                        stored.update((r.tally or {}).get("by_status_code", {}))
                    tally = ", ".join(f"{k} {v}" for k, v in sorted(stored.items())) or "–"
                    lines.append(
                        f"| {c.cache} | {c.conns} | {fmt(c.accepted_per_s)} | {total['2xx']} "
                        f"| {total['3xx']} | {total['403']} | {total['429']} "
                        f"| {total['other_4xx']} | {total['5xx']} "
                        f"| {total['creds_reused_rounds']} | {tally} |"
                    )
            lines += ["", *self.ratio_lines(db), ""]
        nginx = [c for c in self.cells if c.cache == "-"]
        if nginx:
            lines += [
                "## nginx serving the same bytes",
                "",
                TABLE_HEAD[0].replace("| cache |", "| bytes of |"),
                TABLE_HEAD[1],
            ]
            for c in self.ordered(nginx):
                lines.append(
                    self.row(c).replace(f"| {c.target} | - |", f"| {c.target} | {c.db} |", 1)
                )
            lines.append("")
        servers = [s for s in self.servers if "requests_logged" in s]
        if servers:
            lines += ["## Server logs", ""]
            for s in servers:
                codes = ", ".join(f"{k}: {v}" for k, v in sorted(s["statuses"].items()))
                lines.append(
                    f"- {s['name']}: ready in {s.get('ready_s', '?')} s; "
                    f"{s['requests_logged']:,} requests logged ({codes or 'no access log'}); "
                    f"{s['tracebacks']} tracebacks; {s['error_lines']} error lines"
                )
            lines.append("")
        if self.notes:
            lines += ["## Notes", "", *[f"- {n}" for n in self.notes], ""]
        return "\n".join(lines)

    def ordered(self, cells: list[Cell]) -> list[Cell]:
        order = {t: i for i, t in enumerate(self.target_order)}
        cache_order = {"cached": 0, "uncached": 1, "-": 2}
        return sorted(
            cells, key=lambda c: (c.db, order.get(c.target, 99), cache_order[c.cache], c.conns)
        )

    @staticmethod
    def row(c: Cell) -> str:
        per_rep = " / ".join(fmt(r.rps) if r.ok else "fail" for r in c.reps)
        bad = str(c.non_2xx_3xx) + (
            f" (+{c.socket_errors} socket errors)" if c.socket_errors else ""
        )
        body = f"{c.body_bytes:,}" if c.body_bytes is not None else "–"
        cache = f"{c.cache} ({c.cache_status})" if c.cache_status else c.cache
        return (
            f"| {c.target} | {cache} | {c.conns} | {c.duration_s}s | {fmt(c.rps)} | {per_rep} | "
            f"{fmt_ms(c.p50)} | {fmt_ms(c.p99)} | {body} | {bad} |"
        )

    def ratio_lines(self, db: str) -> list[str]:
        out: list[str] = []
        find = {(c.db, c.cache, c.target, c.conns): c for c in self.cells}
        for name in ("post-6", "post-500-onepage"):
            for conns in self.o.conns:
                byline = find.get((db, "cached", name, conns))
                twins = [
                    c
                    for c in self.cells
                    if c.cache == "-" and c.target == f"nginx-{name}" and c.conns == conns
                ]
                twins.sort(key=lambda c: c.body_sha256 != (byline.body_sha256 if byline else None))
                nginx = twins[0] if twins else None
                if byline and nginx and byline.rps and nginx.rps:
                    same = (
                        "same bytes"
                        if byline.body_sha256 == nginx.body_sha256
                        else f"DIFFERENT bytes: nginx serves {nginx.db}'s"
                    )
                    ratio = byline.rps / nginx.rps
                    out.append(
                        f"- {name}, c{conns}: Byline cached {fmt(byline.rps)} req/s "
                        f"÷ nginx {fmt(nginx.rps)} req/s ({same}) = **{ratio:.3g}** "
                        f"(nginx {1 / ratio:,.0f}× as fast)"
                    )
        for c in self.ordered([c for c in self.cells if c.db == db and c.cache == "cached"]):
            other = find.get((db, "uncached", c.target, c.conns))
            if other and c.rps and other.rps:
                out.append(f"- {c.target}, c{c.conns}: cached ÷ uncached = {c.rps / other.rps:.2f}")
        if out:
            out.insert(0, "Ratios (median req/s):\n")
        return out


def scan_log(path: Path) -> dict[str, Any]:
    """What a server's log says: access-log statuses, tracebacks, error lines."""
    statuses: Counter[str] = Counter()
    tracebacks = errors = 0
    last_error = ""
    access = re.compile(r'"[A-Z]+ \S+ HTTP/[\d.]+" (\d{3}) ')
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    for i, line in enumerate(lines):
        match = access.search(line)
        if match:
            statuses[match[1]] += 1
        elif line.startswith("Traceback"):
            tracebacks += 1
            for follow in lines[i + 1 : i + 200]:
                if follow and not follow.startswith(
                    (" ", "Traceback", "During handling", "The above")
                ):
                    last_error = follow.strip()
                    break
        elif re.search(r"\b(ERROR|CRITICAL)\b|\[ERROR\]", line):
            errors += 1
            last_error = last_error or line.strip()
    return {
        "requests_logged": sum(statuses.values()),
        "statuses": dict(statuses),
        "statuses_5xx": sum(v for k, v in statuses.items() if k.startswith("5")),
        "tracebacks": tracebacks,
        "error_lines": errors,
        "last_error": last_error,
    }


def env_info(o: Options) -> dict[str, Any]:
    def out(cmd: list[str]) -> str:
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, cwd=o.byline_dir, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            return "?"
        return (
            (r.stdout or r.stderr).strip().splitlines()[0]
            if (r.stdout or r.stderr).strip()
            else "?"
        )

    dirty = out(["git", "status", "--porcelain", "--untracked-files=no"])
    model = "?"
    with suppress(OSError), open("/proc/cpuinfo") as f:
        model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?")
    return {
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "byline_commit": out(["git", "log", "-1", "--format=%h (%cs)"])
        + (" (+ uncommitted changes)" if dirty not in ("", "?") else ""),
        "server_cmd": o.server_cmd,
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "kernel": platform.platform(),
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "wrk": out(["wrk", "-v"]).split(" Copyright")[0],  # "wrk debian/4.1.0-3 [epoll]"
        "nginx": out(["/usr/sbin/nginx", "-v"]),
        "python": out([".venv/bin/python", "-V"]),
    }


def parse_seconds(text: str) -> int:
    match = re.fullmatch(r"\s*(\d+)\s*(s|m)?\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"a whole number of seconds like 10s or 1m, not {text!r}")
    return int(match[1]) * (60 if match[2] == "m" else 1)


def parse_args(argv: list[str] | None) -> Options:
    p = argparse.ArgumentParser(
        description="HTTP benchmark of Byline with wrk (see the module docstring and README.md).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--byline-dir", type=Path, default=ROOT, help="Byline checkout with a .venv")
    p.add_argument(
        "--out", type=Path, help="results dir (default /tmp/byline-http-bench/<UTC time>)"
    )
    p.add_argument("--db", choices=["sqlite", "pg", "both"], default="both")
    p.add_argument("--cache", choices=["cached", "uncached", "both"], default="both")
    p.add_argument("--only", help="regex on target names (see --list)")
    p.add_argument("--duration", type=parse_seconds, default="10s", help="wrk -d per repetition")
    p.add_argument(
        "--warmup", type=parse_seconds, default="3s", help="discarded wrk run before the reps"
    )
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--conns", default="1 16", help="space-separated wrk -c values")
    p.add_argument(
        "--huge", action="store_true", help="add a 100,000-comment post (first and last page)"
    )
    p.add_argument(
        "--server-cmd",
        default=DEFAULT_SERVER_CMD,
        help="server command, run by bash in --byline-dir with Byline's environment; "
        "{host}, {port} and {workers} are filled in",
    )
    p.add_argument(
        "--workers", type=int, default=2, help="{workers} of --server-cmd; nginx worker_processes"
    )
    p.add_argument("--no-nginx", action="store_true", help="skip the nginx same-bytes rows")
    p.add_argument("--wrk-threads", type=int, default=2, help="wrk -t (capped at the connections)")
    p.add_argument("--wrk-timeout", default="30s", help="wrk --timeout")
    p.add_argument(
        "--idle-pct", type=float, default=10.0, help="wait until the CPU is under this %% busy"
    )
    p.add_argument(
        "--idle-timeout", type=float, default=90.0, help="… but at most this many seconds"
    )
    p.add_argument(
        "--slow-ms",
        type=float,
        default=400.0,
        help="a GET slower than this (warm) uses --slow-duration",
    )
    p.add_argument("--slow-duration", type=parse_seconds, default="30s")
    p.add_argument(
        "--post-creds",
        type=int,
        default=20000,
        help="guest credentials per comment-POST run (max 65536)",
    )
    p.add_argument(
        "--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres", help="PostgreSQL server"
    )
    p.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/9",
        help="Redis for PG mode (keys under byline-http-bench:)",
    )
    p.add_argument(
        "--keep", action="store_true", help="keep the SQLite file and the PostgreSQL database"
    )
    p.add_argument("--seed", type=int, default=fixture.DEFAULT_SEED, help="fixture seed")
    p.add_argument("--list", action="store_true", help="list the targets and exit")
    a = p.parse_args(argv)
    if a.list:
        site = {
            "posts": [
                {"slug": s.slug, "id": i, "url": f"/…/{s.slug}/"}
                for i, s in enumerate(fixture.posts(True))
            ]
        }
        for t in targets(site, huge=True):
            print(f"{t.name:26} {t.phase:8} {'POST' if t.post else 'GET'}")
        raise SystemExit(0)
    conns = [int(c) for c in a.conns.split()]
    if not conns or min(conns) < 1:
        p.error("--conns needs positive integers")
    if "{port}" not in a.server_cmd:
        p.error("--server-cmd must contain {port}")
    byline_dir = a.byline_dir.resolve()
    if not (byline_dir / ".venv" / "bin" / "byline").exists():
        p.error(f"{byline_dir} has no .venv/bin/byline (run `make install` there)")
    if not 0 < a.post_creds <= 0x10000:
        p.error("--post-creds must be 1..65536")
    out = a.out or Path("/tmp/byline-http-bench") / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Options(
        byline_dir=byline_dir,
        out=out.resolve(),
        dbs=["sqlite", "pg"] if a.db == "both" else [a.db],
        caches=["cached", "uncached"] if a.cache == "both" else [a.cache],
        only=re.compile(a.only) if a.only else None,
        duration=a.duration,
        warmup=a.warmup,
        reps=a.reps,
        conns=conns,
        huge=a.huge,
        server_cmd=a.server_cmd,
        workers=a.workers,
        nginx=not a.no_nginx,
        wrk_threads=a.wrk_threads,
        wrk_timeout=a.wrk_timeout,
        idle_pct=a.idle_pct,
        idle_timeout=a.idle_timeout,
        slow_ms=a.slow_ms,
        slow_duration=a.slow_duration,
        post_creds=a.post_creds,
        pg_url=a.pg_url,
        redis_url=a.redis_url,
        keep=a.keep,
        seed=a.seed,
    )


def estimate_minutes(o: Options) -> float:
    """A rough wall time on a quiet machine (all targets, whatever --only; the 100k-comment
    pages counted as slow targets): runs × (warm-up + reps × duration + idle checks and resets)
    + server starts + seeding. A busy machine adds up to --idle-timeout per run."""
    runs = len(o.caches) * len(o.conns)
    per_run = o.warmup + (o.reps + 1) * 2.0  # + reps × duration
    gets = len(o.dbs) * runs * 6 * (per_run + o.reps * o.duration)
    posts = len(o.dbs) * runs * (per_run + (o.reps + 1) * 2.0 + o.reps * o.duration)
    huge = len(o.dbs) * runs * 2 * (per_run + o.reps * max(o.duration, o.slow_duration))
    nginx = 2 * len(o.conns) * (per_run + o.reps * o.duration) if o.nginx else 0
    servers = len(o.dbs) * 2 * len(o.caches) * 8
    seeding = len(o.dbs) * (30 + (60 if o.huge else 0))
    return (gets + posts + (huge if o.huge else 0) + nginx + servers + seeding) / 60


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    for tool in ("wrk", "psql" if opts.dbs != ["sqlite"] else "wrk"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed")
    if opts.nginx and not Path("/usr/sbin/nginx").exists():
        raise SystemExit("/usr/sbin/nginx is missing (apt-get install nginx, or --no-nginx)")
    opts.out.mkdir(parents=True, exist_ok=True)
    atexit.register(stop_all_children)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, _on_signal)

    bench = Bench(opts)
    bench.env_info = env_info(opts)
    bench.rerun = f"cd {shlex.quote(os.getcwd())} && {shlex.join([sys.executable, *sys.argv])}"
    log(
        f"results in {opts.out}; a full run of these options takes "
        f"about {estimate_minutes(opts):.0f} min"
    )
    status = 0
    try:
        all_targets: list[Target] = []

        def make(site: dict[str, Any]) -> list[Target]:
            found = targets(site, opts.huge)
            if not all_targets:
                all_targets.extend(found)
                bench.target_order = [t.name for t in found]
            return found

        for db in opts.dbs:
            bench.run_db(db, make)
        bench.run_nginx([t for t in all_targets if t.phase == "nginx"])
    except BenchError as exc:
        log(f"ERROR: {exc}")
        bench.notes.append(f"stopped early: {str(exc).splitlines()[0]}")
        status = 1
    finally:
        stop_all_children()
        if not opts.keep:
            with suppress(Exception):
                for db in opts.dbs:
                    for suffix in ("", "-wal", "-shm"):
                        (bench.var_dir(db) / f"byline.sqlite3{suffix}").unlink(missing_ok=True)
                if "pg" in opts.dbs:
                    bench.psql(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
                    bench.flush_redis()
        bench.save()
        text = bench.summary()
        (opts.out / "summary.md").write_text(text + "\n")
        print(text)
        print(f"Results: {opts.out}/summary.md, results.json, raw/, logs/, bodies/")
        print(f"Rerun: {bench.rerun}")
    return status


if __name__ == "__main__":
    sys.exit(main())
