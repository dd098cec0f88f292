"""Shared pieces of the fault benchmarks (``kill_during_posts.py``, ``soak.py``); not Byline.

* :class:`Site` — a throwaway Byline site: its own var dir, its own database (a SQLite file, or a
  PostgreSQL database ``byline_faults_<random>`` created here and dropped at the end), seeded with
  ``bench/http/fixture.py`` through ``byline import wordpress``, configured through
  ``sitecheck.py`` (run in Byline's venv and environment), optionally run from a snapshot of the
  ``byline/`` package so that other people's edits in progress do not change a run half-way.
* :class:`Server` — ``byline serve`` in its own process group: start, wait until ``GET /`` answers,
  ``kill -9`` the whole group, stop; the RSS of its processes read from ``/proc``.
* :class:`RedisServer` — our own ``redis-server`` on a free port (never the system one).
* HTTP helpers (``http.client``, one fresh connection per request, as nginx talks to its upstream
  by default): a guest's CSRF cookie + token + form stamp, a comment POST, a moderator's sign-in.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
HOST = "127.0.0.1"
VENV_PY = ROOT / ".venv" / "bin" / "python"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"
USER_AGENT = "byline-faults-bench"
# Byline's configuration variables (docs/configuration.md): none leaks in from the caller's shell.
BYLINE_VARS = {
    "DATABASE_URL", "SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS",
    "DEBUG", "REDIS_URL", "CACHE_KEY_PREFIX", "DB_CONN_MAX_AGE", "EMAIL_BACKEND",
    "DEFAULT_FROM_EMAIL", "EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS", "TIME_ZONE", "SECURE_COOKIES", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
    "BEHIND_TLS_PROXY", "LOG_LEVEL", "PORT", "WEB_CONCURRENCY", "FORWARDED_ALLOW_IPS",
    "DJANGO_SETTINGS_MODULE", "PYTHONPATH",
}  # fmt: skip


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """Stops a bench with a message for the operator."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def port_free(port: int) -> bool:
    """Could a server bind ``port`` now? (With SO_REUSEADDR, as servers do: connections of a
    killed server lingering in TIME_WAIT do not keep it from listening again.)"""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
        return True


def run(cmd: list[str], *, env: dict[str, str] | None = None, what: str, cwd: Path = ROOT) -> str:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BenchError(
            f"{what} failed ({result.returncode}): {' '.join(cmd)}\n"
            f"{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )
    return result.stdout


# -- processes --------------------------------------------------------------------------------


def group_pids(pgid: int) -> list[int]:
    """Every live process whose process group is ``pgid`` (from /proc/*/stat)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses.
        fields = stat.rsplit(")", 1)[1].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(entry))
    return sorted(pids)


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v[:8]) - idle, sum(v[:8])


def machine_info() -> dict[str, Any]:
    def out(cmd: list[str]) -> str:
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            return "?"
        text = (r.stdout or r.stderr).strip()
        return text.splitlines()[0] if text else ""

    model = "?"
    with suppress(OSError), open("/proc/cpuinfo") as f:
        model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?")
    mem = "?"
    with suppress(OSError), open("/proc/meminfo") as f:
        mem = f"{int(f.readline().split()[1]) // 1024} MB"
    dirty = out(["git", "status", "--porcelain", "--untracked-files=no", "--", "byline"])
    return {
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "byline_commit": out(["git", "log", "-1", "--format=%h (%cs)"])
        + (" + uncommitted changes under byline/" if dirty else ""),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory": mem,
        "kernel": platform.platform(),
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": platform.python_version(),
        "postgres": out(["psql", "--version"]),
        "redis": out(["redis-server", "--version"]),
    }


# -- the site ---------------------------------------------------------------------------------


class Site:
    """A throwaway Byline site (see the module docstring)."""

    def __init__(
        self,
        *,
        db: str,
        out: Path,
        pg_url: str = DEFAULT_PG,
        redis_url: str = "",
        snapshot: bool = True,
        workers: int = 2,
    ) -> None:
        self.db = db
        self.out = out
        self.var = out / "var"
        self.logs = out / "logs"
        self.pg_url = pg_url
        self.redis_url = redis_url
        self.workers = workers
        self.tag = secrets.token_hex(4)
        self.pg_name = f"byline_faults_{self.tag}"
        self.snapshot_dir = out / "src" if snapshot else None
        self.secret = secrets.token_urlsafe(50)
        self.created = False

    # environment

    @property
    def database_url(self) -> str:
        if self.db == "sqlite":
            return f"sqlite:///{self.var / 'byline.sqlite3'}"
        parts = urlsplit(self.pg_url)
        return urlunsplit(parts._replace(path=f"/{self.pg_name}"))

    def env(self) -> dict[str, str]:
        base = {
            k: v
            for k, v in os.environ.items()
            if k not in BYLINE_VARS and not k.startswith(("BYLINE_", "BENCH_"))
        }
        env = base | {
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": self.secret,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "BYLINE_VAR_DIR": str(self.var),
            "BYLINE_ENV": "development",
            "DEBUG": "0",
            "BYLINE_PROXY_COUNT": "1",  # the bench plays the proxy: X-Forwarded-For per request
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",  # to stdout log
            "DJANGO_SETTINGS_MODULE": "byline.settings",
            "PYTHONUNBUFFERED": "1",
        }
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
            env["CACHE_KEY_PREFIX"] = f"byline-faults-{self.tag}"
        if self.snapshot_dir is not None:
            env["PYTHONPATH"] = str(self.snapshot_dir)
        return env

    # set-up and tear-down

    def prepare(self) -> None:
        for d in (self.var, self.logs):
            d.mkdir(parents=True, exist_ok=True)
        if self.snapshot_dir is not None:
            shutil.rmtree(self.snapshot_dir, ignore_errors=True)
            shutil.copytree(
                ROOT / "byline",
                self.snapshot_dir / "byline",
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )
            log(f"running a snapshot of byline/ taken now: {self.snapshot_dir}/byline")
        if self.db == "pg":
            self._pg(f"CREATE DATABASE {self.pg_name}")
            log(f"created PostgreSQL database {self.pg_name}")
        self.created = True

    def _pg(self, statement: str) -> None:
        import psycopg

        maintenance = urlunsplit(urlsplit(self.pg_url)._replace(path="/postgres"))
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(statement)

    def drop(self, keep: bool = False) -> None:
        if not self.created or keep:
            return
        if self.db == "pg":
            with suppress(Exception):
                self._pg(f"DROP DATABASE IF EXISTS {self.pg_name} WITH (FORCE)")
                log(f"dropped PostgreSQL database {self.pg_name}")
        else:
            for suffix in ("", "-wal", "-shm"):
                (self.var / f"byline.sqlite3{suffix}").unlink(missing_ok=True)

    def byline(self, *args: str, what: str) -> str:
        return run([str(ROOT / ".venv/bin/byline"), *args], env=self.env(), what=what, cwd=self.out)

    def sitecheck(self, *args: str) -> dict[str, Any]:
        out = run(
            [str(VENV_PY), str(HERE / "sitecheck.py"), *args],
            env=self.env(),
            what=f"sitecheck {args[0]}",
            cwd=self.out,
        )
        return dict(json.loads(out.strip().splitlines()[-1]))

    def seed(self, seed: int) -> None:
        """Migrate and import bench/http's fixture (ten posts incl. 6-, 500- and 10,000-comment
        ones, and an empty ``bench-post``)."""
        sys.path.insert(0, str(ROOT / "bench" / "http"))
        import fixture  # bench/http/fixture.py

        wxr = self.out / "fixture.wxr"
        start = time.monotonic()
        counts = fixture.write_wxr(wxr, huge=False, seed=seed)
        log(f"fixture: {sum(counts.values()):,} comments in {len(counts)} posts; migrate + import")
        self.byline("migrate", "--verbosity", "0", what="migrate")
        self.byline("import", "wordpress", str(wxr), "--quiet", what="import")
        wxr.unlink(missing_ok=True)
        log(f"seeded in {time.monotonic() - start:.0f} s")

    # direct reads (the bench's own; Byline is not involved)

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """A read-only query on the site's database, straight through the driver."""
        if self.db == "sqlite":
            import sqlite3

            conn = sqlite3.connect(self.var / "byline.sqlite3", timeout=10)
            try:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
            finally:
                conn.close()
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


class Server:
    """``byline serve`` in its own process group."""

    def __init__(self, site: Site, port: int, name: str = "server") -> None:
        self.site = site
        self.port = port
        self.pgid: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self.out_log = site.logs / f"{name}.stdout.log"  # mails, granian's banner
        self.err_log = site.logs / f"{name}.stderr.log"  # granian's log, Python tracebacks
        self.starts = 0

    def start(self) -> None:
        if not port_free(self.port):
            deadline = time.monotonic() + 30
            while not port_free(self.port) and time.monotonic() < deadline:
                time.sleep(0.1)
        cmd = [
            str(ROOT / ".venv/bin/byline"), "serve", "--host", HOST, "--port", str(self.port),
            "--workers", str(self.site.workers), "--no-migrate",
        ]  # fmt: skip
        self.starts += 1
        with self.out_log.open("ab") as out, self.err_log.open("ab") as err:
            stamp = f"\n===== start {self.starts} at {time.strftime('%H:%M:%S')} =====\n".encode()
            out.write(stamp)
            err.write(stamp)
            err.flush()
            out.flush()
            self.proc = subprocess.Popen(
                # Not in ROOT: `python -m granian` puts its working directory first on sys.path,
                # which would import the live byline/ instead of the snapshot.
                cmd,
                cwd=self.site.out,
                env=self.site.env(),
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        self.pgid = self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_ready(self, timeout: float = 120.0) -> float:
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if not self.alive():
                tail = self.err_log.read_text(errors="replace")[-3000:]
                raise BenchError(f"the server exited before it was ready; {self.err_log}:\n{tail}")
            with suppress(SendError):
                if request(self.port, "GET", "/", timeout=10).status == 200:
                    return time.monotonic() - start
            time.sleep(0.1)
        raise BenchError(f"the server did not answer GET / with 200 within {timeout:.0f} s")

    def pids(self) -> list[int]:
        return group_pids(self.pgid) if self.pgid else []

    def rss(self) -> dict[int, int]:
        """RSS (KiB) of each process of the server's group."""
        return {pid: rss_kb(pid) for pid in self.pids()}

    def cpu(self) -> float:
        """CPU seconds used so far by the server's live processes."""
        return sum(cpu_seconds(pid) for pid in self.pids())

    def kill9(self) -> None:
        """SIGKILL the whole process group (granian's main process and its workers) and reap."""
        assert self.pgid is not None and self.proc is not None
        with suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGKILL)
        self.proc.wait()
        deadline = time.monotonic() + 10
        while self.pids() and time.monotonic() < deadline:  # workers are not our children
            time.sleep(0.02)
        if self.pids():
            raise BenchError(f"processes of group {self.pgid} survived SIGKILL: {self.pids()}")

    def stop(self, grace: float = 15.0) -> None:
        if self.proc is None or self.pgid is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGTERM)
        try:
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            log(f"server group {self.pgid} did not stop in {grace:.0f} s: SIGKILL")
        with suppress(ProcessLookupError):
            os.killpg(self.pgid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        self.proc = None


class RedisServer:
    """Our own redis-server (no persistence) on a free port; never the system one."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.dir = workdir
        self.log = workdir / "redis.log"
        self.proc: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        cmd = [
            "redis-server", "--port", str(self.port), "--bind", HOST, "--save", "",
            "--appendonly", "no", "--dir", str(self.dir), "--logfile", str(self.log),
        ]  # fmt: skip
        self.proc = subprocess.Popen(cmd, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with suppress(OSError), socket.create_connection((HOST, self.port), 1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith(b"+PONG"):
                    return
            time.sleep(0.05)
        raise BenchError(f"redis-server on port {self.port} did not answer PING (see {self.log})")

    def kill(self) -> None:
        """SIGKILL our redis-server (the outage)."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def pause(self) -> None:
        """SIGSTOP it: a Redis that accepts connections but never answers."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None:
            with suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGCONT)
                self.proc.terminate()
            with suppress(subprocess.TimeoutExpired):
                self.proc.wait(10)
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def rss(self) -> int:
        return rss_kb(self.proc.pid) if self.proc is not None else 0


# -- HTTP ---------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    seconds: float

    def header(self, name: str) -> str:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), "")

    def cookies(self) -> dict[str, str]:
        """Cookies this answer sets (name → value; an expired/deleted one → "")."""
        jar = {}
        for k, v in self.headers:
            if k.lower() == "set-cookie":
                pair = v.split(";", 1)[0]
                name, _, value = pair.partition("=")
                jar[name.strip()] = value.strip().strip('"')
        return jar


class SendError(Exception):
    """The request could not be answered. ``sent``: the request had been written (the server
    may have acted on it); False: the connection was refused, nothing reached the server."""

    def __init__(self, exc: BaseException, sent: bool) -> None:
        super().__init__(f"{type(exc).__name__}: {exc}")
        self.sent = sent
        self.kind = type(exc).__name__


def request(
    port: int,
    method: str,
    path: str,
    *,
    fields: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> Response:
    """One request on a fresh connection; redirects not followed. Raises :class:`SendError`."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    hdrs = {"User-Agent": USER_AGENT, "Connection": "close"} | (headers or {})
    if cookies:
        hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items() if v)
    body = None
    if fields is not None:
        body = urlencode(fields).encode()
        hdrs["Content-Type"] = "application/x-www-form-urlencoded"
    start = time.perf_counter()
    try:
        try:
            conn.connect()
        except OSError as exc:
            raise SendError(exc, sent=False) from exc
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            raise SendError(exc, sent=True) from exc
    finally:
        conn.close()
    return Response(resp.status, resp.getheaders(), data, time.perf_counter() - start)


@dataclass
class Guest:
    """A reader about to comment: the CSRF cookie and token and the form stamp that
    ``/session/csrf/`` gave them (what byline.js fetches when they start typing)."""

    ip: str
    csrf_cookie: str
    token: str
    stamp: str
    fetched: float = field(default_factory=time.monotonic)


def fetch_guest(port: int, ip: str, timeout: float = 60.0) -> tuple[Guest | None, Response]:
    resp = request(port, "GET", "/session/csrf/", headers={"X-Forwarded-For": ip}, timeout=timeout)
    if resp.status != 200:
        return None, resp
    data = json.loads(resp.body)
    cookie = resp.cookies().get("csrftoken", "")
    return Guest(ip, cookie, data["csrfToken"], data["formStamp"]), resp


def post_comment(
    port: int,
    guest: Guest,
    post_id: int,
    *,
    body: str,
    name: str,
    email: str,
    parent: int | None = None,
    timeout: float = 60.0,
) -> Response:
    fields = {
        "csrfmiddlewaretoken": guest.token,
        "body": body,
        "name": name,
        "email": email,
        "url": "",
        "shown": guest.stamp,
        "homepage": "",
    }
    if parent:
        fields["parent"] = str(parent)
    return request(
        port,
        "POST",
        f"/comments/post/{post_id}/",
        fields=fields,
        cookies={"csrftoken": guest.csrf_cookie},
        headers={"X-Forwarded-For": guest.ip},
        timeout=timeout,
    )


@dataclass
class Moderator:
    username: str
    cookies: dict[str, str]
    token: str
    ip: str


def sign_in(port: int, username: str, password: str, ip: str) -> Moderator:
    """Sign in through the form (one try: wrong passwords lock accounts)."""
    guest, resp = fetch_guest(port, ip)
    if guest is None:
        raise BenchError(f"GET /session/csrf/ answered {resp.status}")
    resp = request(
        port,
        "POST",
        "/accounts/login/",
        fields={"username": username, "password": password, "csrfmiddlewaretoken": guest.token},
        cookies={"csrftoken": guest.csrf_cookie},
        headers={"X-Forwarded-For": ip},
    )
    jar = {"csrftoken": guest.csrf_cookie} | resp.cookies()
    if resp.status not in (302, 303) or not jar.get("sessionid"):
        raise BenchError(f"signing in as {username} answered {resp.status}, not a redirect")
    # Signing in rotates the CSRF secret: ask for a token matching the new cookie.
    again = request(port, "GET", "/session/csrf/", cookies=jar, headers={"X-Forwarded-For": ip})
    jar |= again.cookies()
    return Moderator(username, jar, json.loads(again.body)["csrfToken"], ip)


def moderate(
    port: int, mod: Moderator, pk: int, action: str, reason: str = "", timeout: float = 60.0
) -> Response:
    fields = {"csrfmiddlewaretoken": mod.token, "tab": "pending"}
    if reason:
        fields["reason"] = reason
    return request(
        port,
        "POST",
        f"/moderation/comments/{pk}/{action}/",
        fields=fields,
        cookies=mod.cookies,
        # What moderation.js sends (keyboard triage): a JSON answer instead of a redirect.
        headers={"X-Forwarded-For": mod.ip, "Accept": "application/json"},
        timeout=timeout,
    )


PENDING_RE = re.compile(r"#pending-(\d+)$")
NUMBER_RE = re.compile(r"#comment-(\d+)$")

# Words for comment bodies: ordinary, on-topic, nothing a classifier would call abuse.
WORDS = (  # noqa: SIM905
    "harbour council ferry budget survey residents library market bridge timetable report "
    "meeting figures repairs village proposal committee engineers school season storm road "
    "planning grant audit minutes levy zoning pier tourists families building appendix numbers "
    "agree think wonder perhaps really clearly certainly maybe still also though because since "
    "the a of to and in that it is was for on with as at by this from have be not are but or "
    "more about their there which would could should when what who some many most other new"
).split()


def sentence(rng: Any, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


# -- figures ----------------------------------------------------------------------------------


def pct(values: Iterable[float], q: float) -> float | None:
    data = sorted(values)
    if not data:
        return None
    if len(data) == 1:
        return data[0]
    k = (len(data) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


def median(values: Iterable[float]) -> float | None:
    data = list(values)
    return statistics.median(data) if data else None


def ms(value: float | None) -> str:
    if value is None:
        return "–"
    v = value * 1000
    return f"{v:.1f}" if v < 100 else f"{v:,.0f}"


INFORMATIONAL = ("path_time_is_created_at", "page_index_equals_rebuild")


def checks_line(integrity: dict[str, Any]) -> str:
    info = set(integrity.get("informational", INFORMATIONAL))
    return ", ".join(
        f"{k} {'ok' if v['ok'] else 'differs (informational)' if k in info else 'FAILED'}"
        for k, v in integrity["checks"].items()
    )


def explain(body: bytes) -> str:
    """The part of an HTML answer that says what happened: the nudge, form errors or the title."""
    text = body.decode("utf-8", "replace")
    for marker in ('class="nudge"', 'class="errorlist', "<title>"):
        i = text.find(marker)
        if i >= 0:
            return re.sub(r"<[^>]+>|\s+", " ", text[i : i + 600]).strip()[:300]
    return re.sub(r"\s+", " ", text[:300])


def scan_log(path: Path, keep: int = 3) -> dict[str, Any]:
    """Tracebacks in a server's stderr log: how many, the exception lines, the last few whole."""
    if not path.exists():
        return {"tracebacks": 0, "exceptions": {}, "last": []}
    text = path.read_text(errors="replace")
    lines = text.splitlines()
    blocks: list[str] = []
    exceptions: dict[str, int] = {}
    i = 0
    while i < len(lines):
        if lines[i].startswith("Traceback (most recent call last)"):
            j = i + 1
            while j < len(lines) and (lines[j].startswith((" ", "\t")) or not lines[j].strip()):
                j += 1
            # the exception line, plus chained tracebacks up to it
            end = min(j + 1, len(lines))
            start = i
            while start > 0 and lines[start - 1].strip() and not lines[start - 1].startswith("["):
                start -= 1
            blocks.append("\n".join(lines[start:end]))
            exc_line = lines[j] if j < len(lines) else "?"
            exceptions[exc_line[:200]] = exceptions.get(exc_line[:200], 0) + 1
            i = end
        else:
            i += 1
    return {"tracebacks": len(blocks), "exceptions": exceptions, "last": blocks[-keep:]}
