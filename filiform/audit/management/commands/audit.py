from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from filiform.audit.checkpoints import CheckpointUnreadable, checkpoint_file, checkpoint_parse
from filiform.audit.services import AuditCheckpointRefused, audit_checkpoint_write
from filiform.audit.verify import ChainBreak, audit_chain_verify


def _describe(problem: ChainBreak) -> str:
    where = f"entry #{problem.seq}" if problem.seq is not None else "the log's protection"
    return f"{where} ({problem.kind}): {problem.message}"


class Command(BaseCommand):
    help = (
        "Audit log tools. `audit verify` checks the hash chain, the signed checkpoints and the "
        "triggers, and names every problem; `audit checkpoint` signs the chain's head now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="check every entry, checkpoint and trigger")
        verify.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="LINE",
            help="also check against this checkpoint line (as e-mailed to the owners)",
        )
        checkpoint = sub.add_parser("checkpoint", help="sign the chain's head and append it")
        checkpoint.add_argument(
            "--after-restore",
            action="store_true",
            help="record that a restore from backup took the log back to its present head",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "checkpoint":
            self._checkpoint(after_restore=options["after_restore"])
        else:
            self._verify(lines=options["checkpoint"])

    def _checkpoint(self, *, after_restore: bool) -> None:
        try:
            written = audit_checkpoint_write(kind="restore" if after_restore else "checkpoint")
        except AuditCheckpointRefused as refused:
            raise CommandError(
                "No checkpoint written: the audit log does not verify. "
                + " ".join(_describe(problem) for problem in refused.report.problems)
            ) from refused
        self.stdout.write(
            self.style.SUCCESS(f"Checkpoint written to {checkpoint_file()}: entry #{written.seq}.")
        )
        self.stdout.write(written.line())

    def _verify(self, *, lines: list[str]) -> None:
        def progress(done: int) -> None:
            self.stdout.write(f"  checked {done} entries…")

        try:
            extra = [checkpoint_parse(line) for line in lines]
        except CheckpointUnreadable as error:
            raise CommandError(str(error)) from error
        report = audit_chain_verify(progress=progress, extra_checkpoints=extra)
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"Warning: {warning}."))
        if report.problem is not None:
            problem = report.problem
            first = (
                f"Audit log broken at entry #{problem.seq} ({problem.kind}): {problem.message}. "
                f"{report.checked} entries before it are intact."
                if problem.seq is not None and problem.kind != "unprotected"
                else f"Audit log {problem.kind}: {problem.message}."
            )
            more = [f"Also: {_describe(other)}." for other in report.problems[1:]]
            raise CommandError(" ".join([first, *more]))
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit log intact: {report.checked} entries, chain unbroken, "
                f"{report.checkpoints} signed checkpoints hold, triggers in force."
            )
        )
