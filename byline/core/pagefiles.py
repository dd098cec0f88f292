"""Cached pages as files that a front web server (nginx) serves without asking Byline.

Optional (``BYLINE_PAGE_FILES_DIR``; docs/deployment.md has the nginx configuration). When the
page cache stores a stranger's HTML page whose address has no query string, it also writes
the body to ``<dir>/<host[:port]>/<path>/index.html``. nginx answers cookie-less GETs from
there and passes everything else to Byline. nginx cannot check tokens, so correctness rests on
removal: for each part a file depends on, a marker holding its relative path is kept in
``<dir>/.parts/<part>/``; invalidating a part removes every file marked there. A writer checks
the part's tokens *after* writing and removes its own file if they changed; together with the
invalidation order (new token first, then removal) a file rendered from data that changed
meanwhile never outlives the change. Pages that change by themselves (a listing before a
scheduled post) and anything but HTML are never written, and files written by other code
(before a deploy) are removed at start-up.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest

log = logging.getLogger(__name__)

PARTS_DIR = ".parts"


def root() -> Path | None:
    """The folder nginx serves pages from, or None when the mode is off."""
    folder = settings.BYLINE_PAGE_FILES_DIR
    return Path(folder) if folder else None


# A host as a folder name: a name or address with an optional port (validated by ALLOWED_HOSTS
# before this, but ALLOWED_HOSTS=* lets anything through).
_HOST = re.compile(r"[a-z0-9][a-z0-9.-]*(:[0-9]{1,5})?")


def relative_path(request: HttpRequest) -> str | None:
    """``<host[:port]>/<path>/index.html`` for a request whose page may be a file, else None.
    The folder is the whole Host header, as nginx's ``$http_host`` sees it, so a request naming
    another port gets (and can only poison) a folder of its own."""
    host = request.get_host().lower()
    path = request.path
    if not _HOST.fullmatch(host) or ".." in host:
        return None
    if not path.endswith("/") or "\\" in path or "\x00" in path:
        return None
    segments = path.strip("/").split("/") if path != "/" else []
    if any(s in ("", ".", "..") or s.startswith(".") for s in segments):
        return None
    return "/".join([host.lower(), *segments, "index.html"])


def _part_dir(base: Path, part: str) -> Path:
    return base / PARTS_DIR / part.replace(":", "-").replace("/", "-")


def _mark(base: Path, part: str, rel: str) -> None:
    """Note that the file ``rel`` depends on ``part`` (once, however often it is rewritten)."""
    folder = _part_dir(base, part)
    marker = folder / hashlib.blake2b(rel.encode(), digest_size=12).hexdigest()
    if marker.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    marker.write_text(rel, encoding="utf-8")


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
        for part in parts:
            _mark(base, part, rel)
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
        folder = _part_dir(base, part)
        taken = folder.with_name(f"{folder.name}.{secrets.token_hex(6)}.taken")
        try:
            # Take the markers away first: files written after this are marked anew.
            os.replace(folder, taken)
        except FileNotFoundError:
            continue
        try:
            for marker in taken.iterdir():
                try:
                    (base / marker.read_text(encoding="utf-8")).unlink(missing_ok=True)
                except OSError:
                    log.exception("Could not remove the page file of %s", marker)
        finally:
            shutil.rmtree(taken, ignore_errors=True)


BUILD_FILE = ".build"


def forget_older_builds(build: str) -> None:
    """Remove every page file written by other code (a deploy): nginx cannot tell them apart."""
    base = root()
    if base is None:
        return
    marker = base / BUILD_FILE
    try:
        if marker.read_text(encoding="utf-8") == build:
            return
    except OSError:
        pass
    remove_all()
    try:
        base.mkdir(parents=True, exist_ok=True)
        marker.write_text(build, encoding="utf-8")
    except OSError:
        log.exception("Could not write %s", marker)


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
