"""Tampering of every kind is found by `filiform audit verify`: an edit (with or without a fresh
hash), an inserted entry, a deleted entry, a rewrite of the tail with every later hash recomputed,
a truncation with the chain head moved back, and the triggers disabled. Runs on SQLite and on
PostgreSQL (the gate's second pass); each tamper is done the way someone with the database's
owner role would do it, with the triggers lifted and put back afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.backends.utils import CursorWrapper

from filiform.audit.append_only import append_only_enforce, append_only_lift
from filiform.audit.models import GENESIS_HASH, AuditAction, AuditChainHead, AuditEntry
from filiform.audit.services import audit_checkpoint_write, audit_record
from filiform.audit.verify import audit_chain_verify, audit_chain_verify_since

pytestmark = pytest.mark.django_db


def _write(n: int) -> list[AuditEntry]:
    return [
        audit_record(action=AuditAction.READ, object_type="patient", object_id=i, patient_id=i)
        for i in range(n)
    ]


@contextmanager
def tampering() -> Iterator[CursorWrapper]:
    """Lift the triggers, tamper, and put them back, so that only the tamper itself shows."""
    append_only_lift(connection)
    with connection.cursor() as cursor:
        yield cursor
    append_only_enforce(connection)


def _rehash_from(seq: int) -> None:
    """Recompute every hash from ``seq`` on and move the head along: the chain holds again."""
    prev = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else GENESIS_HASH
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        entry.prev_hash = prev
        entry.hash = entry.compute_hash()
        AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=entry.prev_hash, hash=entry.hash)
        prev = entry.hash
    last = AuditEntry.objects.order_by("-seq").first()
    assert last is not None
    AuditChainHead.objects.filter(pk=1).update(seq=last.seq, last_hash=last.hash)


def edit() -> None:
    _write(5)
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditentry SET object_id = '77' WHERE seq = 3")


def edit_with_fresh_hash() -> None:
    _write(5)
    with tampering():
        entry = AuditEntry.objects.get(seq=3)
        entry.actor_email = "someone-else@clinic.test"
        AuditEntry.objects.filter(pk=entry.pk).update(
            actor_email=entry.actor_email, hash=entry.compute_hash()
        )


def insert() -> None:
    entries = _write(3)
    with tampering() as cursor:
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


def delete() -> None:
    _write(5)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = 2")


def tail_rewrite() -> None:
    _write(2)
    audit_checkpoint_write()
    _write(3)
    audit_checkpoint_write()
    with tampering():
        AuditEntry.objects.filter(seq=3).update(object_id="forged")
        _rehash_from(3)
    assert audit_chain_verify_since(None).ok  # the chain alone holds again


def truncation() -> None:
    _write(6)
    audit_checkpoint_write()
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq > 4")
        last = AuditEntry.objects.get(seq=4)
        AuditChainHead.objects.filter(pk=1).update(seq=4, last_hash=last.hash)


def triggers_disabled() -> None:
    _write(2)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_no_change")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_delete")


TAMPERS: list[tuple[Callable[[], None], str, int | None, str]] = [
    (edit, "edited", 3, "entry #3 (row "),
    (edit_with_fresh_hash, "edited", 3, "hash recomputed"),
    (insert, "inserted", 2, "not part of the chain"),
    (delete, "deleted", 3, "entry #2 is missing"),
    (tail_rewrite, "rewritten", 5, "rewritten after #2"),
    (truncation, "truncated", 6, "the log ends at #4"),
    (triggers_disabled, "unprotected", None, "audit_entry_no_"),
]


@pytest.mark.parametrize(
    ("tamper", "kind", "seq", "says"), TAMPERS, ids=[t[0].__name__ for t in TAMPERS]
)
def test_every_kind_of_tampering_is_found(
    tamper: Callable[[], None], kind: str, seq: int | None, says: str
) -> None:
    tamper()
    report = audit_chain_verify()
    assert [(p.kind, p.seq) for p in report.problems] == [(kind, seq)]
    assert says in report.problems[0].message
    with pytest.raises(CommandError, match=rf"\({kind}\)|Audit log {kind}"):
        call_command("audit", "verify")


def test_an_untouched_log_with_checkpoints_verifies(capsys: pytest.CaptureFixture[str]) -> None:
    _write(3)
    audit_checkpoint_write()
    _write(2)
    audit_checkpoint_write()
    report = audit_chain_verify()
    assert report.ok
    assert (report.checked, report.checkpoints) == (5, 2)
    call_command("audit", "verify")
    assert "5 entries, chain unbroken, 2 signed checkpoints hold" in capsys.readouterr().out
