"""``filiform backup FILE``: a consistent copy of the database, ``FILE.media.tar`` with the uploaded
files, and ``FILE.manifest.json``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import OperationalError

from filiform.operations.backup import BackupError, Progress, database_backup, manifest_path


def progress_printer(stdout: OutputWrapper, verbosity: int) -> Progress:
    """One line per step; quiet at --verbosity 0."""

    def show(label: str, done: int, total: int) -> None:
        if verbosity < 1:
            return
        if total:
            stdout.write(f"  {label}: {done}/{total} ({100 * done // total}%)")
        else:
            stdout.write(f"  {label}…")

    return show


class Command(BaseCommand):
    help = (
        "Back up the database to FILE (SQLite: online backup; PostgreSQL: pg_dump custom format) "
        "and the uploaded files to FILE.media.tar, and write FILE.manifest.json with row counts, "
        "migration state, every uploaded file's sha256 and both files' sha256."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="Where to write the backup.")
        parser.add_argument(
            "--overwrite", action="store_true", help="Replace FILE if it already exists."
        )

    def handle(
        self, *args: Any, file: Path, overwrite: bool, verbosity: int, **options: Any
    ) -> None:
        if verbosity >= 1:
            self.stdout.write(f"Backing up to {file}")
        try:
            manifest = database_backup(
                path=file, overwrite=overwrite, progress=progress_printer(self.stdout, verbosity)
            )
        except (BackupError, OperationalError) as exc:
            raise CommandError(str(exc)) from exc
        if verbosity < 1:
            return  # quiet for cron: only failures speak
        self.stdout.write(
            self.style.SUCCESS(
                f"backup written: {file} ({manifest.size} bytes, sha256 {manifest.sha256}); "
                f"{manifest_path(file)}: {len(manifest.tables)} tables, {manifest.rows} rows; "
                f"{manifest.media_file}: {len(manifest.media)} uploaded files"
            )
        )
