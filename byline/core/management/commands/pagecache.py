"""``byline pagecache clear``: forget every cached page (after editing the database by hand)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from byline.core import pagecache


class Command(BaseCommand):
    help = (
        "Forget every page in the page cache (and the page files for nginx). Changes made "
        "through Byline never need this; a change made to the database by hand does."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["clear"], help="clear: forget every cached page")

    def handle(self, *args: Any, **options: Any) -> None:
        # With the tokens gone, the copies app processes keep in memory are stale too.
        pagecache.clear()
        where = "Redis" if settings.REDIS_URL else settings.CACHES["shared"]["LOCATION"]
        self.stdout.write(f"Forgot every cached page ({where}).")
