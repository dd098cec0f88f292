"""``byline import wordpress|disqus|isso|remark42 FILE``: bring an archive in, with a progress
bar."""

from __future__ import annotations

import argparse
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from byline.discussion.models import Comment
from byline.migration.models import ImportRun
from byline.migration.progress import ConsoleProgress
from byline.migration.runs import KINDS, execute
from byline.moderation.screening import screen_comments


class Command(BaseCommand):
    help = (
        "Import a WordPress export (WXR), a Disqus export, an Isso database (comments.db) or a "
        "Remark42 backup (.gz or unzipped). Runs in one transaction: on an error nothing is "
        "imported. Running it again with the same file changes nothing."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("kind", choices=KINDS, help="What made the file.")
        parser.add_argument("file", help="The exported file (or Isso's database).")
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--moderate",
            action="store_true",
            help="After importing, screen the new public comments with the site's bans, word "
            "lists, link limit and classifiers; flagged ones are held for review.",
        )
        # The admin records the run first, then starts this command for it.
        parser.add_argument("--run-id", type=int, help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["run_id"]:
            run = ImportRun.objects.filter(pk=options["run_id"]).first()
            if run is None:
                raise CommandError(f"There is no import run {options['run_id']}.")
        else:
            path = Path(options["file"])
            if not path.is_file():
                raise CommandError(f"{path} is not a file Byline can read.")
            run = ImportRun.objects.create(
                kind=options["kind"], file_name=path.name, file_path=str(path.resolve())
            )
        console = None if options["quiet"] else ConsoleProgress(sys.stderr)
        last_before = Comment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        report = execute(run, console)
        if report is None:
            raise CommandError(run.error)
        self.stdout.write(self.style.SUCCESS(f"Imported {run.file_name}: {report.summary()}"))
        if options["moderate"]:
            imported = Comment.objects.filter(
                pk__gt=last_before, origin_id__isnull=False, status=Comment.Status.PUBLIC
            ).select_related("user")
            result = screen_comments(imported.iterator(chunk_size=2000))
            self.stdout.write(f"Moderation: {result.summary()}.")
        for note in report.notes:
            self.stdout.write(f"  note: {note}")
