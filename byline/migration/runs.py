"""Running an import as a recorded ``ImportRun``: the CLI and the admin both come through here."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from byline.migration.importing import ImportReport, ProgressCallback
from byline.migration.models import ImportRun
from byline.migration.progress import FileProgress
from byline.migration.records import ArchiveError

KINDS = ("wordpress", "disqus")
logger = logging.getLogger(__name__)


def _failed(run: ImportRun, error: str) -> None:
    run.state = ImportRun.State.FAILED
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "error", "finished_at"])
    uploaded = Path(settings.VAR_DIR) / "imports"
    if Path(run.file_path).parent == uploaded:
        Path(run.file_path).unlink(missing_ok=True)  # uploads hold emails and IP addresses


def importer_for(kind: str) -> Callable[..., ImportReport]:
    if kind == "wordpress":
        from byline.migration.wordpress import import_wordpress

        return import_wordpress
    if kind == "disqus":
        from byline.migration.disqus_import import import_disqus

        return import_disqus
    raise ValueError(f"Byline imports {' and '.join(KINDS)} archives, not {kind!r}.")


def progress_path(run: ImportRun) -> Path:
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"run-{run.pk}.json"


def execute(run: ImportRun, console: ProgressCallback | None = None) -> ImportReport | None:
    """Import ``run.file_path``; record the outcome on ``run``. Returns None on failure."""
    file_progress = FileProgress(progress_path(run))

    def progress(done: int, total: int, report: ImportReport) -> None:
        file_progress(done, total, report)
        if console is not None:
            console(done, total, report)

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
    run.save(update_fields=["state"])
    try:
        run.total_bytes = Path(run.file_path).stat().st_size
        run.save(update_fields=["total_bytes"])
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
    if Path(run.file_path).parent == Path(settings.VAR_DIR) / "imports":
        Path(run.file_path).unlink(missing_ok=True)  # uploads hold emails and IP addresses
    return report
