"""Writes a reader's request may make in passing, without ever waiting on another writer.

Rendering a page sometimes finds derived data to store (a comment's fragment re-rendered, a
thread's page index rebuilt). If another transaction holds the lock — an import runs in one
transaction — a reader must not queue behind it: ``quick_write`` gives up after a moment and
says so, and the caller uses what it computed without storing it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, connection, transaction

log = logging.getLogger(__name__)

WAIT_MS = 100


def quick_write(write: Callable[[], None]) -> bool:
    """Run ``write`` in its own transaction, waiting at most ``WAIT_MS`` for locks. True if it
    was stored."""
    if connection.in_atomic_block:
        # Inside a caller's transaction (tests, services): its locks are the caller's affair.
        try:
            with transaction.atomic():
                write()
            return True
        except DatabaseError:
            return False
    sqlite = connection.vendor == "sqlite"
    try:
        if sqlite:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {WAIT_MS}")
        with transaction.atomic():
            if not sqlite:
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{WAIT_MS}ms'")
            write()
        return True
    except DatabaseError:
        log.info("A quick write found the database busy; left for later")
        return False
    finally:
        if sqlite:
            # Back to the connection's own timeout (Django opens SQLite with 5 s).
            try:
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA busy_timeout = 5000")
            except DatabaseError:
                pass
