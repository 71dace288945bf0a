"""Signed checkpoints anchor the audit chain outside the database: written only over a chain
that verifies, appended to a file, e-mailed to the owners daily, and checked by verify."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

from filiform.audit.apps import audit_key_check
from filiform.audit.checkpoints import Checkpoint, checkpoint_append, checkpoint_parse
from filiform.audit.models import AuditAction, AuditChainHead, AuditEntry
from filiform.audit.services import AuditCheckpointRefused, audit_checkpoint_write, audit_record
from filiform.audit.tasks import PURPOSE, audit_checkpoint_daily
from filiform.audit.verify import audit_chain_verify
from filiform.notices.models import OutboxMessage
from filiform.operations.models import ScheduledJob
from tests.audit.test_tamper import tail_rewrite, tampering
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _write(n: int) -> list[AuditEntry]:
    return [audit_record(action=AuditAction.LOGIN, actor_email=f"{i}@x.test") for i in range(n)]


def _lines() -> list[str]:
    return Path(settings.FILIFORM_AUDIT_CHECKPOINTS).read_text().splitlines()


def test_a_checkpoint_signs_the_head_and_is_appended() -> None:
    entries = _write(3)
    first = audit_checkpoint_write()
    assert (first.seq, first.hash, first.kind) == (3, entries[-1].hash, "checkpoint")
    assert first.signed_by(settings.FILIFORM_AUDIT_KEY)
    assert not first.signed_by("some other key")
    _write(2)
    second = audit_checkpoint_write()
    assert [checkpoint_parse(line) for line in _lines()] == [first, second]
    assert second.seq == 5
    mode = Path(settings.FILIFORM_AUDIT_CHECKPOINTS).stat().st_mode & 0o777
    assert oct(mode) == "0o600"


def test_the_key_is_a_setting_and_never_in_the_database() -> None:
    _write(1)
    checkpoint = audit_checkpoint_write()
    with override_settings(FILIFORM_AUDIT_KEY="another installation's key"):
        report = audit_chain_verify()
    assert [p.kind for p in report.problems] == ["checkpoint"]
    assert "not signed with this installation's audit key" in report.problems[0].message
    assert checkpoint.sig not in json.dumps(list(AuditEntry.objects.values()), default=str)


def test_an_edited_or_damaged_checkpoint_line_is_reported() -> None:
    _write(2)
    real = audit_checkpoint_write()
    forged = Checkpoint(seq=real.seq, hash="f" * 64, at=real.at, sig=real.sig)
    checkpoint_append(forged)
    with Path(settings.FILIFORM_AUDIT_CHECKPOINTS).open("a") as handle:
        handle.write("not json\n")
    report = audit_chain_verify()
    assert [(p.kind, p.seq) for p in report.problems] == [("checkpoint", 2), ("checkpoint", None)]
    assert "line 2" in report.problems[0].message
    assert "line 3" in report.problems[1].message


def test_no_checkpoint_is_written_over_a_broken_chain() -> None:
    _write(3)
    audit_checkpoint_write()
    _write(1)
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditentry SET actor_email = 'x' WHERE seq = 4")
    with pytest.raises(AuditCheckpointRefused, match="entry #4"):
        audit_checkpoint_write()
    with pytest.raises(CommandError, match=r"No checkpoint written.*#4 \(edited\)"):
        call_command("audit", "checkpoint")
    assert len(_lines()) == 1


def test_verify_against_a_checkpoint_from_the_owners_email(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Whoever rewrites the log can also delete the checkpoint file: the e-mailed line remains."""
    tail_rewrite()
    emailed = _lines()[-1]
    Path(settings.FILIFORM_AUDIT_CHECKPOINTS).unlink()
    call_command("audit", "verify")
    captured = capsys.readouterr()
    assert "Audit log intact: 5 entries" in captured.out
    assert "no signed checkpoint to check against" in captured.err
    with pytest.raises(CommandError, match=r"entry #5 \(rewritten\)"):
        call_command("audit", "verify", "--checkpoint", emailed)


def test_a_restore_line_voids_the_checkpoints_past_the_restored_head() -> None:
    _write(5)
    audit_checkpoint_write()
    with tampering() as cursor:  # what a restore from an older backup leaves
        cursor.execute("DELETE FROM audit_auditentry WHERE seq > 3")
        AuditChainHead.objects.filter(pk=1).update(
            seq=3, last_hash=AuditEntry.objects.get(seq=3).hash
        )
    assert audit_chain_verify().problem.kind == "truncated"  # type: ignore[union-attr]
    with pytest.raises(AuditCheckpointRefused):
        audit_checkpoint_write()  # a daily checkpoint never papers over it
    call_command("audit", "checkpoint", "--after-restore")
    assert checkpoint_parse(_lines()[-1]).kind == "restore"
    _write(2)
    audit_checkpoint_write()
    report = audit_chain_verify()
    assert report.ok
    assert report.checkpoints == 2


def test_the_daily_job_writes_a_checkpoint_and_emails_the_owners(world: World) -> None:
    last = _write(2)[-1]
    assert audit_checkpoint_daily.call() == "written"
    checkpoint = checkpoint_parse(_lines()[-1])
    assert (checkpoint.seq, checkpoint.hash) == (last.seq, last.hash)
    message = OutboxMessage.objects.get(clinic=world.clinic, purpose=PURPOSE)
    assert message.to == [world.alice.email]
    assert f"#{checkpoint.seq}" in message.subject
    assert checkpoint.line() in message.body
    assert OutboxMessage.objects.filter(clinic=world.other_clinic, purpose=PURPOSE).exists()


def test_the_daily_job_tells_the_owners_when_the_log_fails(world: World) -> None:
    _write(2)
    with tampering() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = 1")
    assert audit_checkpoint_daily.call() == "refused"
    assert not Path(settings.FILIFORM_AUDIT_CHECKPOINTS).exists()
    message = OutboxMessage.objects.get(clinic=world.clinic, purpose=PURPOSE)
    assert message.subject == "The audit log failed its daily check"
    assert "entry #1 is missing (deleted)" in message.body


def test_deploy_check_warns_without_an_audit_key_from_outside() -> None:
    with override_settings(FILIFORM_AUDIT_KEY_FROM_ENVIRONMENT=False):
        assert [w.id for w in audit_key_check()] == ["filiform.W001"]
    with override_settings(FILIFORM_AUDIT_KEY_FROM_ENVIRONMENT=True):
        assert audit_key_check() == []


@pytest.mark.django_db(transaction=True)
def test_the_worker_emails_the_checkpoint_once_a_day(world: World, smtp_server) -> None:
    ScheduledJob.objects.filter(name="audit-checkpoint").delete()  # tests/conftest.py holds it
    _write(1)
    call_command("worker", "--batch", "--verbosity", "0")
    call_command("worker", "--batch", "--verbosity", "0")
    (sent,) = [m for m in smtp_server.messages if "Audit log checkpoint" in m["Subject"]]
    assert sent["To"] == world.alice.email
    assert checkpoint_parse(_lines()[-1]).line() in sent.get_payload(decode=True).decode()
