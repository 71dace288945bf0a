"""The daily audit checkpoint, e-mailed to every clinic's owners (run by the worker's schedule,
filiform/operations/schedule.py).

The e-mail is the copy of the checkpoint nobody with the server can take back: an owner who
keeps it can check the log against it later (``filiform audit verify --checkpoint LINE``). When
the log fails its check no checkpoint is written, and the owners are told that instead.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task

from filiform.audit.checkpoints import Checkpoint
from filiform.audit.services import AuditCheckpointRefused, audit_checkpoint_write
from filiform.clinics.access import OWNER_ROLES
from filiform.clinics.models import Clinic, Membership
from filiform.notices.outbox import message_queue

PURPOSE = "audit_checkpoint"


@task()
def audit_checkpoint_daily() -> str:
    try:
        checkpoint = audit_checkpoint_write()
    except AuditCheckpointRefused as refused:
        audit_owners_tell(
            subject=_("The audit log failed its daily check"),
            body=_(
                "Filiform checked the audit log before signing today's checkpoint and found:\n\n"
                "%(problems)s\n\nNo checkpoint was written. Run `filiform audit verify` on the "
                "server and follow docs/audit.md, What to do when verify fails."
            )
            % {"problems": "\n".join(f"- {p.message}" for p in refused.report.problems)},
        )
        return "refused"
    audit_owners_tell(
        subject=_("Audit log checkpoint #%(seq)d") % {"seq": checkpoint.seq},
        body=checkpoint_email_body(checkpoint),
    )
    return "written"


def checkpoint_email_body(checkpoint: Checkpoint) -> str:
    return _(
        "Today's signed checkpoint of the audit log: entry #%(seq)d, hash %(hash)s, at %(at)s.\n\n"
        "Keep this e-mail. It lets you prove later that the audit log up to this entry was not "
        "rewritten: on the server run\n\n"
        "    filiform audit verify --checkpoint '%(line)s'\n\n"
        "Nothing here identifies a patient."
    ) % {
        "seq": checkpoint.seq,
        "hash": checkpoint.hash,
        "at": checkpoint.at,
        "line": checkpoint.line(),
    }


@transaction.atomic
def audit_owners_tell(*, subject: str, body: str) -> None:
    """One outbox message per clinic to its active owners, all queued in one transaction."""
    for clinic_id in Clinic.objects.order_by("pk").values_list("pk", flat=True):
        owners = Membership.objects.filter(
            clinic_id=clinic_id, role__in=OWNER_ROLES, is_active=True, user__is_active=True
        ).values_list("user__email", flat=True)
        message_queue(
            clinic_id=clinic_id, purpose=PURPOSE, to=list(owners), subject=subject, body=body
        )
