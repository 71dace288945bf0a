from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from filiform.accounts.models import User
from filiform.accounts.services import api_token_create
from filiform.clinics.access import ClinicNotFound


class Command(BaseCommand):
    help = "API tokens. `token create --user EMAIL --clinic SLUG [--name NAME]` prints a new token once."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token for a user in a clinic")
        create.add_argument("--user", required=True, help="the user's e-mail address")
        create.add_argument("--clinic", required=True, help="the clinic's short name (slug)")
        create.add_argument("--name", default="command line", help="what the token is for")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["user"].strip()).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user with the e-mail {options['user']!r}.")
        try:
            issued = api_token_create(
                user=user, clinic_slug=options["clinic"], name=options["name"]
            )
        except ClinicNotFound as error:
            raise CommandError(
                f"{user.email} is not an active member of a clinic called {options['clinic']!r}."
            ) from error
        self.stderr.write(
            f"Token for {user.email} at {issued.token.clinic.slug} (shown once; store it safely):"
        )
        self.stdout.write(issued.key)
