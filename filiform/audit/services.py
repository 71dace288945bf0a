"""Writing to the audit log. Every read and write of health information and every security event
comes through :func:`audit_record` (or :func:`audit_access`, its shortcut for an :class:`Access`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from filiform.audit.checkpoints import (
    Checkpoint,
    CheckpointKind,
    checkpoint_append,
    checkpoint_sign,
    checkpoints_read,
)
from filiform.audit.models import AuditAction, AuditChainHead, AuditEntry
from filiform.audit.verify import (
    ChainReport,
    audit_chain_verify,
    audit_chain_verify_since,
    checkpoints_signed,
)

if TYPE_CHECKING:
    from filiform.clinics.access import Access

__all__ = [
    "AuditAction",
    "AuditCheckpointRefused",
    "audit_access",
    "audit_checkpoint_write",
    "audit_record",
    "audit_user_event",
]


def audit_record(
    *,
    action: AuditAction,
    actor_id: int | None = None,
    actor_email: str = "",
    clinic_id: int | None = None,
    object_type: str = "",
    object_id: str | int = "",
    patient_id: int | None = None,
    ip: str | None = None,
    user_agent: str = "",
    via: str = "web",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain.

    The chain head row is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers
    itself) so concurrent appends get consecutive sequence numbers. When called inside a larger
    transaction the entry commits or rolls back with the change it describes.
    """
    with transaction.atomic():
        try:
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        except AuditChainHead.DoesNotExist:
            AuditChainHead.objects.get_or_create(pk=1)
            head = AuditChainHead.objects.select_for_update().get(pk=1)
        entry = AuditEntry(
            seq=head.seq + 1,
            at=timezone.now(),
            actor_id=actor_id,
            actor_email=actor_email,
            clinic_id=clinic_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            patient_id=patient_id,
            ip=ip,
            user_agent=user_agent[:500],
            via=via,
            detail=detail or {},
            prev_hash=head.last_hash,
        )
        entry.hash = entry.compute_hash()
        entry.save(force_insert=True)
        AuditChainHead.objects.filter(pk=1).update(seq=entry.seq, last_hash=entry.hash)
    return entry


def audit_access(
    access: Access,
    *,
    action: AuditAction,
    object_type: str,
    object_id: str | int = "",
    patient_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    return audit_record(
        action=action,
        actor_id=access.user.pk,
        actor_email=access.user.email,
        clinic_id=access.membership.clinic_id,
        object_type=object_type,
        object_id=object_id,
        patient_id=patient_id,
        ip=access.ip,
        user_agent=access.user_agent,
        via=access.via,
        detail=detail,
    )


def audit_user_event(
    user: Any,
    *,
    action: AuditAction,
    ip: str | None = None,
    user_agent: str = "",
    **fields: Any,
) -> AuditEntry:
    """A security event about one person (sign-in, two-factor, tokens…), outside any clinic."""
    return audit_record(
        action=action,
        actor_id=user.pk,
        actor_email=user.email,
        ip=ip,
        user_agent=user_agent,
        **fields,
    )


class AuditCheckpointRefused(Exception):
    """The log did not verify, so its head is not signed: a checkpoint must never anchor a
    forgery."""

    def __init__(self, report: ChainReport) -> None:
        super().__init__("; ".join(problem.message for problem in report.problems))
        self.report = report


def audit_checkpoint_write(*, kind: CheckpointKind = "checkpoint") -> Checkpoint:
    """Sign the chain's head and append it to the checkpoint file (filiform/audit/checkpoints.py).

    A daily checkpoint first checks what was written since the last one (and that the last one
    still holds); a ``restore`` checkpoint, written after a restore from backup, checks the whole
    chain, since the restore may have taken the head back before earlier checkpoints.
    Raises :class:`AuditCheckpointRefused` when the check fails; nothing is written then.
    """
    live, bad_lines = checkpoints_signed(checkpoints_read())
    if kind == "restore":
        report = audit_chain_verify()
        problems = [p for p in report.problems if p.kind not in ("truncated", "rewritten")]
        report = ChainReport(
            checked=report.checked,
            problems=tuple(problems),
            head_seq=report.head_seq,
            head_hash=report.head_hash,
        )
    else:
        report = audit_chain_verify_since(live[-1] if live else None)
        report = ChainReport(
            checked=report.checked,
            problems=(*report.problems, *bad_lines),
            head_seq=report.head_seq,
            head_hash=report.head_hash,
        )
    if not report.ok:
        raise AuditCheckpointRefused(report)
    checkpoint = checkpoint_sign(seq=report.head_seq, hash=report.head_hash, kind=kind)
    checkpoint_append(checkpoint)
    return checkpoint
