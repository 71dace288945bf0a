"""Reading the audit log (owners only)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from filiform.audit.models import AuditAction, AuditEntry
from filiform.audit.services import audit_access
from filiform.clinics.access import Access, Permission


def audit_entries(
    *,
    access: Access,
    user_id: int | None = None,
    patient_id: int | None = None,
    action: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """This clinic's entries, plus the security events of the people who work in it."""
    access.require(Permission.AUDIT_VIEW)
    clinic_id = access.membership.clinic_id
    staff_ids = access.clinic.memberships.values_list("user_id", flat=True)
    entries = AuditEntry.objects.filter(
        Q(clinic_id=clinic_id) | Q(clinic_id__isnull=True, actor_id__in=staff_ids)
    )
    if user_id:
        entries = entries.filter(actor_id=user_id)
    if patient_id:
        entries = entries.filter(patient_id=patient_id)
    if action:
        entries = entries.filter(action=action)
    if date_from:
        entries = entries.filter(at__date__gte=date_from)
    if date_to:
        entries = entries.filter(at__date__lte=date_to)
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="audit_log",
        patient_id=patient_id,
        detail={
            "user": user_id,
            "action": action,
            "from": str(date_from or ""),
            "to": str(date_to or ""),
        },
    )
    return entries.order_by("-seq")
