"""``byline createadmin``: an administrator account with a generated password, printed once."""

from __future__ import annotations

import secrets
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from byline.accounts.models import User


class Command(BaseCommand):
    help = "Create the site administrator and print the login and a generated password."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="admin@localhost")
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="Give an existing account a new generated password.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        if not username or any(c.isspace() for c in username):
            raise CommandError("--username must be one word with no spaces.")
        password = secrets.token_urlsafe(12)
        user = User.objects.filter(username=username).first()
        if user is not None and not options["reset_password"]:
            self.stdout.write(
                f"The administrator '{username}' already exists; its password was printed when "
                "it was created. Run `byline createadmin --reset-password` for a new one."
            )
            return
        if user is None:
            user = User.objects.create_superuser(username, options["email"], password)
            verb = "Created"
        else:
            user.set_password(password)
            user.is_active = user.is_staff = user.is_superuser = True
            user.save()
            verb = "Reset"
        self.stdout.write(
            self.style.SUCCESS(f"{verb} administrator. Sign in at /admin/ with:\n")
            + f"  username: {username}\n  password: {password}"
        )
