from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from filiform.demo.clinic import DEMO_PASSWORD, demo_build


class Command(BaseCommand):
    help = "Create the demo clinics with synthetic staff and patients (--reset to start over)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="Remove the demo clinics first.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, reset: bool, seed: int, **options: Any) -> None:
        def progress(label: str, done: int, total: int) -> None:
            self.stdout.write(f"  {label}: {done}/{total}")

        result = demo_build(reset=reset, seed=seed, progress=progress)
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(f"Demo clinic ready with {result.patients} synthetic patients.")
            )
        else:
            self.stdout.write("Demo clinic already present (use --reset to rebuild it).")
        self.stdout.write("")
        self.stdout.write(
            f"Open {settings.SITE_URL}/ and sign in as (password for all: {DEMO_PASSWORD}):"
        )
        for person in result.staff:
            self.stdout.write(f"  {person.email:<34} {person.role.label:<16} {person.note}")
        if result.notes:
            self.stdout.write("")
            self.stdout.write(
                "Patients to try at Riverside (sign in as physio@ for the full panel):"
            )
            for note in result.notes:
                self.stdout.write(f"  {note}")
