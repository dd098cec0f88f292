"""``byline serve``: the production server (granian) with whitenoise for static files.

Why granian, and one Python thread per worker: measured with ``bench/http`` against gunicorn
(gthread and sync workers) and uvicorn on the same site (docs/deployment.md has the table).
granian handles connections and slow clients in Rust, so a cached page costs Python almost
nothing; one request at a time per worker avoids threads fighting over the GIL and over
SQLite's write lock, which made gthread's comment POST p99 several hundred milliseconds.
"""

from __future__ import annotations

import os
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from byline.core.env import env_bool


class Command(BaseCommand):
    help = "Serve Byline with granian (production-grade; static files via whitenoise)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=os.environ.get("BYLINE_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", "2")),
            help="Worker processes (default: WEB_CONCURRENCY or 2).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=1,
            help="Requests each worker runs at once (default 1: measured fastest; raise it if "
            "some requests are slow, e.g. moderators retraining the classifiers).",
        )
        parser.add_argument(
            "--access-log",
            action="store_true",
            default=env_bool("BYLINE_ACCESS_LOG", False),
            help="Log every request to standard output (default: BYLINE_ACCESS_LOG or off; the "
            "proxy in front usually logs them).",
        )
        parser.add_argument(
            "--no-migrate", action="store_true", help="Do not apply pending migrations first."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        port = options["port"]
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535; it is {port}.")
        if options["workers"] < 1 or options["threads"] < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        if settings.PRODUCTION:
            call_command("collectstatic", interactive=False, verbosity=0)
        bind = (
            f"[{options['host']}]:{port}" if ":" in options["host"] else f"{options['host']}:{port}"
        )
        self.stdout.write(f"Byline is serving on http://{bind}/ (Ctrl+C stops it)")
        argv = [
            sys.executable, "-m", "granian", "byline.wsgi:application",
            "--interface", "wsgi",
            "--host", options["host"],
            "--port", str(port),
            "--workers", str(options["workers"]),
            "--blocking-threads", str(options["threads"]),
            "--no-ws",
            "--respawn-failed-workers",
            "--access-log" if options["access_log"] else "--no-access-log",
        ]  # fmt: skip
        sys.stdout.flush()
        os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with granian
