"""Backups of the whole site, and restoring one into an empty site (docs/operations.md).

A backup is one gzip'd tar archive whose first member is ``manifest.json``: the backup format,
the Byline version that wrote it, when, the database engine, the migrations applied per app,
the number of rows of every table, and the size and SHA-256 of every other member. Then:

* the database, one of
  - ``database.sqlite3``: SQLite's online backup API, a consistent copy taken while the site
    runs (one step, so it is one snapshot);
  - ``database.pgdump``: ``pg_dump -Fc`` on PostgreSQL, run in the snapshot the counts were read
    in (``pg_export_snapshot``), when a ``pg_dump`` at least as new as the server is installed;
  - ``database.jsonl``: a logical dump of every table (PostgreSQL without a usable pg_dump, or
    ``--logical``): per table a header line ``{"model", "table", "fields"}`` and one JSON array
    per row, read in one repeatable-read transaction (PostgreSQL) or from a snapshot (SQLite);
* ``media/…``: the files under ``MEDIA_ROOT`` when one is configured (Byline itself stores no
  uploads today: imported attachments are recorded by address, never downloaded).

Restoring happens only into an *empty site* (``site_contents``: no accounts, posts, comments,
categories or tags; what ``byline migrate`` leaves is empty), after the whole archive was read
and every checksum matched. A backup whose database has a migration this code does not know
(made by a newer Byline) is refused; an older one is restored and then migrated forward. What
restores where: a SQLite snapshot into SQLite (backup API) or PostgreSQL (rows copied through
the migration state's models); a pg_dump only into PostgreSQL (``pg_restore``); a logical dump
into either. The secret key is not part of a backup (it is configuration, see the docs).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast
from uuid import UUID

from django.apps import apps as django_apps
from django.apps.registry import Apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend
from django.utils.duration import duration_iso_string

FORMAT = "byline-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PGDUMP_MEMBER = "database.pgdump"
JSON_MEMBER = "database.jsonl"
MEDIA_PREFIX = "media/"
_DATABASE_MEMBERS = {"sqlite": SQLITE_MEMBER, "pg_dump": PGDUMP_MEMBER, "json": JSON_MEMBER}
KINDS = {"sqlite": "SQLite snapshot", "pg_dump": "pg_dump archive", "json": "logical JSON dump"}
# What makes a site "not empty": any row in these tables.
CONTENT_MODELS = {
    "accounts.User": "accounts",
    "publishing.Post": "posts and pages",
    "discussion.Comment": "comments",
    "publishing.Category": "categories",
    "publishing.Tag": "tags",
}
# The counts an operator reads first, in this order (``summary``).
_HEADLINE = {
    "publishing.Post": "posts",
    "discussion.Comment": "comments",
    "accounts.User": "accounts",
    "publishing.Category": "categories",
    "publishing.Tag": "tags",
}
_CHUNK = 1024 * 1024
_BATCH = 1000
_MANIFEST_MAX = 16 * 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go ahead, with what to do about it in plain words."""


@dataclass
class Outcome:
    """What ``create_backup`` wrote or ``restore_backup`` restored."""

    path: Path
    manifest: dict[str, Any]
    seconds: float
    size: int = 0
    notes: list[str] = field(default_factory=list)


# -- migration state ------------------------------------------------------------------------------


def applied_migrations(conn: BaseDatabaseWrapper) -> dict[str, list[str]]:
    """{app: sorted names of its applied migrations} as the database records them."""
    state: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(conn).applied_migrations():
        state.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(state.items())}


def _pairs(state: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {(app, name) for app, names in state.items() for name in names}


def unknown_migrations(state: dict[str, list[str]]) -> list[str]:
    """The migrations in ``state`` this code does not have (neither on disk nor squashed)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update((app, name) for app, name in migration.replaces)
    return [f"{app}.{name}" for app, name in sorted(_pairs(state) - known)]


def _nodes(loader: MigrationLoader, state: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The graph nodes standing for the applied migrations in ``state``."""
    applied = _pairs(state)
    nodes: set[tuple[str, str]] = set()
    for key in applied:
        if key in loader.graph.nodes:
            nodes.add(key)
            continue
        squash = next(
            (k for k, r in loader.replacements.items() if key in {tuple(x) for x in r.replaces}),
            None,
        )
        if squash is None:
            continue  # unknown_migrations() refused these already
        replaced = {tuple(x) for x in loader.replacements[squash].replaces}
        if not replaced <= applied:
            raise BackupError(
                f"The backup's database applied only part of the squashed migration "
                f"{squash[0]}.{squash[1]}; restore it with the Byline version that made it, "
                "migrate, and back up again."
            )
        nodes.add(squash)
    return sorted(nodes)


def _leaves(loader: MigrationLoader, nodes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The nodes no other node in ``nodes`` depends on: migrating to them applies exactly
    ``nodes`` (with their dependencies, which an applied set always includes)."""
    below: set[tuple[str, str]] = set()
    for node in nodes:
        below.update(n for n in loader.graph.forwards_plan(node) if n != node)
    return [n for n in nodes if n not in below]


def state_apps(state: dict[str, list[str]], loader: MigrationLoader | None = None) -> Apps:
    """The models as they were after the migrations in ``state`` (what the tables hold)."""
    loader = loader or MigrationLoader(None, ignore_no_migrations=True)
    return loader.project_state(_nodes(loader, state), at_end=True).apps


def _models(apps: Apps) -> list[type[models.Model]]:
    """Every table of a migration state, including many-to-many tables, by label."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.swapped:
            continue
        found.append(model)
    return sorted(found, key=lambda m: m._meta.label)


def _counts(found: list[type[models.Model]], alias: str) -> dict[str, int]:
    return {m._meta.label: m._base_manager.using(alias).count() for m in found}


# -- connections ------------------------------------------------------------------------------


@contextmanager
def _attached(settings_dict: dict[str, Any]) -> Iterator[str]:
    """A connection of its own under a temporary alias (a snapshot file, or one transaction
    apart from whatever the caller's connection is doing)."""
    alias = f"byline_backup_{os.getpid()}_{time.monotonic_ns()}"
    full = connections.configure_settings({DEFAULT_DB_ALIAS: dict(settings_dict)})
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(full[DEFAULT_DB_ALIAS], alias)
    connections[alias] = wrapper
    try:
        yield alias
    finally:
        wrapper.close()
        with suppress(AttributeError):
            del connections[alias]


def _sqlite_file_settings(path: Path) -> dict[str, Any]:
    """Connection settings for a SQLite file of ours (a snapshot), whatever the site uses."""
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}


def _engine_version(conn: BaseDatabaseWrapper) -> str:
    if conn.vendor == "postgresql":
        number = conn.pg_version  # type: ignore[attr-defined]
        return f"{number // 10000}.{number % 10000}"
    return sqlite3.sqlite_version


def engine_name(vendor: str) -> str:
    return {"postgresql": "PostgreSQL", "sqlite": "SQLite"}.get(vendor, vendor)


# -- what is in a site --------------------------------------------------------------------------


def site_contents(conn: BaseDatabaseWrapper | None = None) -> dict[str, int]:
    """{what: how many} of the content that makes a site not empty (nothing: empty)."""
    conn = conn or connections[DEFAULT_DB_ALIAS]
    with conn.cursor() as cursor:
        tables = set(conn.introspection.table_names(cursor))
    found = {}
    for label, words in CONTENT_MODELS.items():
        model = django_apps.get_model(label)
        if model._meta.db_table in tables:
            count = model._base_manager.using(conn.alias).count()
            if count:
                found[words] = count
    return found


def summary(counts: dict[str, int]) -> str:
    """'3 posts, 12 comments, 2 accounts, …' for the tables an operator recognises."""
    parts = [f"{counts.get(label, 0):,} {words}" for label, words in _HEADLINE.items()]
    rest = sum(n for label, n in counts.items() if label not in _HEADLINE)
    return ", ".join(parts) + f"; {rest:,} other rows"


def media_root() -> Path | None:
    """Where uploaded files live, if this site configured a place (``MEDIA_ROOT``)."""
    root = getattr(settings, "MEDIA_ROOT", "")
    return Path(root).resolve() if root else None


# -- pg_dump and pg_restore -----------------------------------------------------------------------


def pg_tool(name: str, server_major: int) -> tuple[str | None, str]:
    """(path, "") of ``pg_dump``/``pg_restore`` if it can work with a server of that major
    version, else (None, why not, in plain words)."""
    path = shutil.which(name)
    if path is None:
        return None, f"{name} is not installed (install the PostgreSQL client tools)"
    try:
        out = subprocess.run(  # noqa: S603 (a fixed program found on PATH, no shell)
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"{path} does not run ({exc})"
    found = re.search(r"(\d+)(?:\.\d+)", out)
    if found is None:
        return None, f"{path} --version printed no version"
    major = int(found.group(1))
    if major < server_major:
        return None, (
            f"{name} is version {major} and the server is PostgreSQL {server_major} "
            f"(install the client tools for {server_major} or newer)"
        )
    return path, ""


def _pg_env(conn: BaseDatabaseWrapper) -> dict[str, str]:
    """libpq's environment for the same database as ``conn`` (no password on a command line)."""
    params = conn.get_connection_params()
    names = {
        "dbname": "PGDATABASE", "user": "PGUSER", "password": "PGPASSWORD", "host": "PGHOST",
        "port": "PGPORT", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT",
        "sslcert": "PGSSLCERT", "sslkey": "PGSSLKEY", "service": "PGSERVICE",
        "passfile": "PGPASSFILE", "options": "PGOPTIONS", "connect_timeout": "PGCONNECT_TIMEOUT",
    }  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for key, value in params.items():
        if key in names and value not in (None, ""):
            env[names[key]] = str(value)
    return env


def _run_tool(command: list[str], conn: BaseDatabaseWrapper, what: str) -> None:
    done = subprocess.run(  # noqa: S603 (a program found on PATH, arguments are ours)
        command, env=_pg_env(conn), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise BackupError(f"{what} failed (exit code {done.returncode}):\n{tail}")


# -- the logical dump -------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | clock_time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return duration_iso_string(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Decimal | UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot be written to a backup")


Section = tuple[type[models.Model], list[str], Iterable[list[Any]]]


def _attnames(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _sections_from_db(found: list[type[models.Model]], alias: str) -> Iterator[Section]:
    for model in found:
        names = _attnames(model)
        rows = model._base_manager.using(alias).order_by("pk").values_list(*names)
        yield model, names, (list(r) for r in rows.iterator(chunk_size=2000))


def _write_sections(sections: Iterable[Section], out: IO[str]) -> None:
    for model, names, rows in sections:
        head = {"model": model._meta.label, "table": model._meta.db_table, "fields": names}
        out.write(json.dumps(head) + "\n")
        for row in rows:
            out.write(json.dumps(row, default=_encode, ensure_ascii=False) + "\n")


def _sections_from_file(path: Path, apps: Apps) -> Iterator[Section]:
    """Read ``database.jsonl`` back, one table at a time, checking it against ``apps``."""
    with path.open(encoding="utf-8") as lines:
        pending: str | None = next(lines, None)
        while pending is not None:
            head = json.loads(pending)
            if not isinstance(head, dict) or "model" not in head:
                raise BackupError(f"{JSON_MEMBER} is not a Byline logical dump.")
            try:
                model = apps.get_model(head["model"])
            except LookupError:
                raise BackupError(
                    f"{JSON_MEMBER} has a table {head['model']} its migration state lacks."
                ) from None
            names = list(head["fields"])
            if sorted(names) != sorted(_attnames(model)):
                raise BackupError(
                    f"{JSON_MEMBER}: the columns of {head['model']} do not match the backup's "
                    "migration state."
                )

            def rows() -> Iterator[list[Any]]:
                nonlocal pending
                for line in lines:
                    if line.startswith("{"):
                        pending = line
                        return
                    yield json.loads(line)
                pending = None

            yield model, names, rows()


def _load_sections(sections: Iterable[Section], conn: BaseDatabaseWrapper) -> None:
    """Insert every row as it is (ids included; no save() or signals, no auto_now), in the
    caller's transaction; foreign keys are checked when it commits."""
    for model, names, rows in sections:
        fields = {f.attname: f for f in model._meta.concrete_fields}
        ordered = [fields[n] for n in names]
        batch: list[models.Model] = []
        for row in rows:
            values = {}
            for name, f, value in zip(names, ordered, row, strict=True):
                if value is None:
                    if isinstance(f, models.JSONField) and not f.null:
                        value = models.Value(None, output_field=models.JSONField())
                    values[name] = value
                else:
                    values[name] = f.to_python(value)
            batch.append(model(**values))
            if len(batch) >= _BATCH:
                _insert(conn, model, ordered, batch)
                batch = []
        if batch:
            _insert(conn, model, ordered, batch)


def _insert(
    conn: BaseDatabaseWrapper,
    model: type[models.Model],
    fields: list[Any],
    objs: list[models.Model],
) -> None:
    # QuerySet._insert with raw=True: what loaddata's raw save does, many rows per statement.
    manager = cast(Any, model._base_manager.using(conn.alias))
    size = max(conn.ops.bulk_batch_size(fields, objs) or len(objs), 1)
    for start in range(0, len(objs), size):
        manager._insert(objs[start : start + size], fields=fields, raw=True, using=conn.alias)


# -- the archive ------------------------------------------------------------------------------


def _digest(path: Path) -> dict[str, Any]:
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": sha.hexdigest()}


def _member_name(name: str) -> str:
    """``name`` if it is a safe relative path inside the archive, else refuse the backup."""
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts or "\\" in name:
        raise BackupError(f"The backup holds a file named {name!r}, which is not allowed.")
    return name


def _tarinfo(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    return info


def _write_archive(target: Path, staging: Path, manifest: dict[str, Any]) -> None:
    """Write the archive next to ``target`` and give it the final name only when complete."""
    partial = staging / "archive.partial"
    body = json.dumps(manifest, indent=2, sort_keys=True).encode()
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # holds emails, hashes
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
        now = time.time()
        tar.addfile(_tarinfo(MANIFEST, len(body), now), io.BytesIO(body))
        for name in manifest["members"]:
            path = staging / name
            with path.open("rb") as f:
                tar.addfile(_tarinfo(name, path.stat().st_size, now), f)
        tar.close()
        raw.flush()
        os.fsync(raw.fileno())
    os.replace(partial, target)


def _parse_manifest(raw: bytes, source: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(raw)
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            f"{source} is not a Byline backup (its manifest is missing or unreadable)."
        )
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            f"{source} was written by a newer Byline ({manifest.get('byline_version', '?')}, "
            f"backup format {version}); this version reads format {FORMAT_VERSION}. Restore it "
            "with that Byline version or a newer one."
        )
    shapes = {"members": dict, "migrations": dict, "counts": dict, "database": dict}
    for key, kind in shapes.items():
        if not isinstance(manifest.get(key), kind):
            raise BackupError(f"{source}: the manifest has no valid {key!r}; it is damaged.")
    if manifest["database"].get("kind") not in _DATABASE_MEMBERS:
        raise BackupError(f"{source}: the manifest names no database snapshot; it is damaged.")
    return manifest


def read_archive(
    source: Path,
    dest: Path | None = None,
    check: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Read the whole archive, verifying every member against the manifest, and return the
    manifest. ``check`` may refuse it before the members are read; with ``dest`` the members
    are written there. Raises ``BackupError`` for anything damaged, missing or unexpected."""
    source = Path(source)
    if not source.exists():
        raise BackupError(f"{source} does not exist.")
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    damaged = (
        f"{source} is damaged or incomplete (a byte changed, or the copy was cut short). "
        "Use another copy of the backup."
    )
    try:
        with _opened(source) as raw, tarfile.open(fileobj=raw, mode="r|") as tar:
            members = iter(tar)
            first = next(members, None)
            if first is None or first.name != MANIFEST or not first.isfile():
                raise BackupError(f"{source} is not a Byline backup (it has no manifest).")
            if first.size > _MANIFEST_MAX:
                raise BackupError(f"{source} is not a Byline backup (its manifest is too big).")
            stream = tar.extractfile(first)
            assert stream is not None
            manifest = _parse_manifest(stream.read(), source)
            if check is not None:
                check(manifest)
            expected: dict[str, Any] = manifest["members"]
            seen: set[str] = set()
            for member in members:
                name = _member_name(member.name)
                if name not in expected or name in seen or not member.isfile():
                    raise BackupError(
                        f"{source} holds {name!r}, which its manifest does not list: it is "
                        "damaged or was altered."
                    )
                seen.add(name)
                reader = tar.extractfile(member)
                assert reader is not None
                got = _copy_hashing(reader, dest / name if dest is not None else None)
                want = expected[name]
                if got != {"size": want.get("size"), "sha256": want.get("sha256")}:
                    raise BackupError(
                        f"{name} in {source} does not match the checksum in its manifest: the "
                        "backup is damaged or was altered. Use another copy of the backup."
                    )
            # Read to the very end, so gzip checks its CRC over everything, padding included.
            while raw.read(_CHUNK):
                pass
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise BackupError(f"{damaged} ({exc})") from None
    except OSError as exc:
        if dest is not None and exc.filename and str(exc.filename).startswith(str(dest)):
            raise BackupError(f"Could not unpack the backup into {dest}: {exc}") from None
        raise BackupError(f"{damaged} ({exc})") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(
            f"{source} is incomplete: it lacks {', '.join(missing)} that its manifest lists. "
            "Use another copy of the backup."
        )
    return manifest


@contextmanager
def _opened(source: Path) -> Iterator[IO[bytes]]:
    """The archive's tar stream: through gzip (which checks its CRC at the end) if it is
    compressed, as backups are; as it is if someone unpacked the gzip layer."""
    with source.open("rb") as f:
        if f.read(2) != b"\x1f\x8b":
            f.seek(0)
            yield f
            return
        f.seek(0)
        with gzip.GzipFile(fileobj=f, mode="rb") as unzipped:
            yield cast(IO[bytes], unzipped)


def _copy_hashing(reader: IO[bytes], target: Path | None) -> dict[str, Any]:
    sha = hashlib.sha256()
    size = 0
    out = None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = target.open("wb")
    try:
        while chunk := reader.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
            if out is not None:
                out.write(chunk)
    finally:
        if out is not None:
            out.close()
    return {"size": size, "sha256": sha.hexdigest()}


# -- backup -----------------------------------------------------------------------------------


def _check_target(target: Path) -> None:
    if str(target) in ("", "-"):
        raise BackupError("Give the file to write the backup to, e.g. byline-2026-01-31.tar.gz.")
    if target.exists():
        raise BackupError(
            f"{target} already exists; a backup never overwrites a file. Choose another name "
            "(e.g. with the date in it) or move the old one away."
        )
    parent = target.parent
    if not parent.is_dir():
        raise BackupError(f"The folder {parent} does not exist.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BackupError(f"Cannot write into {parent} (permission denied).")


def _describe(alias: str) -> tuple[dict[str, list[str]], list[type[models.Model]]]:
    conn = connections[alias]
    state = applied_migrations(conn)
    if not state:
        raise BackupError(
            "The database has no tables yet (run `byline migrate`): nothing to back up."
        )
    unknown = unknown_migrations(state)
    if unknown:
        raise BackupError(
            "The database was migrated by a newer Byline (it has migrations this version does "
            f"not know: {', '.join(unknown)}); back it up with that version."
        )
    return state, _models(state_apps(state))


def _sqlite_snapshot(conn: BaseDatabaseWrapper, dest: Path) -> None:
    """A consistent copy of a live SQLite database, by SQLite's online backup API."""
    with _attached(dict(conn.settings_dict)) as alias:
        source = connections[alias]
        source.ensure_connection()
        copy = sqlite3.connect(dest)
        try:
            source.connection.backup(copy)  # one step: one snapshot, whatever writers do
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()


def _copy_media(staging: Path) -> dict[str, Any]:
    root = media_root()
    members: dict[str, Any] = {}
    if root is None or not root.is_dir():
        return members
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.is_symlink():
            continue
        name = MEDIA_PREFIX + path.relative_to(root).as_posix()
        target = staging / _member_name(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        with path.open("rb") as f:
            members[name] = _copy_hashing(f, target)
    return members


def byline_version() -> str:
    try:
        return metadata.version("byline")
    except metadata.PackageNotFoundError:
        return "unknown"


def create_backup(
    target: Path | str, *, logical: bool = False, using: str = DEFAULT_DB_ALIAS
) -> Outcome:
    """Write a backup of the site (database, uploaded files, manifest) to ``target``."""
    started = time.monotonic()
    target = Path(target)
    _check_target(target)
    conn = connections[using]
    notes: list[str] = []
    try:
        staging_dir = tempfile.TemporaryDirectory(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise BackupError(f"Cannot write into {target.parent}: {exc.strerror or exc}.") from None
    with staging_dir as tmp:
        staging = Path(tmp)
        if conn.vendor == "sqlite":
            snapshot = staging / SQLITE_MEMBER
            _sqlite_snapshot(conn, snapshot)
            with _attached(_sqlite_file_settings(snapshot)) as alias:
                state, found = _describe(alias)
                counts = _counts(found, alias)
                if logical:
                    with (staging / JSON_MEMBER).open("w", encoding="utf-8") as out:
                        _write_sections(_sections_from_db(found, alias), out)
            if logical:
                snapshot.unlink()
            kind = "json" if logical else "sqlite"
        elif conn.vendor == "postgresql":
            state, counts, kind = _postgresql_snapshot(conn, staging, logical, notes)
        else:
            raise BackupError(f"Byline cannot back up a {conn.vendor} database.")
        members = {_DATABASE_MEMBERS[kind]: _digest(staging / _DATABASE_MEMBERS[kind])}
        media = _copy_media(staging)
        members.update(media)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "byline_version": byline_version(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "site": {"name": settings.BYLINE_SITE_NAME, "url": settings.BYLINE_SITE_URL},
            "database": {
                "engine": conn.vendor,
                "engine_version": _engine_version(conn),
                "kind": kind,
                "member": _DATABASE_MEMBERS[kind],
            },
            "migrations": state,
            "latest_migrations": {app: names[-1] for app, names in state.items()},
            "counts": counts,
            "media_files": len(media),
            "members": members,
        }
        try:
            _write_archive(target, staging, manifest)
        except OSError as exc:
            raise BackupError(f"Could not write {target}: {exc}") from None
    return Outcome(
        path=target,
        manifest=manifest,
        seconds=time.monotonic() - started,
        size=target.stat().st_size,
        notes=notes,
    )


def _postgresql_snapshot(
    conn: BaseDatabaseWrapper, staging: Path, logical: bool, notes: list[str]
) -> tuple[dict[str, list[str]], dict[str, int], str]:
    """Counts, migration state and the dump, all from one repeatable-read snapshot."""
    with _attached(dict(conn.settings_dict)) as alias:
        source = connections[alias]
        with transaction.atomic(using=alias), source.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            state, found = _describe(alias)
            counts = _counts(found, alias)
            tool = None
            if not logical:
                tool, why = pg_tool("pg_dump", source.pg_version // 10000)  # type: ignore[attr-defined]
                if tool is None:
                    notes.append(f"Wrote a logical JSON dump instead of pg_dump: {why}.")
            if tool is not None:
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot_id = cursor.fetchone()[0]
                _run_tool(
                    [tool, "--format=custom", "--no-owner", "--no-privileges",
                     f"--snapshot={snapshot_id}", f"--file={staging / PGDUMP_MEMBER}"],
                    source,
                    "pg_dump",
                )  # fmt: skip
                return state, counts, "pg_dump"
            with (staging / JSON_MEMBER).open("w", encoding="utf-8") as out:
                _write_sections(_sections_from_db(found, alias), out)
            return state, counts, "json"


def verify_backup(source: Path | str) -> dict[str, Any]:
    """Read the whole backup and check it; the manifest if sound, else ``BackupError``."""
    manifest = read_archive(Path(source))
    unknown = _unknown_in(manifest)
    if unknown:
        raise BackupError(_newer_schema(Path(source), manifest, unknown))
    return manifest


# -- restore ----------------------------------------------------------------------------------


def _unknown_in(manifest: dict[str, Any]) -> list[str]:
    state = {app: list(names) for app, names in manifest["migrations"].items()}
    return unknown_migrations(state)


def _newer_schema(source: Path, manifest: dict[str, Any], unknown: list[str]) -> str:
    return (
        f"{source} was made by a newer version of Byline "
        f"({manifest.get('byline_version', '?')}): its database has migrations this version "
        f"({byline_version()}) does not know ({', '.join(unknown)}). Install that Byline "
        "version or a newer one and restore with it."
    )


def _refuse_unless_restorable(
    conn: BaseDatabaseWrapper, source: Path
) -> Callable[[dict[str, Any]], None]:
    def check(manifest: dict[str, Any]) -> None:
        unknown = _unknown_in(manifest)
        if unknown:
            raise BackupError(_newer_schema(source, manifest, unknown))
        kind = manifest["database"]["kind"]
        if kind == "pg_dump" and conn.vendor != "postgresql":
            raise BackupError(
                f"{source} holds a PostgreSQL dump (pg_dump), which restores only into "
                f"PostgreSQL; this site uses {engine_name(conn.vendor)}. Restore it into "
                "PostgreSQL, or take a portable backup there with `byline backup --logical`."
            )
        if kind == "pg_dump":
            tool, why = pg_tool("pg_restore", conn.pg_version // 10000)  # type: ignore[attr-defined]
            if tool is None:
                raise BackupError(f"Cannot restore a pg_dump backup: {why}.")
        if manifest.get("media_files") and media_root() is None:
            raise BackupError(
                f"{source} holds {manifest['media_files']} uploaded files but this site has no "
                "MEDIA_ROOT to put them in."
            )

    return check


def _site_tables(conn: BaseDatabaseWrapper) -> list[str]:
    prefixes = ("django_", *(f"{c.label}_" for c in django_apps.get_app_configs()))
    with conn.cursor() as cursor:
        names = conn.introspection.table_names(cursor)
    return [n for n in names if n.startswith(prefixes)]


def _drop_site_tables(conn: BaseDatabaseWrapper) -> None:
    """Drop every table of an empty site (Byline's and Django's), so the backup's schema can
    take their place whatever version made them."""
    doomed = _site_tables(conn)
    if not doomed:
        return
    quote = conn.ops.quote_name
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS " + ", ".join(map(quote, doomed)) + " CASCADE")
        return
    with conn.constraint_checks_disabled(), conn.cursor() as cursor:
        for name in doomed:
            cursor.execute(f"DROP TABLE IF EXISTS {quote(name)}")


def _check_counts(
    conn: BaseDatabaseWrapper, found: list[type[models.Model]], manifest: dict[str, Any]
) -> None:
    got = _counts(found, conn.alias)
    wrong = [
        f"{label}: {got.get(label)} rows, expected {n}"
        for label, n in manifest["counts"].items()
        if got.get(label) != n
    ]
    if wrong:
        raise BackupError(
            "The restored database does not hold what the backup's manifest counts ("
            + "; ".join(wrong[:5])
            + "). Nothing should be trusted in it: empty the database and try another copy."
        )


def _restore_logical(
    conn: BaseDatabaseWrapper,
    state: dict[str, list[str]],
    manifest: dict[str, Any],
    staging: Path,
    from_sqlite: bool,
) -> None:
    """Recreate the backup's schema, copy its rows in one transaction, then check the counts."""
    _drop_site_tables(conn)
    executor = MigrationExecutor(conn)
    nodes = _nodes(executor.loader, state)
    executor.migrate(_leaves(executor.loader, nodes))
    apps = executor.loader.project_state(nodes, at_end=True).apps
    found = _models(apps)
    with transaction.atomic(using=conn.alias):
        tables = [m._meta.db_table for m in found]
        with conn.cursor() as cursor:
            # Rows that data migrations wrote into the new tables give way to the backup's.
            for sql in conn.ops.sql_flush(
                no_style(), tables, reset_sequences=True, allow_cascade=True
            ):
                cursor.execute(sql)
        if from_sqlite:
            snapshot = staging / SQLITE_MEMBER
            with _attached(_sqlite_file_settings(snapshot)) as alias:
                _load_sections(_sections_from_db(found, alias), conn)
        else:
            _load_sections(_sections_from_file(staging / JSON_MEMBER, apps), conn)
        with conn.cursor() as cursor:
            for sql in conn.ops.sequence_reset_sql(no_style(), found):
                cursor.execute(sql)
        _check_counts(conn, found, manifest)


def _restore_sqlite_file(conn: BaseDatabaseWrapper, staging: Path) -> None:
    """Copy the snapshot over the site's database with the backup API (schema and all)."""
    conn.close()
    conn.ensure_connection()
    source = sqlite3.connect(staging / SQLITE_MEMBER)
    try:
        source.backup(conn.connection)
    finally:
        source.close()
        conn.close()


def _restore_pg_dump(conn: BaseDatabaseWrapper, staging: Path) -> None:
    tool, why = pg_tool("pg_restore", conn.pg_version // 10000)  # type: ignore[attr-defined]
    if tool is None:
        raise BackupError(f"Cannot restore a pg_dump backup: {why}.")
    _drop_site_tables(conn)
    _run_tool(
        [tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         f"--dbname={conn.settings_dict['NAME']}",
         str(staging / PGDUMP_MEMBER)],
        conn,
        "pg_restore",
    )  # fmt: skip
    conn.close()


def restore_backup(source: Path | str, *, using: str = DEFAULT_DB_ALIAS) -> Outcome:
    """Restore a backup into this (empty) site, then migrate it forward and clear caches."""
    from byline.core import pagecache

    started = time.monotonic()
    source = Path(source)
    conn = connections[using]
    if not source.exists():
        raise BackupError(f"{source} does not exist.")
    present = site_contents(conn)
    if present:
        what = ", ".join(f"{n:,} {words}" for words, n in present.items())
        raise BackupError(
            f"This site is not empty (it has {what}); `byline restore` restores only into an "
            "empty site, so that nothing is overwritten. Point DATABASE_URL at a new, empty "
            "database (for SQLite, a new file) and run it again; `byline migrate` is not needed."
        )
    Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="restore-", dir=settings.VAR_DIR) as tmp:
        staging = Path(tmp)
        try:
            manifest = read_archive(source, staging, _refuse_unless_restorable(conn, source))
        except BackupError as exc:
            raise BackupError(f"{exc} Nothing was restored.") from None
        state = {app: list(names) for app, names in manifest["migrations"].items()}
        kind = manifest["database"]["kind"]
        if kind == "sqlite" and conn.vendor == "sqlite":
            _restore_sqlite_file(conn, staging)
        elif kind == "pg_dump":
            _restore_pg_dump(conn, staging)
        else:
            _restore_logical(conn, state, manifest, staging, from_sqlite=kind == "sqlite")
        if kind == "pg_dump" or conn.vendor == kind:  # the logical path checked in its transaction
            _check_counts(conn, _models(state_apps(state)), manifest)
        before = len(_pairs(applied_migrations(conn)))
        call_command("migrate", database=using, interactive=False, verbosity=0)
        newer = len(_pairs(applied_migrations(conn))) - before
        if newer:
            notes.append(f"Applied {newer} migrations newer than the backup.")
        media = _restore_media(staging, manifest)
        if media:
            notes.append(f"Restored {media} uploaded files into {media_root()}.")
    try:
        pagecache.clear()
    except Exception as exc:  # the data is restored; a cache outage must not hide that
        notes.append(f"Could not clear the page cache ({exc}); run `byline pagecache clear`.")
    return Outcome(path=source, manifest=manifest, seconds=time.monotonic() - started, notes=notes)


def _restore_media(staging: Path, manifest: dict[str, Any]) -> int:
    root = media_root()
    names = [n for n in manifest["members"] if n.startswith(MEDIA_PREFIX)]
    if not names or root is None:
        return 0
    for name in names:
        target = root / name[len(MEDIA_PREFIX) :]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(staging / name, target)
    return len(names)
