"""`filiform backup` and `filiform restore` on the database the tests run against (SQLite or
PostgreSQL): round trip, refusals, the manifest, consistency while something keeps writing, and
the uploaded files (certificates) backed up, checked and restored with the rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
from contextlib import closing
from importlib.metadata import version
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client

from filiform.accounts.models import User
from filiform.audit.models import AuditAction, AuditEntry
from filiform.audit.services import audit_record
from filiform.audit.verify import audit_chain_verify
from filiform.clinics.models import Clinic, Membership
from filiform.demo.clinic import DEMO_DOMAIN, demo_build
from filiform.operations import backup as backup_module
from filiform.operations.backup import (
    BackupManifest,
    database_backup,
    database_restore,
    manifest_path,
)
from filiform.patients.models import Patient
from filiform.practitioners.models import NeedlingTraining
from tests.conftest import bearer
from tests.factories import PatientFactory

# The backup reads the database through its own connection (and pg_dump), so the data must be
# committed: transactional tests.
pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n%synthetic test certificate\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Uploaded files of the test's own, away from the folder backups are written to."""
    root = tmp_path_factory.mktemp("data") / "media"
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture(scope="module")
def demo_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo") / "demo.backup"


@pytest.fixture
def clinic_data(demo_snapshot: Path) -> None:
    """The demo clinic and a sign-in in the audit log. Building the demo takes seconds, so the
    first test of the module builds it and backs it up; the others restore that backup."""
    if demo_snapshot.exists():
        restored = database_restore(path=demo_snapshot)
        assert restored.ok, restored.mismatches
        assert not restored.pending_migrations
        return
    demo_build()
    audit_record(action=AuditAction.LOGIN, actor_email="owner@demo.filiform.test")
    database_backup(path=demo_snapshot)


def backup(tmp_path: Path) -> Path:
    path = tmp_path / "filiform.backup"
    call_command("backup", str(path), stdout=StringIO())
    return path


def add_a_patient_after_the_backup() -> Patient:
    patient: Patient = PatientFactory.create(
        clinic=Clinic.objects.get(slug="riverside"), family_name="Afterthebackup"
    )
    return patient


def manifest_of(path: Path) -> BackupManifest:
    return BackupManifest.model_validate_json(manifest_path(path).read_bytes())


def test_restore_brings_back_the_backup_and_checks_every_table(tmp_path, clinic_data) -> None:
    path = backup(tmp_path)
    patients, audit_entries = Patient.objects.count(), AuditEntry.objects.count()
    add_a_patient_after_the_backup()
    audit_record(action=AuditAction.CREATE, object_type="patient", object_id="later")

    out = StringIO()
    call_command("restore", str(path), "--yes", stdout=out)

    assert not Patient.objects.filter(family_name="Afterthebackup").exists()
    assert Patient.objects.count() == patients
    assert AuditEntry.objects.count() == audit_entries
    manifest = manifest_of(path)
    assert f"restore checked: {len(manifest.tables)} tables, {manifest.rows} rows match" in (
        out.getvalue()
    )
    # The audit log came back append-only, with a chain that still verifies and continues.
    with pytest.raises(DatabaseError):
        AuditEntry.objects.update(actor_email="someone-else@clinic.test")
    audit_record(action=AuditAction.LOGIN, actor_email="owner@demo.filiform.test")
    assert audit_chain_verify().ok


def test_the_manifest_describes_the_backup(tmp_path, clinic_data) -> None:
    before = dt.datetime.now(tz=dt.UTC)
    path = backup(tmp_path)

    data = json.loads(manifest_path(path).read_text())
    created = dt.datetime.fromisoformat(data["created_at"])
    assert created.utcoffset() == dt.timedelta(0)
    assert before <= created <= dt.datetime.now(tz=dt.UTC)
    assert data["vendor"] == connection.vendor
    assert data["filiform_version"] == version("filiform")
    assert data["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert data["size"] == path.stat().st_size
    assert data["file"] == path.name
    latest: dict[str, str] = {}
    for migration in MigrationRecorder.Migration.objects.order_by("applied", "id"):
        latest[migration.app] = migration.name
    assert data["migrations"] == latest
    assert data["migrations"]["audit"] == "0003_refuse_replace"
    assert set(data["tables"]) == set(connection.introspection.table_names())
    assert data["tables"]["patients_patient"] == Patient.objects.count() == 58
    # the demo's billing goes through the services, which audit; and the test's own sign-in
    assert data["tables"]["audit_auditentry"] == AuditEntry.objects.count() > 1
    assert oct(path.stat().st_mode & 0o777) == "0o600"  # the whole health record


def test_backup_reports_progress_and_keeps_no_partial_file(
    tmp_path, clinic_data, monkeypatch
) -> None:
    monkeypatch.setattr(backup_module, "SQLITE_PAGES_PER_STEP", 8)  # many steps
    steps: list[str] = []
    path = tmp_path / "progress.backup"
    manifest = database_backup(path=path, progress=lambda label, done, total: steps.append(label))
    assert any(label.startswith("counting rows in ") for label in steps)
    if connection.vendor == "sqlite":
        assert steps.count("copying pages") > 5
    else:
        assert "pg_dump" in steps
    assert manifest.tables["clinics_clinic"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        path.name,
        path.name + ".manifest.json",
        path.name + ".media.tar",
    ]


def test_a_quiet_backup_prints_nothing(tmp_path, clinic_data) -> None:
    out = StringIO()
    call_command("backup", str(tmp_path / "quiet.backup"), verbosity=0, stdout=out)
    assert out.getvalue() == ""
    assert manifest_path(tmp_path / "quiet.backup").is_file()


def test_backup_does_not_overwrite_unless_asked(tmp_path, clinic_data) -> None:
    path = backup(tmp_path)
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(path), stdout=StringIO())
    add_a_patient_after_the_backup()
    call_command("backup", str(path), "--overwrite", stdout=StringIO())
    assert manifest_of(path).tables["patients_patient"] == 59


def test_restore_without_yes_is_refused_and_changes_nothing(tmp_path, clinic_data) -> None:
    path = backup(tmp_path)
    add_a_patient_after_the_backup()
    with pytest.raises(CommandError, match=r"OVERWRITES.*--yes"):
        call_command("restore", str(path), stdout=StringIO())
    assert Patient.objects.filter(family_name="Afterthebackup").exists()


def test_a_changed_backup_file_is_refused(tmp_path, clinic_data) -> None:
    path = backup(tmp_path)
    add_a_patient_after_the_backup()
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    path.write_bytes(bytes(damaged))
    with pytest.raises(CommandError, match="does not match its manifest"):
        call_command("restore", str(path), "--yes", stdout=StringIO())
    assert Patient.objects.filter(family_name="Afterthebackup").exists()


def test_a_backup_without_manifest_is_refused(tmp_path, clinic_data) -> None:
    path = backup(tmp_path)
    manifest_path(path).unlink()
    with pytest.raises(CommandError, match=r"manifest\.json is missing"):
        call_command("restore", str(path), "--yes", stdout=StringIO())


def test_a_backup_from_the_other_vendor_is_refused(tmp_path, clinic_data) -> None:
    path = backup(tmp_path)
    manifest = manifest_of(path)
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    manifest_path(path).write_text(manifest.model_copy(update={"vendor": other}).model_dump_json())
    with pytest.raises(CommandError, match=f"is a {other} backup"):
        call_command("restore", str(path), "--yes", stdout=StringIO())


def test_counts_that_differ_from_the_manifest_fail_the_restore(tmp_path, clinic_data) -> None:
    path = backup(tmp_path)
    manifest = manifest_of(path)
    tables = {**manifest.tables, "patients_patient": 99, "gone_table": 1}
    manifest_path(path).write_text(manifest.model_copy(update={"tables": tables}).model_dump_json())
    err = StringIO()
    with pytest.raises(CommandError, match="2 tables do not match"):
        call_command("restore", str(path), "--yes", stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert any(line.split() == ["patients_patient", "99", "58"] for line in lines)
    assert any(line.split() == ["gone_table", "1", "absent"] for line in lines)


def test_restoring_an_older_database_asks_for_migrate(tmp_path, clinic_data) -> None:
    recorder = MigrationRecorder(connection)
    last = recorder.migration_qs.order_by("-applied", "-id").first()
    assert last is not None
    last.delete()  # as if the backup came from before this migration
    try:
        path = backup(tmp_path)
        out = StringIO()
        call_command("restore", str(path), "--yes", stdout=out)
    finally:
        recorder.record_applied(last.app, last.name)
    assert "restore checked" in out.getvalue()
    assert "1 migration(s) not applied yet. Run `filiform migrate`" in out.getvalue()


def test_the_postgresql_password_stays_off_the_command_line(monkeypatch) -> None:
    for key, value in {
        "NAME": "clinic",
        "USER": "filiform",
        "PASSWORD": "s3cret-pw",
        "HOST": "db.internal",
        "PORT": 5433,
        "OPTIONS": {"sslmode": "verify-full"},
    }.items():
        monkeypatch.setitem(connection.settings_dict, key, value)
    monkeypatch.setattr(backup_module.shutil, "which", lambda program: f"/usr/bin/{program}")
    binary, args, env = backup_module._pg_command("pg_dump")
    assert binary == "/usr/bin/pg_dump"
    assert args == [
        "--no-password",
        "--host",
        "db.internal",
        "--port",
        "5433",
        "--username",
        "filiform",
        "--dbname",
        "clinic",
    ]
    assert env["PGPASSWORD"] == "s3cret-pw"
    assert env["PGSSLMODE"] == "verify-full"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL: see the test below")
def test_counts_match_while_the_server_keeps_writing_sqlite(
    tmp_path, clinic_data, demo_snapshot
) -> None:
    """The in-memory test database cannot show this; the real thing is a WAL file on disk (the
    demo's database, copied from the module's backup)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "FILIFORM_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "filiform.settings",
    }

    def filiform(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "filiform.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    live = tmp_path / "data" / "filiform.sqlite3"
    live.parent.mkdir()
    shutil.copyfile(demo_snapshot, live)  # the demo, migrated (a copy saves building it again)
    with closing(sqlite3.connect(live)) as server:  # in WAL mode, as the server keeps it
        assert server.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    path = tmp_path / "live.backup"
    with writing(lambda n: _heartbeat_sqlite(live, n)):
        filiform("backup", str(path))
    assert not Path(f"{path}-wal").exists()
    with closing(sqlite3.connect(path)) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    backed_up = manifest_of(path).tables["operations_workerheartbeat"]
    with closing(sqlite3.connect(live)) as before:
        written = before.execute("SELECT COUNT(*) FROM operations_workerheartbeat").fetchone()[0]
    assert 0 < backed_up < written  # the writer was busy before, during and after the backup
    assert "restore checked" in filiform("restore", str(path), "--yes")
    with closing(sqlite3.connect(live)) as restored:
        beats = restored.execute("SELECT COUNT(*) FROM operations_workerheartbeat").fetchone()[0]
        assert restored.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert beats == backed_up


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")
def test_counts_match_while_the_server_keeps_writing_postgresql(tmp_path, clinic_data) -> None:
    from filiform.operations.models import WorkerHeartbeat

    def beat(n: int) -> None:
        now = dt.datetime.now(tz=dt.UTC)
        WorkerHeartbeat.objects.create(
            worker_id=f"w{n}", hostname="test", pid=n, started_at=now, beat_at=now
        )

    path = tmp_path / "live.backup"
    with writing(beat):
        database_backup(path=path)
    written = WorkerHeartbeat.objects.count()
    report = database_restore(path=path)
    assert report.ok, report.mismatches
    assert WorkerHeartbeat.objects.count() == manifest_of(path).tables["operations_workerheartbeat"]
    assert written > WorkerHeartbeat.objects.count()  # the writer went on after the snapshot


def _heartbeat_sqlite(live: Path, n: int) -> None:
    with closing(sqlite3.connect(live, timeout=20)) as db, db:
        db.execute(
            "INSERT INTO operations_workerheartbeat (worker_id, hostname, pid, started_at, beat_at)"
            " VALUES (?, 'test', ?, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
            (f"w{n}", n),
        )


class writing:
    """Keep inserting rows from another thread (another connection) while the block runs."""

    def __init__(self, write_one) -> None:
        self.write_one = write_one
        self.written = 0
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.progress = threading.Condition()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                self.write_one(self.written + 1)
                with self.progress:
                    self.written += 1
                    self.progress.notify_all()
        except BaseException as exc:
            self.errors.append(exc)
        finally:
            connections.close_all()
            with self.progress:
                self.progress.notify_all()

    def _wait_for(self, count: int) -> None:
        with self.progress:
            self.progress.wait_for(lambda: self.written >= count or not self.thread.is_alive(), 20)

    def __enter__(self) -> writing:
        self.thread.start()
        self._wait_for(1)  # a row committed before the block starts
        return self

    def __exit__(self, *exc: object) -> None:
        # Two more rows: the second was begun after the block ended, so it cannot be in a
        # snapshot the block took.
        self._wait_for(self.written + 2)
        self.stop.set()
        self.thread.join(20)
        assert not self.errors, self.errors


def upload_a_certificate() -> tuple[Client, str]:
    """The demo's physiotherapist records a course with its certificate; the client and the
    certificate's address."""
    clinic = Clinic.objects.get(slug="riverside")
    physio = User.objects.get(email=f"physio@{DEMO_DOMAIN}")
    member = Membership.objects.get(user=physio, clinic=clinic)
    client = Client()
    client.defaults.update(bearer(physio, clinic))
    certificate = SimpleUploadedFile("course.pdf", PDF, content_type="application/pdf")
    course = {"provider": "kinetacore", "level": "FDN 1", "completed_on": "2022-01-01"}
    response = client.post(
        f"/api/v1/practitioners/{member.pk}/trainings", {**course, "certificate": certificate}
    )
    assert response.status_code == 201, response.content
    return client, response.json()["certificate_url"]


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_restore_brings_the_certificates_back(tmp_path, clinic_data, media_root) -> None:
    client, url = upload_a_certificate()
    (name,) = files_under(media_root)
    path = backup(tmp_path)
    manifest = manifest_of(path)
    assert [f.model_dump() for f in manifest.media] == [
        {"path": name, "size": len(PDF), "sha256": hashlib.sha256(PDF).hexdigest()}
    ]
    with tarfile.open(f"{path}.media.tar") as tar:
        assert tar.getnames() == [name]
    assert (
        manifest.media_sha256 == hashlib.sha256(Path(f"{path}.media.tar").read_bytes()).hexdigest()
    )
    assert oct(Path(f"{path}.media.tar").stat().st_mode & 0o777) == "0o600"
    shutil.rmtree(media_root)  # the disk is lost
    NeedlingTraining.objects.all().delete()

    out = StringIO()
    call_command("restore", str(path), "--yes", stdout=out)

    assert "uploaded files checked: 1 files match the manifest" in out.getvalue()
    assert files_under(media_root) == {name: PDF}
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]


def test_files_uploaded_after_the_backup_go_with_the_rows(tmp_path, clinic_data, media_root):
    path = backup(tmp_path)
    courses = NeedlingTraining.objects.count()
    upload_a_certificate()
    assert files_under(media_root)
    call_command("restore", str(path), "--yes", stdout=StringIO())
    assert files_under(media_root) == {}
    assert NeedlingTraining.objects.count() == courses
    assert sorted(p.name for p in media_root.parent.iterdir()) == ["media"]  # nothing left over


def rewrite_media(path: Path, members: dict[str, bytes]) -> None:
    """Replace the backup's archive with one holding ``members``, and give the manifest the new
    archive's checksum, as if the archive had been built wrongly rather than damaged in transit."""
    archive = Path(f"{path}.media.tar")
    with tarfile.open(archive, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, fileobj=io.BytesIO(data))
    manifest = manifest_of(path)
    fixed = {"media_sha256": hashlib.sha256(archive.read_bytes()).hexdigest()}
    manifest_path(path).write_text(manifest.model_copy(update=fixed).model_dump_json())


@pytest.mark.parametrize(
    ("change", "reported"),
    [
        ("different bytes", r"{name}: 18 bytes, sha256 \w+; the manifest says {size} bytes"),
        ("missing", r"{name}: missing from the archive"),
        ("extra", r"certificates/smuggled\.pdf: in the archive but not in the manifest"),
        ("outside", r"\.\./escape\.pdf: not a plain file"),
    ],
)
def test_an_archive_that_does_not_match_its_list_is_refused_before_anything_changes(
    tmp_path, clinic_data, media_root, change: str, reported: str
) -> None:
    upload_a_certificate()
    (name,) = files_under(media_root)
    path = backup(tmp_path)
    members = {
        "different bytes": {name: b"%PDF-1.4 forged!\n\n"},
        "missing": {},
        "extra": {name: PDF, "certificates/smuggled.pdf": PDF},
        "outside": {name: PDF, "../escape.pdf": PDF},
    }[change]
    rewrite_media(path, members)
    add_a_patient_after_the_backup()
    before = files_under(media_root)

    with pytest.raises(CommandError, match=reported.format(name=re.escape(name), size=len(PDF))):
        call_command("restore", str(path), "--yes", stdout=StringIO())

    assert Patient.objects.filter(family_name="Afterthebackup").exists()
    assert files_under(media_root) == before
    assert sorted(p.name for p in media_root.parent.iterdir()) == ["media"]
    assert not (tmp_path.parent / "escape.pdf").exists()


def test_a_damaged_or_missing_media_archive_is_refused(tmp_path, clinic_data) -> None:
    upload_a_certificate()
    path = backup(tmp_path)
    archive = Path(f"{path}.media.tar")
    damaged = bytearray(archive.read_bytes())
    damaged[700] ^= 0xFF  # inside the certificate's bytes
    archive.write_bytes(bytes(damaged))
    with pytest.raises(CommandError, match=r"media\.tar does not match its manifest"):
        call_command("restore", str(path), "--yes", stdout=StringIO())
    archive.unlink()
    with pytest.raises(CommandError, match=r"media\.tar is missing"):
        call_command("restore", str(path), "--yes", stdout=StringIO())


def test_a_row_naming_a_file_that_is_not_there_fails_the_restore(
    tmp_path, clinic_data, media_root
) -> None:
    upload_a_certificate()
    (name,) = files_under(media_root)
    (media_root / name).unlink()  # lost before the backup was taken
    path = backup(tmp_path)
    err = StringIO()
    with pytest.raises(CommandError, match="1 files named by rows are missing"):
        call_command("restore", str(path), "--yes", stdout=StringIO(), stderr=err)
    assert f"  {name}" in err.getvalue().splitlines()


def test_a_backup_from_before_uploads_were_kept_leaves_the_files_alone(
    tmp_path, clinic_data, media_root
) -> None:
    upload_a_certificate()
    before = files_under(media_root)
    path = backup(tmp_path)
    Path(f"{path}.media.tar").unlink()
    manifest = manifest_of(path)
    old = json.loads(manifest.model_dump_json())
    for key in ("media_file", "media_size", "media_sha256", "media"):
        del old[key]
    manifest_path(path).write_text(json.dumps({**old, "format": 1}))
    out = StringIO()
    call_command("restore", str(path), "--yes", stdout=out)
    assert "holds no uploaded files" in out.getvalue()
    assert files_under(media_root) == before
