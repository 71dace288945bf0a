"""Writing patients: checked, validated, audited, in one transaction. What staff may set on a
patient record, and its limits, is the spec (``patients/specs.py``); the rules here need the
record or the clinic."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.patients.models import EpisodeOfCare, Patient
from filiform.patients.selectors import patient_of_clinic, patient_possible_duplicates
from filiform.patients.specs import PatientChanges, PatientSpec


class PossibleDuplicate(ValidationError):
    """A patient with the same name and date of birth exists; the caller must confirm."""

    def __init__(self, matches: list[Patient]) -> None:
        super().__init__(
            _(
                "A patient with this name and date of birth is already registered. Open that record, or confirm that this is a different person."
            )
        )
        self.matches = matches


def _clean(patient: Patient) -> None:
    for field in ("family_name", "given_names", "phone", "phone_home", "email", "city", "street"):
        setattr(patient, field, str(getattr(patient, field) or "").strip())
    if patient.postal_code:
        patient.postal_code = patient.postal_code.strip().upper()
    patient.full_clean(exclude=["clinic", "created_by"])
    if patient.birth_date > timezone.localdate():
        raise ValidationError({"birth_date": _("The date of birth cannot be in the future.")})
    if patient.email_ok and not patient.email:
        raise ValidationError(
            {"email": _("Add an e-mail address, or untick “may receive e-mail”.")}
        )
    if patient.sms_ok and not patient.phone:
        raise ValidationError(
            {"phone": _("Add a mobile number, or untick “may receive text messages”.")}
        )


@transaction.atomic
def patient_create(
    *, access: Access, patient: PatientSpec, confirm_duplicate: bool = False
) -> Patient:
    """Register a patient. Refuses with :class:`PossibleDuplicate` when the same name and date of
    birth exist in the clinic, unless the person creating it confirms it is someone else."""
    access.require(Permission.PATIENT_EDIT)
    record = Patient(
        clinic_id=access.membership.clinic_id,
        created_by=access.user,
        created_at=timezone.now(),
        **patient.record_fields(),
    )
    _clean(record)
    if not confirm_duplicate:
        matches = patient_possible_duplicates(
            access=access,
            family_name=record.family_name,
            given_names=record.given_names,
            birth_date=record.birth_date,
        )
        if matches:
            raise PossibleDuplicate(matches)
    record.save()
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="patient",
        object_id=record.pk,
        patient_id=record.pk,
        detail={"confirmed_not_duplicate": confirm_duplicate},
    )
    return record


@transaction.atomic
def patient_update(*, access: Access, patient_id: int, changes: PatientChanges) -> Patient:
    """Change a patient's details (only the fields given); the audit entry names the fields
    that changed (a refusal names the patient)."""
    patient = patient_of_clinic(access=access, patient_id=patient_id, for_update=True)
    access.require(
        Permission.PATIENT_EDIT, object_type="patient", object_id=patient.pk, patient_id=patient.pk
    )
    given = changes.record_fields()
    before = {name: getattr(patient, name) for name in given}
    for name, value in given.items():
        setattr(patient, name, value)
    _clean(patient)
    changed = sorted(name for name in given if getattr(patient, name) != before[name])
    if not changed:
        # Nothing changed: no write and no "update" in the audit log (issue 17: a no-op PATCH
        # was logged as an update of nothing). The details were still shown: a read.
        audit_access(
            access,
            action=AuditAction.READ,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
        )
        return patient
    patient.save()
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="patient",
        object_id=patient.pk,
        patient_id=patient.pk,
        detail={"changed": changed},
    )
    return patient


@transaction.atomic
def episode_end(
    *, access: Access, episode_id: int, ended_on: dt.date | None = None
) -> EpisodeOfCare:
    """Close an episode of care (discharge). Its screenings, visits and plan stay; a new
    condition starts a new episode."""
    episode = clinic_get(access, EpisodeOfCare, episode_id, for_update=True)
    access.require(
        Permission.CLINICAL_RECORD,
        object_type="episode",
        object_id=episode.pk,
        patient_id=episode.patient_id,
    )
    if episode.ended_on is not None:
        raise ValidationError(
            _("This episode of care already ended on %(d)s.") % {"d": episode.ended_on}
        )
    ended_on = ended_on or timezone.localdate()
    if ended_on < episode.started_on or ended_on > timezone.localdate():
        raise ValidationError(
            {"ended_on": _("The end is between the start of the episode and today.")}
        )
    episode.ended_on = ended_on
    episode.save(update_fields=["ended_on"])
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="episode",
        object_id=episode.pk,
        patient_id=episode.patient_id,
        detail={"ended_on": ended_on.isoformat()},
    )
    return episode
