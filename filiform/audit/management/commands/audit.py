from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from filiform.audit.verify import audit_chain_verify


class Command(BaseCommand):
    help = "Audit log tools. `audit verify` checks the hash chain and names the first broken entry."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="check every entry's hash and link")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        def progress(done: int) -> None:
            self.stdout.write(f"  checked {done} entries…")

        report = audit_chain_verify(progress=progress)
        if report.problem is not None:
            raise CommandError(
                f"Audit log broken at entry #{report.problem.seq} ({report.problem.kind}): "
                f"{report.problem.message}. {report.checked} entries before it are intact."
            )
        self.stdout.write(
            self.style.SUCCESS(f"Audit log intact: {report.checked} entries, chain unbroken.")
        )
