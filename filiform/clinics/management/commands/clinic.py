from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from filiform.clinics.models import Province
from filiform.clinics.setup import clinic_create


class Command(BaseCommand):
    help = (
        "Clinics on this server. `clinic create --name NAME --province ON --time-zone "
        "America/Toronto --owner-email EMAIL` creates a clinic and e-mails its first owner an "
        "invitation (the worker sends it)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a clinic and invite its first owner")
        create.add_argument("--name", required=True, help="the clinic's name")
        create.add_argument(
            "--province", required=True, help=f"where it is: {', '.join(Province.values)}"
        )
        create.add_argument(
            "--time-zone", required=True, help="its IANA time zone, e.g. America/Toronto"
        )
        create.add_argument("--owner-email", required=True, help="the first owner's e-mail")
        create.add_argument("--owner-first-name", default="", help="for a new account")
        create.add_argument("--owner-last-name", default="", help="for a new account")
        create.add_argument(
            "--slug", default="", help="short name in addresses (default: from the name)"
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            made = clinic_create(
                name=options["name"],
                province=options["province"],
                time_zone=options["time_zone"],
                owner_email=options["owner_email"],
                slug=options["slug"],
                owner_first_name=options["owner_first_name"],
                owner_last_name=options["owner_last_name"],
            )
        except ValidationError as error:
            problems = [
                f"{field.replace('_', ' ')}: {message}"
                for field, messages in error.message_dict.items()
                for message in messages
            ]
            raise CommandError("The clinic was not created. " + " ".join(problems)) from error
        who = "a new account" if made.new_account else "an existing account"
        self.stdout.write(
            f"Created {made.clinic.name} (/c/{made.clinic.slug}/). {made.owner.user.email} "
            f"({who}) is its owner; the invitation e-mail is queued for the worker."
        )
