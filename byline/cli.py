"""The ``byline`` command: Byline's own operator commands plus every Django management command.

``byline serve``, ``byline demo`` and ``byline createadmin`` are management commands of the
``core`` and ``demo`` apps, so ``byline migrate``, ``byline check --deploy`` and friends all go
through the same door.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``byline`` console script."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "byline.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    args = ["byline", *(sys.argv[1:] if argv is None else argv)]
    try:
        execute_from_command_line(args)
    except ImproperlyConfigured as exc:
        # A configuration mistake deserves one clear line, not a traceback.
        print(f"byline: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
