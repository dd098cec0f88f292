"""``byline backup FILE`` and ``byline backup --verify FILE`` (docs/operations.md)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from byline.core.backup import (
    KINDS,
    BackupError,
    create_backup,
    engine_name,
    summary,
    verify_backup,
)


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the whole site (database, uploaded files, a manifest "
        "with counts and checksums) to FILE while the site runs; or, with --verify, check one."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="The archive to write (never overwritten), or to check.")
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Check FILE instead: every checksum, the manifest, and that this version can "
            "restore it. Exit code 0 if sound, 1 if not.",
        )
        parser.add_argument(
            "--logical",
            action="store_true",
            help="Write the database as a logical JSON dump, which restores into SQLite or "
            "PostgreSQL alike (default: SQLite's snapshot, or pg_dump on PostgreSQL).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            if options["verify"]:
                manifest = verify_backup(path)
                database = manifest["database"]
                self.stdout.write(
                    f"{path} is sound: every checksum matches and this version of Byline "
                    f"knows its schema. Made {manifest.get('created_at')} by Byline "
                    f"{manifest.get('byline_version')}: {KINDS[database['kind']]} of "
                    f"{engine_name(database.get('engine', '?'))} "
                    f"{database.get('engine_version', '')}.\n"
                    f"  {summary(manifest['counts'])}; "
                    f"{manifest.get('media_files', 0)} uploaded files."
                )
                return
            done = create_backup(path, logical=options["logical"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = done.manifest
        for note in done.notes:
            self.stderr.write(note)
        self.stdout.write(
            f"Wrote {done.path} ({done.size:,} bytes; the database as a "
            f"{KINDS[manifest['database']['kind']]}; {done.seconds:.1f} s).\n"
            f"  {summary(manifest['counts'])}; "
            f"{manifest['media_files']} uploaded files."
        )
