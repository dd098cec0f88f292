"""``byline restore FILE``: a backup into an empty site (docs/operations.md)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from byline.core.backup import KINDS, BackupError, engine_name, restore_backup, summary


class Command(BaseCommand):
    help = (
        "Restore a backup made by `byline backup` into this site, which must be empty (a new "
        "database). Checks every checksum first; refuses a backup from a newer Byline. Stop "
        "the app processes first."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="The backup archive to restore.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            done = restore_backup(options["file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        manifest = done.manifest
        self.stdout.write(
            f"Restored {done.path} (made {manifest.get('created_at')} by Byline "
            f"{manifest.get('byline_version')}: {KINDS[manifest['database']['kind']]} of "
            f"{engine_name(manifest['database']['engine'])}) in "
            f"{done.seconds:.1f} s.\n  {summary(manifest['counts'])}."
        )
        for note in done.notes:
            self.stdout.write(f"  {note}")
        self.stdout.write("  Cleared the page cache.")
