"""Backing up and restoring the whole database and the uploaded files, with a manifest that lets a
restore prove itself.

A backup is ``FILE`` (the database), ``FILE.media.tar`` (every file under ``MEDIA_ROOT``, see
``backup_media``) and ``FILE.manifest.json``: when it was taken, from which database vendor and
Filiform version, the migration state, the row count of every table, each uploaded file's path,
size and sha256, and the size and sha256 of both files. A restore refuses a backup whose
checksums, files or vendor do not match its manifest before it changes anything, and afterwards
counts every table again, compares, and checks that every file a row names is there.

SQLite: the online backup API copies pages while the server keeps running. One read transaction
on the source is held across every step and the row counts, so copy and counts are the same
snapshot (WAL lets writers carry on meanwhile).

PostgreSQL: ``pg_dump --format=custom`` run against a snapshot exported by a REPEATABLE READ
transaction that also counted the rows, so the manifest describes exactly what was dumped. The
restore is ``pg_restore --clean --if-exists --single-transaction``: it drops and recreates the
tables, so the audit log's triggers (which refuse UPDATE, DELETE and TRUNCATE) are not in the way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import django
from django.conf import settings
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from pydantic import BaseModel, ValidationError

from filiform.operations.backup_media import (
    MediaFile,
    media_archive,
    media_archive_path,
    media_files_missing,
    media_stage,
    media_staging_path,
    media_swap,
)

__all__ = [
    "BackupError",
    "BackupManifest",
    "Progress",
    "RestoreReport",
    "TableMismatch",
    "backup_verify",
    "database_backup",
    "database_restore",
    "manifest_path",
]

Progress = Callable[[str, int, int], None]
"""``progress(label, done, total)``; ``total`` is 0 for a step that has no measurable size."""

MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = 2
# Format 1 (before uploaded files were backed up) has no media; such a backup restores the
# database and leaves MEDIA_ROOT as it is.
MANIFEST_FORMATS = (1, 2)
# 16 MiB per step at SQLite's default 4 KiB page: a clinic database copies in a few steps, and a
# large one still reports progress.
SQLITE_PAGES_PER_STEP = 4096
SQLITE_TIMEOUT_SECONDS = 20.0
# libpq connection options Django may carry in OPTIONS, handed to pg_dump/pg_restore as the
# environment variables libpq reads, so nothing secret appears on a command line.
LIBPQ_OPTION_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslpassword": "PGSSLPASSWORD",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message is for the person running it."""


class BackupManifest(BaseModel):
    """What ``FILE.manifest.json`` holds. ``tables`` maps every table to its row count."""

    format: int = MANIFEST_FORMAT
    created_at: dt.datetime
    vendor: str
    database: str
    filiform_version: str
    django_version: str
    migrations: dict[str, str]
    tables: dict[str, int]
    file: str
    size: int
    sha256: str
    # The uploaded files: the archive (None in format 1) and what it must hold.
    media_file: str | None = None
    media_size: int | None = None
    media_sha256: str | None = None
    media: list[MediaFile] = []

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


@dataclass(frozen=True)
class TableMismatch:
    table: str
    expected: int | None  # None: the table is not in the backup
    actual: int | None  # None: the table is missing from the database after the restore


@dataclass(frozen=True)
class RestoreReport:
    manifest: BackupManifest
    tables: int
    rows: int
    mismatches: list[TableMismatch]
    # Migrations this Filiform has that the restored database has not applied yet.
    pending_migrations: list[str]
    # Uploaded files put back (None: the backup holds none, MEDIA_ROOT was left alone), and the
    # files rows name that are not in MEDIA_ROOT after the restore.
    media_files: int | None
    media_missing: list[str]

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.media_missing


class _Cursor(Protocol):
    """The part of a DB-API cursor the counting needs (sqlite3's and Django's both fit)."""

    def execute(self, sql: str, /) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> Any: ...


def _quiet(label: str, done: int, total: int) -> None:
    return None


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + MANIFEST_SUFFIX)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _filiform_version() -> str:
    try:
        return version("filiform")
    except PackageNotFoundError:
        return "unknown"


def _count_rows(
    cursor: _Cursor, tables: list[str], quote_name: Callable[[str], str]
) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        # Table names come from the database's own catalogue and are quoted.
        cursor.execute(f"SELECT COUNT(*) FROM {quote_name(table)}")  # noqa: S608
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _migration_state(cursor: _Cursor, tables: list[str]) -> dict[str, str]:
    """The latest applied migration of each app (by when it was applied)."""
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY applied, id")
    latest = {str(app): str(name) for app, name in cursor.fetchall()}
    return dict(sorted(latest.items()))


def _create_private(path: Path) -> None:
    """Create an empty file only its owner can read: a backup is the whole health record."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def database_backup(
    *, path: Path | str, overwrite: bool = False, progress: Progress | None = None
) -> BackupManifest:
    """Back up the database Django is connected to into ``path``, ``MEDIA_ROOT`` into
    ``path.media.tar``, and write the manifest.

    The files are written under temporary names and renamed when complete (the manifest last),
    so ``path`` never holds a half-written backup.
    """
    path = Path(path)
    report = progress or _quiet
    if path.exists() and not overwrite:
        raise BackupError(f"{path} already exists; choose a new name (or pass --overwrite).")
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist.")
    partial = path.with_name(path.name + ".partial")
    media_partial = media_archive_path(partial)
    partial.unlink(missing_ok=True)
    media_partial.unlink(missing_ok=True)
    _create_private(partial)
    try:
        if connection.vendor == "sqlite":
            migrations, tables = _sqlite_backup(partial, report)
        elif connection.vendor == "postgresql":
            migrations, tables = _postgres_backup(partial, report)
        else:
            raise BackupError(f"backups of {connection.vendor} databases are not supported.")
        # After the database: every file its snapshot names is on disk by now (backup_media).
        report("archiving uploaded files", 0, 0)
        _create_private(media_partial)
        media = media_archive(root=Path(settings.MEDIA_ROOT), archive=media_partial)
        report("checksum", 0, 0)
        manifest = BackupManifest(
            created_at=dt.datetime.now(tz=dt.UTC),
            vendor=connection.vendor,
            database=str(connection.settings_dict["NAME"]),
            filiform_version=_filiform_version(),
            django_version=django.get_version(),
            migrations=migrations,
            tables=tables,
            file=path.name,
            size=partial.stat().st_size,
            sha256=_sha256(partial),
            media_file=media_archive_path(path).name,
            media_size=media_partial.stat().st_size,
            media_sha256=_sha256(media_partial),
            media=media,
        )
        manifest_partial = manifest_path(partial)
        manifest_partial.write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
        os.replace(partial, path)
        os.replace(media_partial, media_archive_path(path))
        os.replace(manifest_partial, manifest_path(path))
    except BaseException:
        for leftover in (partial, media_partial, manifest_path(partial)):
            leftover.unlink(missing_ok=True)
        raise
    return manifest


def _sqlite_progress(report: Progress) -> Callable[[int, int, int], None]:
    def step(status: int, remaining: int, total: int) -> None:
        report("copying pages", total - remaining, total)

    return step


def _sqlite_backup(target_path: Path, report: Progress) -> tuple[dict[str, str], dict[str, int]]:
    with connection.cursor() as cursor:
        table_names = connection.introspection.table_names(cursor)
    # Django opens SQLite with uri=True too, so NAME may be a plain path or a file: URI.
    source = sqlite3.connect(
        str(connection.settings_dict["NAME"]),
        uri=True,
        timeout=SQLITE_TIMEOUT_SECONDS,
        isolation_level=None,
    )
    try:
        # A read transaction held across the counts and every backup step: they all see one
        # snapshot, and the backup does not restart when the running server commits meanwhile.
        source.execute("BEGIN DEFERRED")
        source.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        report(f"counting rows in {len(table_names)} tables", 0, 0)
        tables = _count_rows(source.cursor(), table_names, connection.ops.quote_name)
        migrations = _migration_state(source.cursor(), table_names)
        target = sqlite3.connect(target_path, isolation_level=None)
        try:
            source.backup(target, pages=SQLITE_PAGES_PER_STEP, progress=_sqlite_progress(report))
            # The copy carries the live database's WAL flag; a backup should be one plain file.
            target.execute("PRAGMA journal_mode=DELETE").fetchone()
            report("checking the copy", 0, 0)
            (verdict,) = target.execute("PRAGMA quick_check").fetchone()
            if verdict != "ok":
                raise BackupError(f"the copy failed SQLite's quick_check: {verdict}")
        finally:
            target.close()
        source.execute("ROLLBACK")
    finally:
        source.close()
    return migrations, tables


def _pg_command(program: str) -> tuple[str, list[str], dict[str, str]]:
    """The program's path, its connection arguments, and an environment carrying the secrets."""
    binary = shutil.which(program)
    if binary is None:
        raise BackupError(
            f"{program} was not found on PATH; install the PostgreSQL client tools of the "
            "server's major version (e.g. postgresql-client-15) or add their bin folder to PATH."
        )
    settings = connection.settings_dict
    args = ["--no-password"]
    if settings["HOST"]:
        args += ["--host", str(settings["HOST"])]
    if settings["PORT"]:
        args += ["--port", str(settings["PORT"])]
    if settings["USER"]:
        args += ["--username", str(settings["USER"])]
    if settings["NAME"]:
        args += ["--dbname", str(settings["NAME"])]
    env = dict(os.environ)
    if settings["PASSWORD"]:
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    options: Mapping[str, Any] = settings["OPTIONS"]
    for option, variable in LIBPQ_OPTION_ENV.items():
        if options.get(option) is not None:
            env[variable] = str(options[option])
    return binary, args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        name = Path(command[0]).name
        raise BackupError(f"{name} failed (exit {done.returncode}): {done.stderr.strip()}")


def _postgres_backup(target_path: Path, report: Progress) -> tuple[dict[str, str], dict[str, int]]:
    pg_dump, args, env = _pg_command("pg_dump")
    snapshot = connection.copy()
    try:
        with snapshot.cursor() as cursor:
            # The exported snapshot is valid while this transaction is open: pg_dump reads
            # exactly what the counts below read.
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = str(cursor.fetchone()[0])
            table_names = snapshot.introspection.table_names(cursor)
            report(f"counting rows in {len(table_names)} tables", 0, 0)
            tables = _count_rows(cursor, table_names, snapshot.ops.quote_name)
            migrations = _migration_state(cursor, table_names)
            report("pg_dump", 0, 0)
            command = [pg_dump, "--format=custom", "--file", str(target_path)]
            _run([*command, f"--snapshot={snapshot_id}", *args], env)
            cursor.execute("ROLLBACK")
    finally:
        snapshot.close()
    return migrations, tables


def backup_verify(*, path: Path | str) -> BackupManifest:
    """Read ``path``'s manifest and check the file against it and against this database."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"there is no backup file at {path}.")
    manifest_file = manifest_path(path)
    if not manifest_file.is_file():
        raise BackupError(
            f"{manifest_file} is missing; without it the backup cannot be checked, so it is "
            "not restored."
        )
    try:
        manifest = BackupManifest.model_validate_json(manifest_file.read_bytes())
    except ValidationError as exc:
        raise BackupError(f"{manifest_file} is not a Filiform backup manifest: {exc}") from exc
    if manifest.format not in MANIFEST_FORMATS:
        raise BackupError(
            f"{manifest_file} has manifest format {manifest.format}, which this Filiform does not "
            f"know (it reads {', '.join(map(str, MANIFEST_FORMATS))})."
        )
    _check_sha256(path, manifest.sha256)
    if manifest.media_sha256 is not None:
        media = media_archive_path(path)
        if not media.is_file():
            raise BackupError(
                f"{media} is missing: it holds the backup's uploaded files (certificates). Keep "
                "it with the backup; without it the backup is not restored."
            )
        _check_sha256(media, manifest.media_sha256)
    if manifest.vendor != connection.vendor:
        raise BackupError(
            f"{path} is a {manifest.vendor} backup but this Filiform uses {connection.vendor}; "
            "restore it into a database of the same kind."
        )
    return manifest


def _check_sha256(path: Path, expected: str) -> None:
    actual = _sha256(path)
    if actual != expected:
        raise BackupError(
            f"{path} does not match its manifest (sha256 {actual}, manifest says "
            f"{expected}): the file is damaged or was changed. Refusing to restore it."
        )


def _media_stage(path: Path, manifest: BackupManifest, report: Progress) -> Path | None:
    """The backup's files unpacked and checked beside MEDIA_ROOT (None: it holds none)."""
    if manifest.media_file is None:
        return None
    report(f"checking {len(manifest.media)} uploaded files", 0, 0)
    staging = media_staging_path(Path(settings.MEDIA_ROOT))
    staging.parent.mkdir(parents=True, exist_ok=True)
    problems = media_stage(
        archive=media_archive_path(path), expected=manifest.media, staging=staging
    )
    if problems:
        raise BackupError(
            f"the uploaded files in {media_archive_path(path)} do not match the manifest; "
            "refusing to restore the backup:\n  " + "\n  ".join(problems)
        )
    return staging


def database_restore(*, path: Path | str, progress: Progress | None = None) -> RestoreReport:
    """Overwrite the database Django is connected to with the backup at ``path``, then count.

    The uploaded files are unpacked and checked first, so a backup whose files do not match its
    manifest is refused before the database is touched; they replace ``MEDIA_ROOT`` once the
    database is restored. The caller gets the comparison with the manifest: a non-empty
    ``mismatches`` means the database does not hold what the backup held, and a non-empty
    ``media_missing`` that rows name files that are not there.
    """
    path = Path(path)
    report = progress or _quiet
    report("verifying checksum", 0, 0)
    manifest = backup_verify(path=path)
    staging = _media_stage(path, manifest, report)
    # Nothing of ours may hold the database open while it is replaced underneath.
    connections.close_all()
    try:
        if manifest.vendor == "sqlite":
            _sqlite_restore(path, report)
        else:
            _postgres_restore(path, report)
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    if staging is not None:
        report("putting back uploaded files", 0, 0)
        media_swap(staging=staging, root=Path(settings.MEDIA_ROOT))
    connections.close_all()
    with connection.cursor() as cursor:
        table_names = connection.introspection.table_names(cursor)
        report(f"counting rows in {len(table_names)} tables", 0, 0)
        counts = _count_rows(cursor, table_names, connection.ops.quote_name)
    mismatches = [
        TableMismatch(table, manifest.tables.get(table), counts.get(table))
        for table in sorted(manifest.tables.keys() | counts.keys())
        if manifest.tables.get(table) != counts.get(table)
    ]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return RestoreReport(
        manifest=manifest,
        tables=len(counts),
        rows=sum(counts.values()),
        mismatches=mismatches,
        pending_migrations=[f"{migration.app_label}.{migration.name}" for migration, _ in plan],
        media_files=None if staging is None else len(manifest.media),
        media_missing=media_files_missing(),
    )


def _sqlite_restore(source_path: Path, report: Progress) -> None:
    source = sqlite3.connect(f"file:{quote(str(source_path.resolve()))}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(
            str(connection.settings_dict["NAME"]),
            uri=True,
            timeout=SQLITE_TIMEOUT_SECONDS,
            isolation_level=None,
        )
        try:
            source.backup(target, pages=SQLITE_PAGES_PER_STEP, progress=_sqlite_progress(report))
        finally:
            target.close()
    finally:
        source.close()


def _pg_other_transactions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
            " AND backend_type = 'client backend'"
        )
        busy = int(cursor.fetchone()[0])
    connection.close()
    return busy


def _postgres_restore(source_path: Path, report: Progress) -> None:
    pg_restore, args, env = _pg_command("pg_restore")
    if "--dbname" not in args:
        # Without a database pg_restore would print SQL instead of restoring.
        raise BackupError("the database settings name no database (NAME) to restore into.")
    busy = _pg_other_transactions()
    if busy:
        # pg_restore sets lock_timeout to 0 itself, so DROP TABLE waits for these to finish.
        report(
            f"waiting for {busy} other sessions with open transactions (is the server stopped?)",
            0,
            0,
        )
    report("pg_restore", 0, 0)
    restore = [pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction"]
    _run([*restore, *args, str(source_path)], env)
