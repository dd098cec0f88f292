"""``byline export wordpress|json [-o FILE]``: the whole site, to leave or to keep a copy."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from byline.migration.export import write_json, write_wxr


class Command(BaseCommand):
    help = "Export everything as WordPress WXR 1.2 or as Byline's JSON (docs/export-json.md)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("format", choices=("wordpress", "json"))
        parser.add_argument("-o", "--output", help="File to write (default: standard output).")

    def handle(self, *args: Any, **options: Any) -> None:
        writer = write_wxr if options["format"] == "wordpress" else write_json
        target = options["output"]
        if not target or target == "-":
            writer(sys.stdout)
            return
        path = Path(target)
        if not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist.")
        tmp = path.with_name(path.name + ".partial")
        with tmp.open("w", encoding="utf-8") as out:
            writer(out)
        tmp.replace(path)  # a half-written export never has the final name
        self.stderr.write(f"Wrote {path} ({path.stat().st_size:,} bytes)")
