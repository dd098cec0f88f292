"""Cached pages as files that a front web server (nginx) serves without asking Byline.

Optional (``BYLINE_PAGE_FILES_DIR``; docs/deployment.md has the nginx configuration). When the
page cache stores a stranger's HTML page whose address has no query string, it also writes the
body to ``<dir>/<host>/<path>/index.html``. nginx answers cookie-less GETs from there and passes
everything else to Byline. nginx cannot check tokens, so correctness rests on removal: for each
part a file depends on, its relative path is appended to ``<dir>/.parts/<part>``; invalidating a
part removes every file listed there. A writer checks the part's tokens *after* writing and
removes its own file if they changed; together with the invalidation order (new token first,
then removal) a file rendered from data that changed meanwhile never outlives the change.
Pages that change by themselves (a listing before a scheduled post) are never written.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest
from django.http.request import split_domain_port

log = logging.getLogger(__name__)

PARTS_DIR = ".parts"


def root() -> Path | None:
    """The folder nginx serves pages from, or None when the mode is off."""
    folder = settings.BYLINE_PAGE_FILES_DIR
    return Path(folder) if folder else None


def relative_path(request: HttpRequest) -> str | None:
    """``<host>/<path>/index.html`` for a request whose page may be a file, else None."""
    host, _ = split_domain_port(request.get_host())
    path = request.path
    if not host or not path.endswith("/") or "\\" in path or "\x00" in path:
        return None
    segments = path.strip("/").split("/") if path != "/" else []
    if any(s in ("", ".", "..") or s.startswith(".") for s in segments):
        return None
    return "/".join([host.lower(), *segments, "index.html"])


def _parts_file(base: Path, part: str) -> Path:
    return base / PARTS_DIR / part.replace(":", "-").replace("/", "-")


def write(
    request: HttpRequest,
    body: bytes,
    parts: Iterable[str],
    still_current: Callable[[], bool],
) -> None:
    """Write a stored page for nginx, unless its tokens changed by the time it is written."""
    base = root()
    if base is None:
        return
    rel = relative_path(request)
    if rel is None:
        return
    target = base / rel
    try:
        (base / PARTS_DIR).mkdir(parents=True, exist_ok=True)
        for part in parts:
            # One short O_APPEND write per line: lines from several processes never interleave.
            with open(_parts_file(base, part), "a", encoding="utf-8") as listing:
                listing.write(rel + "\n")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(body)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        if not still_current():
            target.unlink(missing_ok=True)
    except OSError:
        log.exception("Could not write the page file %s", target)


def remove(parts: Iterable[str]) -> None:
    """Remove the files of every page that depends on any of ``parts``."""
    base = root()
    if base is None:
        return
    for part in parts:
        listing = _parts_file(base, part)
        try:
            # Take the list away first: files written after this are listed anew.
            taken = listing.with_name(f"{listing.name}.{secrets.token_hex(6)}.taken")
            os.replace(listing, taken)
        except FileNotFoundError:
            continue
        try:
            for rel in set(taken.read_text(encoding="utf-8").split()):
                (base / rel).unlink(missing_ok=True)
        finally:
            taken.unlink(missing_ok=True)


def remove_all() -> None:
    """Remove every page file (the folder itself stays, for nginx)."""
    base = root()
    if base is None or not base.exists():
        return
    for child in base.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
