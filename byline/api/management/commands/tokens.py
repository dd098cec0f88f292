"""``byline tokens``: personal access tokens for the JSON API (docs/api.md).

    byline tokens create --user USERNAME --name NAME [--scope comments:write --scope moderate …]
    byline tokens list [--user USERNAME] [--all]
    byline tokens revoke ID

``create`` prints the secret once (only its SHA-256 is kept). ``list`` shows active tokens
(``--all``: revoked ones too). ``revoke`` ends a token at once.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from byline.accounts.models import User
from byline.api import tokens
from byline.api.models import AccessToken, Scope


class Command(BaseCommand):
    help = "Create, list or revoke JSON API access tokens."

    def add_arguments(self, parser: ArgumentParser) -> None:
        assert isinstance(parser, CommandParser)
        sub = parser.add_subparsers(dest="subcommand", metavar="create|list|revoke", required=True)
        create = sub.add_parser("create", help="A new token; its secret is printed once.")
        create.add_argument("--user", required=True, help="The account it acts as (username).")
        create.add_argument("--name", required=True, help="What it is for.")
        create.add_argument(
            "--scope",
            action="append",
            default=[],
            choices=Scope.values,
            help="Repeat for several. None: read only.",
        )
        listing = sub.add_parser("list", help="Active tokens.")
        listing.add_argument("--user", default=None, help="Only this account's.")
        listing.add_argument("--all", action="store_true", help="Include revoked tokens.")
        revoke = sub.add_parser("revoke", help="End a token now.")
        revoke.add_argument("id", type=int, help="The token's id (see `byline tokens list`).")

    def handle(self, *args: Any, **options: Any) -> None:
        command = options["subcommand"]
        if command == "create":
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"There is no account {options['user']!r}.")
            try:
                token, secret = tokens.create(user, options["name"], options["scope"])
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            self.stdout.write(
                f"Token {token.pk} “{token.name}” for {user.username}, scopes: "
                f"{', '.join(token.scopes) or '(read only)'}.\n"
                "Its secret, shown only now:\n"
            )
            self.stdout.write(secret)
        elif command == "list":
            found = AccessToken.objects.select_related("user").order_by("pk")
            if not options["all"]:
                found = found.filter(revoked_at__isnull=True)
            if options["user"]:
                found = found.filter(user__username=options["user"])
            for token in found:
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
                self.stdout.write(
                    f"{token.pk}\t{token.prefix}…\t{token.user.username}\t{token.name}\t"
                    f"{','.join(token.scopes) or '-'}\tlast used {used}\t{state}"
                )
        else:
            chosen = AccessToken.objects.filter(pk=options["id"]).first()
            if chosen is None:
                raise CommandError(f"There is no token {options['id']}.")
            was_active = chosen.revoked_at is None
            tokens.revoke(chosen)
            self.stdout.write(
                f"Revoked token {chosen.pk} “{chosen.name}”."
                if was_active
                else f"Token {chosen.pk} was already revoked."
            )
