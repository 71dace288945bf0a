"""Changing a clinic's details and policies (owner only, audited)."""

from __future__ import annotations

from django.db import transaction

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission
from filiform.clinics.forms import ClinicPolicyForm
from filiform.clinics.models import Clinic


@transaction.atomic
def clinic_update(*, access: Access, form: ClinicPolicyForm) -> Clinic:
    access.require(Permission.CLINIC_MANAGE)
    clinic = form.save()
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="clinic",
        object_id=clinic.pk,
        detail={"changed": sorted(form.changed_data)},
    )
    return clinic
