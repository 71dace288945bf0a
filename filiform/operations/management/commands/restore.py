"""``filiform restore FILE --yes``: replace the database and the uploaded files with a checked
backup, then count rows and look for every file a row names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import OperationalError, connection

from filiform.operations.backup import (
    BackupError,
    RestoreReport,
    backup_verify,
    database_restore,
)
from filiform.operations.management.commands.backup import progress_printer


def _mismatch_table(report: RestoreReport) -> list[str]:
    def shown(count: int | None) -> str:
        return "absent" if count is None else str(count)

    width = max(len("table"), *(len(m.table) for m in report.mismatches))
    lines = [f"  {'table':<{width}}  {'in backup':>10}  {'now':>10}"]
    lines += [
        f"  {m.table:<{width}}  {shown(m.expected):>10}  {shown(m.actual):>10}"
        for m in report.mismatches
    ]
    return lines


class Command(BaseCommand):
    help = (
        "Replace the whole database and the uploaded files with the backup in FILE (checked "
        "against FILE.manifest.json first), then compare every table's row count with the "
        "manifest. Requires --yes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A backup written by `filiform backup`.")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Confirm that the current database is to be overwritten.",
        )

    def handle(self, *args: Any, file: Path, yes: bool, verbosity: int, **options: Any) -> None:
        try:
            manifest = backup_verify(path=file)
            if not yes:
                raise CommandError(
                    f"{file} checks out (taken {manifest.created_at:%Y-%m-%d %H:%M} UTC, "
                    f"{manifest.rows} rows), but restoring it OVERWRITES the whole "
                    f"{connection.vendor} database {connection.settings_dict['NAME']}: "
                    "everything written since the backup is lost. Stop `filiform serve` and the "
                    "worker, then run again with --yes."
                )
            self.stdout.write(f"Restoring {file} (taken {manifest.created_at:%Y-%m-%d %H:%M} UTC)")
            report = database_restore(path=file, progress=progress_printer(self.stdout, verbosity))
        except (BackupError, OperationalError) as exc:
            raise CommandError(str(exc)) from exc
        if report.mismatches:
            self.stderr.write("Row counts that differ from the backup's manifest:")
            for line in _mismatch_table(report):
                self.stderr.write(line)
        if report.media_missing:
            self.stderr.write("Files that rows name but that are not in the uploaded files:")
            for name in report.media_missing:
                self.stderr.write(f"  {name}")
        if not report.ok:
            raise CommandError(
                f"restore check failed: {len(report.mismatches)} tables do not match the "
                f"manifest, {len(report.media_missing)} files named by rows are missing."
            )
        self.stdout.write(
            self.style.SUCCESS(f"restore checked: {report.tables} tables, {report.rows} rows match")
        )
        if report.media_files is None:
            self.stdout.write(
                self.style.WARNING(
                    "This backup predates backed-up uploads: it holds no uploaded files, so "
                    "the uploaded files (MEDIA_ROOT) were left as they were."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"uploaded files checked: {report.media_files} files match the manifest"
                )
            )
        if report.pending_migrations:
            self.stdout.write(
                self.style.WARNING(
                    f"The backup (taken by Filiform {report.manifest.filiform_version}) is "
                    "older than this installation: "
                    f"{len(report.pending_migrations)} migration(s) not applied yet. "
                    "Run `filiform migrate` before starting the server."
                )
            )
