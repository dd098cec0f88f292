"""`byline backup`, `byline backup --verify` and `byline restore` (core.backup).

The round trips restore with the real command in a separate process into a new, empty database
(a new SQLite file, or a second PostgreSQL database made for the test) and compare Byline's own
JSON export of both sites. The export's ``exported_at`` line is the one run-dependent field; every
other byte must be identical. Refusals are checked in this process with archives made for the
purpose: each is refused before anything is touched.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from byline.accounts.models import User
from byline.core import backup
from byline.discussion.models import DiscussionSettings
from byline.migration.export import write_json
from byline.moderation import actions
from byline.moderation.models import Ban, ModerationSettings
from byline.publishing.models import Category, Tag

REPO = Path(__file__).resolve().parents[3]
ON_POSTGRES = connection.vendor == "postgresql"


# -- helpers ----------------------------------------------------------------------------------


def export_text() -> str:
    out = io.StringIO()
    write_json(out)
    return out.getvalue()


def comparable(export: str) -> list[str]:
    """The export without its one run-dependent line (when it was made)."""
    return [line for line in export.splitlines() if not line.startswith('"exported_at"')]


def byline(tmp: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real `byline` command against another site (its own var/, no Redis)."""
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(DATABASE_URL=database_url, BYLINE_VAR_DIR=str(tmp / "var"))
    return subprocess.run(
        [sys.executable, "-m", "byline.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def restore_and_export(tmp: Path, url: str, archive: Path) -> tuple[str, str]:
    """Restore ``archive`` into the empty site at ``url``; (the command's output, its export)."""
    started = time.monotonic()
    restored = byline(tmp, url, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    print(f"restore of {archive.name}: {time.monotonic() - started:.1f} s (process included)")
    target = tmp / f"export-{secrets.token_hex(3)}.json"
    exported = byline(tmp, url, "export", "json", "-o", str(target))
    assert exported.returncode == 0, exported.stderr
    return restored.stdout, target.read_text(encoding="utf-8")


@contextmanager
def empty_database(tmp: Path, engine: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """(DATABASE_URL, connection settings) of a new, empty database of ``engine`` (default:
    the one the tests run on), dropped afterwards."""
    engine = engine or connection.vendor
    if engine == "sqlite":
        path = tmp / f"restored-{secrets.token_hex(3)}.sqlite3"
        yield f"sqlite:///{path}", {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
        return
    import psycopg

    params = connection.get_connection_params()
    name = f"{connection.settings_dict['NAME']}_restore_{secrets.token_hex(3)}"
    server = {k: v for k, v in params.items() if k in {"user", "password", "host", "port"}}
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    user = quote(str(params.get("user") or ""), safe="")
    password = quote(str(params.get("password") or ""), safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = f"{params.get('host') or ''}:{params.get('port') or 5432}"
    try:
        yield f"postgres://{auth}{host}/{name}", {**connection.settings_dict, "NAME": name}
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rewrite(
    source: Path,
    target: Path,
    manifest_edit: Callable[[dict[str, Any]], None] | None = None,
    member_edit: Callable[[str, bytes], bytes] | None = None,
    checksums: bool = True,
) -> Path:
    """A copy of a backup with its manifest and/or members changed; checksums recomputed
    unless ``checksums=False`` (an altered member the manifest does not know about)."""
    with tarfile.open(source, "r:gz") as tar:
        manifest = json.loads(tar.extractfile(backup.MANIFEST).read())  # type: ignore[union-attr]
        members = {
            m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
            for m in tar.getmembers()
            if m.name != backup.MANIFEST
        }
    if member_edit is not None:
        members = {name: member_edit(name, data) for name, data in members.items()}
    if checksums:
        staging = target.parent / f"staging-{secrets.token_hex(3)}"
        for name, data in members.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)
            manifest["members"][name] = backup._digest(staging / name)
    if manifest_edit is not None:
        manifest_edit(manifest)
    with tarfile.open(target, "w:gz") as tar:
        body = json.dumps(manifest).encode()
        tar.addfile(backup._tarinfo(backup.MANIFEST, len(body), 0), io.BytesIO(body))
        for name, data in members.items():
            tar.addfile(backup._tarinfo(name, len(data), 0), io.BytesIO(data))
    return target


def fake_backup(tmp: Path, kind: str = "sqlite", **manifest: Any) -> Path:
    """A well-formed archive whose database member is junk: only for refusals."""
    staging = tmp / f"fake-{secrets.token_hex(3)}"
    staging.mkdir()
    member = backup._DATABASE_MEMBERS[kind]
    (staging / member).write_bytes(secrets.token_bytes(4096))
    body = {
        "format": backup.FORMAT,
        "format_version": backup.FORMAT_VERSION,
        "byline_version": "0.1.0",
        "created_at": "2026-01-31T12:00:00+00:00",
        "database": {"engine": "sqlite", "engine_version": "3", "kind": kind, "member": member},
        "migrations": backup.applied_migrations(connection),
        "counts": {"publishing.Post": 0},
        "media_files": 0,
        "members": {member: backup._digest(staging / member)},
        **manifest,
    }
    target = tmp / f"fake-{secrets.token_hex(3)}.tar.gz"
    backup._write_archive(target, staging, body)
    return target


# -- a site with something in it ----------------------------------------------------------------


@pytest.fixture
def site(
    transactional_db: None,
    make_post: Callable[..., Any],
    add_comment: Callable[..., Any],
    reader: User,
    moderator: User,
) -> dict[str, Any]:
    """Posts with a threaded discussion (one held), categories, tags, a ban, and moderation
    and discussion settings changed from their defaults; committed, so other connections and
    processes see it."""
    politics = Category.objects.create(name="Politics", slug="politics")
    local = Category(name="Local", slug="local", parent=politics)
    local.save()
    ferries = Tag.objects.create(name="Ferries", slug="ferries")
    post = make_post(
        "The ferry strike",
        body="> Half of the problem is the council.\n\n— Walter Pike, [Ledger](https://example.org/x)",
        categories=[politics, local],
        tags=[ferries],
    )
    make_post("A draft", status="draft", published_at=None)
    first = add_comment(post, "First, and **bold**.")
    add_comment(post, "A reply from an account.", parent=first, user=reader)
    add_comment(post, 'Ünïcode ✓ and "quotes" — fine.', name="Zoë", email="zoe@example.org")
    rules = DiscussionSettings.current()
    rules.comments_per_page = 50
    rules.hold_new_comments = True
    rules.save()
    add_comment(post, "This one waits for a moderator.")
    moderation = ModerationSettings.current()
    moderation.link_limit = 5
    moderation.save()
    actions.ban(by=moderator, kind="email", value="troll@example.org", reason="threats")
    return {"post": post}


def check_restored_rows(settings_dict: dict[str, Any]) -> None:
    """What the export does not show: the settings and the ban came back too."""
    with backup._attached(settings_dict) as alias:
        assert ModerationSettings.objects.using(alias).get().link_limit == 5
        assert DiscussionSettings.objects.using(alias).get().comments_per_page == 50
        assert Ban.objects.using(alias).get().value == "troll@example.org"


# -- round trips ------------------------------------------------------------------------------


def test_backup_then_restore_into_a_new_site_gives_the_same_export(site, tmp_path, settings):
    settings.BYLINE_VAR_DIR = settings.VAR_DIR = tmp_path / "var"
    archive = tmp_path / "site.tar.gz"
    done = backup.create_backup(archive)
    print(f"backup: {done.seconds:.2f} s, {done.size:,} bytes")
    kind = done.manifest["database"]["kind"]
    assert kind == ("pg_dump" if ON_POSTGRES else "sqlite")
    assert done.manifest["counts"]["discussion.Comment"] == 4
    assert done.manifest["counts"]["publishing.Post"] == 2
    assert done.manifest["migrations"]["discussion"] == sorted(
        backup.applied_migrations(connection)["discussion"]
    )
    assert oct(archive.stat().st_mode & 0o777) == "0o600"  # it holds emails and password hashes
    source = export_text()
    with empty_database(tmp_path) as (url, settings_dict):
        output, restored = restore_and_export(tmp_path, url, archive)
        assert "Restored" in output and "4 comments" in output
        assert comparable(restored) == comparable(source)
        check_restored_rows(settings_dict)


def test_an_older_logical_backup_restores_into_sqlite_and_migrates_forward(
    site, tmp_path, settings
):
    """The logical dump (what PostgreSQL falls back to without pg_dump) restores into SQLite
    — across engines on PostgreSQL — from a backup one migration older than this code, which
    the restore then applies. On PostgreSQL, that SQLite site's own snapshot then restores
    into PostgreSQL (the other direction)."""
    settings.BYLINE_VAR_DIR = settings.VAR_DIR = tmp_path / "var"
    made = backup.create_backup(tmp_path / "logical.tar.gz", logical=True)
    assert made.manifest["database"]["kind"] == "json"
    older = "0003_logentry_add_action_flag_choices"

    def before_admin_0003(manifest: dict[str, Any]) -> None:
        manifest["migrations"]["admin"].remove(older)

    archive = rewrite(made.path, tmp_path / "older.tar.gz", manifest_edit=before_admin_0003)
    source = export_text()
    with empty_database(tmp_path, "sqlite") as (url, settings_dict):
        output, restored = restore_and_export(tmp_path, url, archive)
        assert "Applied 1 migrations newer than the backup" in output
        assert comparable(restored) == comparable(source)
        check_restored_rows(settings_dict)
        applied = sqlite3.connect(settings_dict["NAME"]).execute(
            "SELECT name FROM django_migrations WHERE app = 'admin'"
        )
        assert older in {name for (name,) in applied}
        if not ON_POSTGRES:
            return
        snapshot = tmp_path / "from-sqlite.tar.gz"
        made = byline(tmp_path, url, "backup", str(snapshot))
        assert made.returncode == 0, made.stderr
        assert "SQLite snapshot" in made.stdout
    with empty_database(tmp_path) as (url, settings_dict):
        _, restored = restore_and_export(tmp_path, url, snapshot)
        assert comparable(restored) == comparable(source)
        check_restored_rows(settings_dict)


@pytest.mark.skipif(not ON_POSTGRES, reason="pg_dump is for PostgreSQL")
def test_without_pg_dump_postgresql_is_backed_up_as_a_logical_dump(site, tmp_path, monkeypatch):
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    done = backup.create_backup(tmp_path / "site.tar.gz")
    assert done.manifest["database"]["kind"] == "json"
    assert any("pg_dump is not installed" in note for note in done.notes)
    assert backup.verify_backup(done.path)["counts"]["discussion.Comment"] == 4


def test_uploaded_files_under_media_root_travel_in_the_archive(
    transactional_db, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "media" / "2026" / "01").mkdir(parents=True)
    (tmp_path / "media" / "2026" / "01" / "harbor.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    done = backup.create_backup(tmp_path / "site.tar.gz")
    assert done.manifest["media_files"] == 1
    assert "media/2026/01/harbor.jpg" in backup.verify_backup(done.path)["members"]


# -- verify and refusals ----------------------------------------------------------------------


def test_verify_passes_a_sound_backup_and_prints_its_counts(db, tmp_path):
    archive = fake_backup(tmp_path, counts={"publishing.Post": 3, "discussion.Comment": 12})
    out = io.StringIO()
    call_command("backup", "--verify", str(archive), stdout=out)
    assert "is sound: every checksum matches" in out.getvalue()
    assert "3 posts, 12 comments" in out.getvalue()


def flip_a_byte(source: Path, target: Path, where: float) -> Path:
    data = bytearray(source.read_bytes())
    data[int(len(data) * where)] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


@pytest.mark.parametrize("where", [0.3, 0.6, 0.99])
def test_a_flipped_byte_is_refused(db, tmp_path, where):
    archive = flip_a_byte(fake_backup(tmp_path), tmp_path / "flipped.tar.gz", where)
    with pytest.raises(backup.BackupError, match=r"damaged|does not match"):
        backup.verify_backup(archive)
    with pytest.raises(CommandError, match=r"damaged|does not match"):
        call_command("backup", "--verify", str(archive))


def test_damaged_altered_and_foreign_archives_are_refused(db, tmp_path):
    sound = fake_backup(tmp_path)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(sound.read_bytes()[: sound.stat().st_size // 2])
    with pytest.raises(backup.BackupError, match="damaged or incomplete"):
        backup.verify_backup(cut)
    altered = rewrite(
        sound, tmp_path / "altered.tar.gz", member_edit=lambda n, d: d[::-1], checksums=False
    )
    with pytest.raises(backup.BackupError, match="does not match the checksum"):
        backup.verify_backup(altered)
    (tmp_path / "notes.txt").write_text("not a backup at all\n" * 100)
    with pytest.raises(backup.BackupError, match=r"damaged|not a Byline backup"):
        backup.verify_backup(tmp_path / "notes.txt")
    newer_format = fake_backup(tmp_path, format_version=backup.FORMAT_VERSION + 1)
    with pytest.raises(backup.BackupError, match="written by a newer Byline"):
        backup.verify_backup(newer_format)


def test_a_backup_from_a_newer_schema_is_refused_with_the_migrations_named(db, tmp_path):
    migrations = backup.applied_migrations(connection)
    migrations["publishing"] = [*migrations["publishing"], "9999_from_the_future"]
    archive = fake_backup(tmp_path, migrations=migrations, byline_version="9.0")
    message = "made by a newer version of Byline \\(9.0\\).*publishing.9999_from_the_future"
    with pytest.raises(backup.BackupError, match=message):
        backup.verify_backup(archive)
    with pytest.raises(CommandError, match=message + ".*Nothing was restored"):
        call_command("restore", str(archive))


def test_restore_refuses_before_touching_anything(db, tmp_path, settings):
    settings.BYLINE_VAR_DIR = settings.VAR_DIR = tmp_path / "var"
    flipped = flip_a_byte(fake_backup(tmp_path), tmp_path / "flipped.tar.gz", 0.5)
    with pytest.raises(CommandError, match=r"(damaged|does not match).*Nothing was restored"):
        call_command("restore", str(flipped))
    if not ON_POSTGRES:
        with pytest.raises(CommandError, match="restores only into PostgreSQL"):
            call_command("restore", str(fake_backup(tmp_path, kind="pg_dump")))
    assert User.objects.count() == 0 and connection.introspection.table_names()
    User.objects.create_user("someone")
    with pytest.raises(CommandError, match=r"This site is not empty \(it has 1 accounts\)"):
        call_command("restore", str(fake_backup(tmp_path)))
    assert backup.site_contents() == {"accounts": 1}


def test_argument_errors_are_plain(db, tmp_path):
    with pytest.raises(CommandError, match="the following arguments are required: file"):
        call_command("backup")
    with pytest.raises(CommandError, match=r"The folder .*nowhere does not exist"):
        call_command("backup", str(tmp_path / "nowhere" / "site.tar.gz"))
    (tmp_path / "taken.tar.gz").write_text("")
    with pytest.raises(CommandError, match="already exists; a backup never overwrites"):
        call_command("backup", str(tmp_path / "taken.tar.gz"))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", "--verify", str(tmp_path / "missing.tar.gz"))
    with pytest.raises(CommandError, match="is not a file"):
        call_command("backup", "--verify", str(tmp_path))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("restore", str(tmp_path / "missing.tar.gz"))
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(CommandError, match="Cannot write into"):
            call_command("backup", str(locked / "site.tar.gz"))
