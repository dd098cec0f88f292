"""Progress of a running import, shown on the command line and in the admin."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TextIO

from byline.migration.importing import ImportReport


def _rate(report: ImportReport, elapsed: float) -> str:
    rows = sum(n for k, n in report.counts.items() if k.endswith(("_added", "_updated")))
    return f"{rows / elapsed:,.0f} rows/s" if elapsed > 0 else ""


class ConsoleProgress:
    """A one-line progress bar on a terminal (plain lines when not a terminal)."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.tty = stream.isatty()
        self._last_line = 0.0

    def __call__(self, done: int, total: int, report: ImportReport) -> None:
        elapsed = time.monotonic() - self.started
        percent = 100 * done / total if total else 100.0
        posts = report.counts["posts_added"] + report.counts["posts_updated"]
        comments = report.counts["comments_added"] + report.counts["comments_updated"]
        bar = "#" * int(percent / 5)
        line = (
            f"[{bar:<20}] {percent:5.1f}%  {posts:,} posts  {comments:,} comments  "
            f"{_rate(report, elapsed)}  {elapsed:,.0f}s"
        )
        if self.tty:
            self.stream.write("\r" + line)
            if done >= total:
                self.stream.write("\n")
        elif time.monotonic() - self._last_line >= 5 or done >= total:
            self._last_line = time.monotonic()
            self.stream.write(line + "\n")
        self.stream.flush()


class FileProgress:
    """Progress written to a small JSON file that the admin's progress page reads.

    A file, not the database: the import runs in one transaction, which other connections
    cannot see into until it commits.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.started = time.monotonic()

    def __call__(self, done: int, total: int, report: ImportReport) -> None:
        elapsed = time.monotonic() - self.started
        data = {
            "done": done,
            "total": total,
            "percent": round(100 * done / total, 1) if total else 100.0,
            "counts": dict(report.counts),
            "elapsed": round(elapsed, 1),
            "rate": _rate(report, elapsed),
        }
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        tmp.replace(self.path)

    def read(self) -> dict[str, object]:
        try:
            return dict(json.loads(self.path.read_text()))
        except (OSError, ValueError):
            return {}
