"""``byline purge_spam``: delete spam older than the retention period (run it from cron).

    byline purge_spam                       # the site's setting (spam_retention_days)
    byline purge_spam --older-than-days 7
    byline purge_spam --dry-run             # count only; nothing is deleted

The rules (spam with replies stays, the audit row) live in ``actions.purge_spam``; a dry run
runs that very function inside a transaction that is rolled back, so the count it prints is
exactly what a real run would delete.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from byline.moderation import actions
from byline.moderation.models import ModerationSettings


class Command(BaseCommand):
    help = "Delete spam comments older than the retention period (kept if they have replies)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--older-than-days",
            type=int,
            default=None,
            metavar="N",
            help="Delete spam older than N days (default: the site's spam retention setting).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only count what would be deleted; delete nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days: int | None = options["older_than_days"]
        if days is not None and days < 0:
            raise CommandError(
                f"--older-than-days must be 0 or more (you gave {days}): it is how many days "
                "old spam must be before it is deleted."
            )
        shown_days = ModerationSettings.current().spam_retention_days if days is None else days
        try:
            if options["dry_run"]:
                # The real purge, undone: no second copy of its rules to drift out of step.
                with transaction.atomic():
                    count = actions.purge_spam(older_than_days=days)
                    transaction.set_rollback(True)
            else:
                count = actions.purge_spam(older_than_days=days)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        noun = "comment" if count == 1 else "comments"
        age = f"{shown_days} day{'s' if shown_days != 1 else ''}"
        if options["dry_run"]:
            self.stdout.write(
                f"Would delete {count} spam {noun} older than {age} (dry run: nothing was deleted)."
            )
        else:
            self.stdout.write(f"Deleted {count} spam {noun} older than {age}.")
