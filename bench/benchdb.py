"""Throwaway databases and Django set-up shared by the bench scripts (not part of Byline)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def prepare_database(pg_url: str, tmp: str | Path, name: str) -> tuple[str, Callable[[], None]]:
    """A fresh, empty database's URL and a function that throws it away: a SQLite file in
    ``tmp`` when ``pg_url`` is empty, else the database ``name`` on that PostgreSQL server."""
    if not pg_url:
        return f"sqlite:///{tmp}/bench.sqlite3", lambda: None
    import psycopg

    parts = urlsplit(pg_url)
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    drop = f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"  # FORCE: PostgreSQL 13+

    def sql(statement: str) -> None:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(statement)

    sql(drop)
    sql(f"CREATE DATABASE {name}")
    return urlunsplit(parts._replace(path=f"/{name}")), lambda: sql(drop)


def setup_django(database_url: str, tmp: str | Path, *, local_cache: bool = False) -> None:
    """Configure Byline for a bench run on ``database_url`` and start Django.
    ``local_cache``: ignore ``REDIS_URL`` (the in-process cache), for timings of Byline alone."""
    if local_cache:
        os.environ.pop("REDIS_URL", None)
    hosts = [h for h in os.environ.get("ALLOWED_HOSTS", "localhost").split(",") if h.strip()]
    os.environ.update(
        DATABASE_URL=database_url,
        DEBUG="0",
        ALLOWED_HOSTS=",".join([*hosts, "testserver"]),
        BYLINE_ENV="development",  # production would want collected static files
        BYLINE_VAR_DIR=str(tmp),
        DJANGO_SETTINGS_MODULE="byline.settings",
    )
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
