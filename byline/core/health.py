"""Is this app process ready to serve, and is the site configured sensibly?

``readiness()`` is what ``/readyz`` answers and ``byline doctor`` prints first: the database
answers, every migration is applied, and both caches (``default``: rate limits; ``shared``: the
page cache and the site settings) do a round trip. A database that does not answer or a
migration not applied fails the process (503: the load balancer sends readers elsewhere); a
cache that does not answer only *degrades* it, because Byline serves every page from the
database when the cache is down (200, with the reason).

``settings_problems()`` is what ``byline doctor`` adds: settings that are wrong for the way the
site runs, in plain words. A *problem* makes ``byline doctor`` exit non-zero; a *warning* does
not.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

OK, DEGRADED, FAIL = "ok", "degraded", "fail"
WARNING, PROBLEM = "warning", "problem"
_RANK = {OK: 0, DEGRADED: 1, WARNING: 1, FAIL: 2, PROBLEM: 2}


@dataclass(frozen=True)
class Check:
    """One finding. ``detail`` is safe to show anyone (``/readyz``); ``error`` is the
    underlying error text, for the operator only (``byline doctor``)."""

    name: str
    status: str
    detail: str
    error: str = ""


@dataclass(frozen=True)
class Report:
    checks: list[Check]

    @property
    def status(self) -> str:
        worst = max((_RANK[c.status] for c in self.checks), default=0)
        return {0: OK, 1: DEGRADED, 2: FAIL}[worst]

    def public(self) -> dict[str, Any]:
        """The ``/readyz`` body: statuses and plain details, no error texts or addresses."""
        return {
            "status": self.status,
            "checks": {c.name: {"status": c.status, "detail": c.detail} for c in self.checks},
        }


def _ms(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip()


def check_database(alias: str = DEFAULT_DB_ALIAS) -> Check:
    conn = connections[alias]
    started = time.perf_counter()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        conn.close_if_unusable_or_obsolete()
        return Check("database", FAIL, f"does not answer ({type(exc).__name__})", _error(exc))
    engine = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}.get(conn.vendor, conn.vendor)
    return Check("database", OK, f"{engine} answers in {_ms(started)}")


# The applied set that last left nothing to migrate, per database: while it is unchanged (one
# query to see), there is no need to load the migration graph again (10-20 ms).
_settled: dict[str, frozenset[tuple[str, str]]] = {}


def check_migrations(alias: str = DEFAULT_DB_ALIAS) -> Check:
    conn = connections[alias]
    try:
        applied = frozenset(MigrationRecorder(conn).applied_migrations())
        if _settled.get(alias) == applied:
            return Check("migrations", OK, f"all {len(applied)} applied")
        executor = MigrationExecutor(conn)
        graph = executor.loader.graph
        plan = executor.migration_plan(graph.leaf_nodes())
        unknown = sorted(applied - set(graph.nodes) - _replaced(executor))
    except Exception as exc:
        return Check("migrations", FAIL, f"cannot be read ({type(exc).__name__})", _error(exc))
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
        more = f" and {len(plan) - 5} more" if len(plan) > 5 else ""
        return Check(
            "migrations",
            FAIL,
            f"{len(plan)} not applied: run `byline migrate`",
            f"not applied: {names}{more}",
        )
    if unknown:
        names = ", ".join(f"{app}.{name}" for app, name in unknown[:5])
        return Check(
            "migrations",
            DEGRADED,
            "the database has migrations this code does not know (a newer version migrated it)",
            f"unknown: {names}",
        )
    _settled[alias] = applied
    return Check("migrations", OK, f"all {len(applied)} applied")


def _replaced(executor: MigrationExecutor) -> set[tuple[str, str]]:
    replaced: set[tuple[str, str]] = set()
    for migration in executor.loader.disk_migrations.values():
        replaced.update((app, name) for app, name in migration.replaces)
    return replaced


def cache_kind(name: str) -> str:
    cache = caches[name]
    if isinstance(cache, RedisCache):
        return "Redis"
    return {
        "FileBasedCache": "files",
        "LocMemCache": "this process's memory",
    }.get(type(cache).__name__, type(cache).__name__)


def check_cache(name: str) -> Check:
    """A set, get and delete of a throwaway key. Failing degrades, never fails: pages then
    come from the database (``core.cache`` turns a Redis failure into a miss)."""
    label = f"cache:{name}"
    started = time.perf_counter()
    key = f"byline-health-{secrets.token_hex(8)}"
    value = secrets.token_hex(8)
    try:
        cache = caches[name]
        kind = cache_kind(name)
        if isinstance(cache, RedisCache):
            # Redis's own methods, not a forgiving subclass's: a failure must show here.
            RedisCache.set(cache, key, value, 30)
            got = RedisCache.get(cache, key)
            RedisCache.delete(cache, key)
        else:
            cache.set(key, value, 30)
            got = cache.get(key)
            cache.delete(key)
    except Exception as exc:
        return Check(label, DEGRADED, f"{cache_kind(name)} does not answer", _error(exc))
    if got != value:
        return Check(label, DEGRADED, f"{kind} does not keep what it is given")
    return Check(label, OK, f"{kind} answers in {_ms(started)}")


def readiness(alias: str = DEFAULT_DB_ALIAS) -> Report:
    database = check_database(alias)
    if database.status == FAIL:
        migrations = Check("migrations", FAIL, "not checked: the database does not answer")
    else:
        migrations = check_migrations(alias)
    return Report([database, migrations, *(check_cache(name) for name in ("default", "shared"))])


# -- byline doctor: settings ------------------------------------------------------------------

_WEAK_KEYS = {"secret", "changeme", "change-me", "secret_key", "django", "byline", "insecure"}


def _secret_key_weakness(key: str) -> str:
    if not key:
        return "is empty"
    if key.startswith("django-insecure-") or key.lower() in _WEAK_KEYS:
        return "is a well-known placeholder"
    if len(key) < 50:
        return f"is only {len(key)} characters long (use 50 or more)"
    if len(set(key)) < 5:
        return "repeats the same few characters"
    return ""


def _settings_checks() -> list[Callable[[], Check | None]]:
    production = settings.PRODUCTION

    def debug() -> Check | None:
        if settings.DEBUG and production:
            return Check(
                "DEBUG",
                PROBLEM,
                "DEBUG is on in production: error pages show your code, settings and readers' "
                "data to anyone. Remove DEBUG from the environment.",
            )
        return None

    def secret_key() -> Check | None:
        weakness = _secret_key_weakness(settings.SECRET_KEY)
        if not weakness:
            return None
        return Check(
            "SECRET_KEY",
            PROBLEM if production else WARNING,
            f"SECRET_KEY {weakness}: anyone who guesses it can forge sign-ins and links. "
            "Generate one with `python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
        )

    def allowed_hosts() -> Check | None:
        hosts = list(settings.ALLOWED_HOSTS)
        if not hosts:
            return Check(
                "ALLOWED_HOSTS",
                PROBLEM,
                "ALLOWED_HOSTS is empty: every request is refused (400). Set it to the host "
                "names your site answers to, e.g. ALLOWED_HOSTS=blog.example.org.",
            )
        if "*" in hosts and production:
            return Check(
                "ALLOWED_HOSTS",
                WARNING,
                "ALLOWED_HOSTS allows any host name: links in emails and feeds may point "
                "wherever a forged Host header says. List your own host names.",
            )
        return None

    def email() -> Check | None:
        backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
        if production and backend in {"console", "locmem", "dummy", "filebased"}:
            return Check(
                "EMAIL_BACKEND",
                WARNING,
                f"Email goes to the {backend} backend in production, so no reader receives "
                "anything (guests cannot verify their address). Set EMAIL_BACKEND to SMTP "
                "and EMAIL_HOST to your mail server.",
            )
        return None

    def redis() -> Check | None:
        if not settings.REDIS_URL:
            return None
        found = check_cache("shared")
        if found.status == OK:
            return None
        return Check(
            "REDIS_URL",
            WARNING,
            "REDIS_URL is set but Redis does not answer: every page is rendered from the "
            "database, settings changes may reach other app processes late, and rate limits "
            f"are not counted. ({found.error or found.detail})",
        )

    def site_url() -> Check | None:
        if production and "127.0.0.1" in settings.BYLINE_SITE_URL:
            return Check(
                "BYLINE_SITE_URL",
                WARNING,
                f"BYLINE_SITE_URL is {settings.BYLINE_SITE_URL}: exports and links to the "
                "site point at this machine. Set it to the site's public address.",
            )
        return None

    def cookies() -> Check | None:
        if production and not getattr(settings, "SESSION_COOKIE_SECURE", False):
            return Check(
                "SECURE_COOKIES",
                WARNING,
                "Sign-in cookies are also sent over plain HTTP (SECURE_COOKIES is off). Serve "
                "the site over HTTPS and remove SECURE_COOKIES=false.",
            )
        return None

    def var_dir() -> Check | None:
        var = Path(settings.VAR_DIR)
        if not os.access(var, os.W_OK | os.X_OK):
            return Check(
                "BYLINE_VAR_DIR",
                PROBLEM,
                f"{var} is not writable by this user: the SQLite database, cached pages and "
                "uploads cannot be written there.",
            )
        return None

    def backups() -> Check | None:
        from byline.core.backup import pg_tool

        conn = connections[DEFAULT_DB_ALIAS]
        if conn.vendor != "postgresql":
            return None
        try:
            conn.ensure_connection()
            major = conn.pg_version // 10000  # type: ignore[attr-defined]
        except Exception:
            return None  # the database check says so already
        missing = [why for _, why in (pg_tool(t, major) for t in ("pg_dump", "pg_restore")) if why]
        if not missing:
            return None
        return Check(
            "backups",
            WARNING,
            "; ".join(missing)
            + ": `byline backup` writes a logical JSON dump instead (slower and larger, but "
            "complete), and a pg_dump backup cannot be restored on this machine.",
        )

    return [debug, secret_key, allowed_hosts, email, redis, site_url, cookies, var_dir, backups]


def settings_problems() -> list[Check]:
    """Settings that are wrong for how this site runs, problems first."""
    found = [c for check in _settings_checks() if (c := check()) is not None]
    return sorted(found, key=lambda c: -_RANK[c.status])
