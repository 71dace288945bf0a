"""The audit log is append-only and hash-chained; `filiform audit verify` finds tampering."""

from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filiform.audit.models import GENESIS_HASH, AuditAction, AuditEntry
from filiform.audit.services import audit_record
from filiform.audit.verify import audit_chain_verify

pytestmark = pytest.mark.django_db


def _write(n: int) -> list[AuditEntry]:
    return [
        audit_record(action=AuditAction.READ, object_type="patient", object_id=i, patient_id=i)
        for i in range(n)
    ]


@contextmanager
def triggers_off():
    """What an attacker with database access would do first."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute("DROP TRIGGER audit_entry_no_delete")
    yield connection.cursor()


def test_entries_link_into_a_chain() -> None:
    entries = _write(3)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS_HASH
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    assert all(AuditEntry.objects.get(seq=e.seq).compute_hash() == e.hash for e in entries)
    report = audit_chain_verify()
    assert report.ok
    assert report.checked == 3


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditentry SET actor_email = 'x' WHERE seq = 1",
        "DELETE FROM audit_auditentry WHERE seq = 1",
    ],
)
def test_database_refuses_changes(statement: str) -> None:
    _write(1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEntry.objects.filter(seq=1, actor_email="").exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="REPLACE is SQLite's")
@pytest.mark.parametrize("verb", ["INSERT OR REPLACE", "REPLACE"])
@pytest.mark.parametrize("clash", ["id", "seq"])
def test_sqlite_refuses_replace(verb: str, clash: str) -> None:
    """REPLACE deletes the clashing row without firing the DELETE trigger (recursive_triggers is
    off), so without the INSERT trigger it rewrites an entry in place."""
    entry = _write(3)[1]
    columns = [f.column for f in AuditEntry._meta.concrete_fields]
    values = [
        "'forged@clinic.test'"
        if column == "actor_email"
        else ("id + 100" if column == "id" and clash == "seq" else column)
        for column in columns
    ]
    # column names from the model, no outside input
    statement = (
        f"{verb} INTO audit_auditentry ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM audit_auditentry WHERE seq = 2"
    )
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEntry.objects.get(seq=2).actor_email == entry.actor_email == ""
    assert audit_chain_verify().ok


def test_the_orm_cannot_change_an_entry_either() -> None:
    entry = _write(1)[0]
    entry.object_id = "999"
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.save()


def test_edited_entry_is_found() -> None:
    _write(5)
    with triggers_off() as cursor:
        cursor.execute("UPDATE audit_auditentry SET object_id = '77' WHERE seq = 3")
    report = audit_chain_verify()
    assert report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (3, "edited")
    assert report.checked == 2


def test_deleted_entry_is_found() -> None:
    _write(5)
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = 2")
    report = audit_chain_verify()
    assert report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (3, "deleted")
    assert "#2" in report.problem.message


def test_deleted_last_entry_is_found() -> None:
    _write(4)
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = 4")
    report = audit_chain_verify()
    assert report.problem is not None
    assert report.problem.kind == "deleted"


def test_inserted_entry_is_found() -> None:
    entries = _write(3)
    # A forged entry squeezed in as #2: it must re-number the rest, which breaks the links.
    with triggers_off() as cursor:
        cursor.execute("UPDATE audit_auditentry SET seq = seq + 10 WHERE seq >= 2")
        forged = AuditEntry(
            seq=2,
            at=entries[1].at,
            action=AuditAction.READ,
            object_type="patient",
            object_id="5",
            prev_hash=entries[0].hash,
        )
        forged.hash = forged.compute_hash()
        forged.save(force_insert=True)
        cursor.execute("UPDATE audit_auditentry SET seq = seq - 9 WHERE seq >= 12")
    report = audit_chain_verify()
    assert report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (2, "inserted")


def test_appended_forgery_is_found() -> None:
    entries = _write(2)
    forged = AuditEntry(
        seq=3,
        at=entries[1].at,
        action=AuditAction.READ,
        object_type="patient",
        object_id="5",
        prev_hash=entries[1].hash,
    )
    forged.hash = forged.compute_hash()
    forged.save(force_insert=True)  # inserts are allowed by the triggers; the head row says 2
    report = audit_chain_verify()
    assert report.problem is not None
    assert (report.problem.seq, report.problem.kind) == (3, "inserted")


def test_verify_command_reports_ok_and_broken(capsys) -> None:
    _write(3)
    call_command("audit", "verify")
    assert "Audit log intact: 3 entries" in capsys.readouterr().out
    with triggers_off() as cursor:
        cursor.execute("UPDATE audit_auditentry SET ip = '10.0.0.9' WHERE seq = 2")
    with pytest.raises(CommandError, match=r"broken at entry #2 \(edited\)"):
        call_command("audit", "verify")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    length=st.integers(min_value=2, max_value=8),
    data=st.data(),
    tamper=st.sampled_from(["edit", "delete"]),
)
def test_any_single_edit_or_deletion_is_found_where_it_happened(
    length: int, data, tamper: str
) -> None:
    with transaction.atomic():
        _write(length)
        target = data.draw(st.integers(min_value=1, max_value=length), label="target")
        with triggers_off() as cursor:
            if tamper == "edit":
                cursor.execute(
                    "UPDATE audit_auditentry SET user_agent = 'forged' WHERE seq = %s", [target]
                )
            else:
                cursor.execute("DELETE FROM audit_auditentry WHERE seq = %s", [target])
        report = audit_chain_verify()
        assert report.problem is not None
        assert report.problem.kind == ("edited" if tamper == "edit" else "deleted")
        expected = target if tamper == "edit" or target == length else target + 1
        assert report.problem.seq == expected
        assert report.checked == target - 1
        transaction.set_rollback(True)  # each example starts from an empty log
