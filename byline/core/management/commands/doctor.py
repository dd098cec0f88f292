"""``byline doctor``: what ``/readyz`` reports, plus settings problems in plain words."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.management.base import BaseCommand, CommandError

from byline.core import health


class Command(BaseCommand):
    help = (
        "Check the database, migrations and caches (what /readyz reports) and the settings. "
        "Exit code 1 when something fails or a setting is a problem; warnings do not count."
    )
    # Django's own checks run inside handle(), so that their errors are reported with the rest
    # instead of stopping the command.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        env = "production" if settings.PRODUCTION else "development"
        self.stdout.write(f"Byline doctor ({env}, BYLINE_ENV={settings.BYLINE_ENV})\n")
        report = health.readiness()
        self.stdout.write(f"Readiness (what /readyz answers): {report.status}")
        for check in report.checks:
            self._line(check)
        found = health.settings_problems()
        for message in checks.run_checks(include_deployment_checks=False):
            if message.is_serious():
                found.insert(0, health.Check(message.id or "check", health.PROBLEM, message.msg))
        self.stdout.write("\nSettings:")
        if not found:
            self.stdout.write("  no problems found")
        for check in found:
            self._line(check)
        problems = [c for c in found if c.status == health.PROBLEM]
        if report.status == health.FAIL or problems:
            count = len(problems) + (report.status == health.FAIL)
            raise CommandError(f"{count} thing(s) to fix before this site can serve readers.")
        if report.status == health.OK and not found:
            self.stdout.write("\nNothing to fix.")
        else:
            self.stdout.write("\nWarnings only: the site can serve readers.")

    def _line(self, check: health.Check) -> None:
        style = {
            health.OK: self.style.SUCCESS,
            health.DEGRADED: self.style.WARNING,
            health.WARNING: self.style.WARNING,
        }.get(check.status, self.style.ERROR)
        self.stdout.write(f"  {style(check.status.ljust(8))}  {check.name}: {check.detail}")
        if check.error:
            self.stdout.write(f"            ({check.error})")
