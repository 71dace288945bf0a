"""Writing patients: checked, validated, audited, in one transaction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission
from filiform.patients.models import Patient


@transaction.atomic
def patient_create(
    *,
    access: Access,
    family_name: str,
    given_names: str,
    birth_date: dt.date,
    gender: str,
    phone: str = "",
    email: str = "",
) -> Patient:
    access.require(Permission.PATIENT_EDIT)
    patient = Patient(
        clinic_id=access.membership.clinic_id,
        family_name=family_name.strip(),
        given_names=given_names.strip(),
        birth_date=birth_date,
        gender=gender,
        phone=phone.strip(),
        email=email.strip(),
        created_by=access.user,
        created_at=timezone.now(),
    )
    patient.full_clean(exclude=["clinic", "created_by"])
    if birth_date > timezone.localdate():
        from django.core.exceptions import ValidationError

        raise ValidationError({"birth_date": "The date of birth cannot be in the future."})
    patient.save()
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="patient",
        object_id=patient.pk,
        patient_id=patient.pk,
    )
    return patient
