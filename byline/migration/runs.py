"""Running an import as a recorded ``ImportRun``: the CLI and the admin both come through here.

One import runs at a time. A run records the process running it (``pid``, ``host``) and keeps
a heartbeat while it runs: a thread of that process touches ``run-N.heartbeat`` next to its
progress file every ``HEARTBEAT_SECONDS`` and, on PostgreSQL, also writes ``heartbeat_at``
through a connection of its own (the import's transaction hides its own writes, and on SQLite
holds the write lock). A run whose process died (``kill -9``, an out-of-memory kill, a reboot)
is recognised by ``reap``, called before an import starts and when the admin shows imports: on
the same machine its process is gone (or a zombie), or its heartbeat is older than
``BYLINE_IMPORT_STALE_MINUTES``; on another machine, the heartbeat alone decides. It is then
marked failed, saying why, and the next import proceeds. An import is one transaction, so a
dead run imported nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from byline.migration.importing import ImportReport, ProgressCallback
from byline.migration.models import ImportRun
from byline.migration.progress import FileProgress
from byline.migration.records import ArchiveError

KINDS = ("wordpress", "disqus", "isso", "remark42")
HEARTBEAT_SECONDS = 30.0
logger = logging.getLogger(__name__)


def _uploads() -> Path:
    return Path(settings.VAR_DIR) / "imports"


def _failed(run: ImportRun, error: str) -> None:
    run.state = ImportRun.State.FAILED
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "error", "finished_at"])
    if run.file_path and Path(run.file_path).parent == _uploads():
        Path(run.file_path).unlink(missing_ok=True)  # uploads hold emails and IP addresses


def importer_for(kind: str) -> Callable[..., ImportReport]:
    if kind == "wordpress":
        from byline.migration.wordpress import import_wordpress

        return import_wordpress
    if kind == "disqus":
        from byline.migration.disqus_import import import_disqus

        return import_disqus
    if kind == "isso":
        from byline.migration.isso import import_isso

        return import_isso
    if kind == "remark42":
        from byline.migration.remark42 import import_remark42

        return import_remark42
    raise ValueError(f"Byline imports {', '.join(KINDS)} archives, not {kind!r}.")


def progress_path(run: ImportRun) -> Path:
    folder = _uploads()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"run-{run.pk}.json"


def heartbeat_path(run: ImportRun) -> Path:
    return progress_path(run).with_suffix(".heartbeat")


def this_host() -> str:
    return socket.gethostname()[:255]


def _zombie(pid: int) -> bool:
    """A process that has exited but whose parent has not collected it (the admin starts
    imports and never waits for them) still answers ``kill(pid, 0)``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def last_heartbeat(run: ImportRun) -> datetime:
    """The newest sign of life of ``run``: its heartbeat and progress files, ``heartbeat_at``,
    else when it was created."""
    moments = [m for m in (run.heartbeat_at, run.created_at) if m is not None]
    for path in (heartbeat_path(run), progress_path(run)):
        with suppress(OSError):
            moments.append(datetime.fromtimestamp(path.stat().st_mtime, tz=UTC))
    return max(moments)


def why_dead(run: ImportRun, now: datetime | None = None) -> str | None:
    """Why ``run`` (queued or running) can no longer be running, or None if it may be."""
    now = now or timezone.now()
    stale = timedelta(minutes=settings.BYLINE_IMPORT_STALE_MINUTES)
    beat = last_heartbeat(run)
    if run.state == ImportRun.State.QUEUED:
        if now - beat > stale:
            return f"it was queued at {run.created_at:%Y-%m-%d %H:%M} and never started"
        return None
    if run.pid and run.host == this_host():
        try:
            os.kill(run.pid, 0)
        except ProcessLookupError:
            return f"its process ({run.pid}) is no longer running"
        except PermissionError:
            pass  # alive, under another user
        if _zombie(run.pid):
            return f"its process ({run.pid}) has exited"
    if now - beat > stale:
        where = f"on {run.host}" if run.host else "on an unknown machine"
        return f"no sign of life from its process {where} since {beat:%Y-%m-%d %H:%M} UTC"
    return None


def reap() -> list[ImportRun]:
    """Mark failed the queued and running imports whose process is gone; return them."""
    dead = []
    waiting = (ImportRun.State.QUEUED, ImportRun.State.RUNNING)
    for run in ImportRun.objects.filter(state__in=waiting):
        reason = why_dead(run)
        if reason is None:
            continue
        _failed(
            run,
            f"This import stopped without finishing: {reason}. It was killed or its machine "
            "stopped. Nothing of it was imported (an import is one transaction); run it again.",
        )
        logger.warning("Import run %s marked failed: %s", run.pk, reason)
        dead.append(run)
    return dead


class Heartbeat:
    """A thread that keeps the run's heartbeat while the import runs (see the module)."""

    def __init__(self, run: ImportRun, every: float = HEARTBEAT_SECONDS) -> None:
        self.run = run
        self.every = every
        self.path = heartbeat_path(run)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"import-{run.pk}", daemon=True)
        self._in_database = connection.vendor == "postgresql"

    def __enter__(self) -> Heartbeat:
        self.path.touch()
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.path.unlink(missing_ok=True)

    def _beat(self) -> None:
        side = connections.create_connection("default") if self._in_database else None
        table = ImportRun._meta.db_table
        try:
            while not self._stop.wait(self.every):
                try:
                    self.path.touch()
                    if side is not None:
                        with side.cursor() as cursor:
                            cursor.execute(
                                f"UPDATE {table} SET heartbeat_at = %s WHERE id = %s",  # noqa: S608
                                [timezone.now(), self.run.pk],
                            )
                except Exception:  # a missed beat is not worth stopping the import for
                    logger.exception("Import run %s: heartbeat failed", self.run.pk)
        finally:
            if side is not None:
                side.close()


def execute(run: ImportRun, console: ProgressCallback | None = None) -> ImportReport | None:
    """Import ``run.file_path``; record the outcome on ``run``. Returns None on failure."""
    file_progress = FileProgress(progress_path(run))

    def progress(done: int, total: int, report: ImportReport) -> None:
        file_progress(done, total, report)
        if console is not None:
            console(done, total, report)

    reap()
    busy = ImportRun.objects.filter(state=ImportRun.State.RUNNING).exclude(pk=run.pk).first()
    if busy is not None:
        # Two imports at once would race for the same rows (and on SQLite for the write lock).
        _failed(
            run,
            f"Another import ({busy.file_name}, started {busy.created_at:%Y-%m-%d %H:%M}) is "
            "still running. Nothing was imported; start this one when it has finished.",
        )
        return None
    run.state = ImportRun.State.RUNNING
    run.pid = os.getpid()
    run.host = this_host()
    run.heartbeat_at = timezone.now()
    run.save(update_fields=["state", "pid", "host", "heartbeat_at"])
    try:
        run.total_bytes = Path(run.file_path).stat().st_size
        run.save(update_fields=["total_bytes"])
        with Heartbeat(run):
            report = importer_for(run.kind)(run.file_path, progress=progress)
    except ArchiveError as exc:
        _failed(run, f"{exc} Nothing was imported; fix the file and run the import again.")
        return None
    except Exception as exc:
        # Whatever it was, the run must not stay "running" for ever with the reason lost.
        logger.exception("Import run %s failed", run.pk)
        _failed(
            run,
            f"The import stopped with an unexpected error ({exc}). Nothing was imported. "
            "The server log has the details.",
        )
        return None
    run.state = ImportRun.State.FINISHED
    run.processed_bytes = run.total_bytes
    run.counts = dict(report.counts)
    run.notes = report.notes
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "processed_bytes", "counts", "notes", "finished_at"])
    if Path(run.file_path).parent == _uploads():
        Path(run.file_path).unlink(missing_ok=True)  # uploads hold emails and IP addresses
    return report
