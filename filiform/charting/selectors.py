"""Reading visits: clinicians only (a visit is a clinical record), within the clinic, audited."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from filiform.audit.services import AuditAction, audit_access
from filiform.charting.models import NeedlingSession, Visit
from filiform.charting.visits import visit_of_clinic
from filiform.clinics.access import Access, Permission
from filiform.patients.selectors import patient_of_clinic


def visit_list(*, access: Access, patient_id: int) -> QuerySet[Visit]:
    """A patient's visits, newest first, each marked with whether it has a needling session.
    Audited once per listing; a refusal names the patient."""
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    access.require(Permission.CLINICAL_RECORD, object_type="visit_list", patient_id=patient.pk)
    audit_access(access, action=AuditAction.READ, object_type="visit_list", patient_id=patient.pk)
    return (
        Visit.objects.of(access)
        .filter(patient=patient)
        .select_related("practitioner__user")
        .annotate(
            has_session=Exists(NeedlingSession.objects.of(access).filter(visit=OuterRef("pk")))
        )
        .order_by("-started_at", "-id")
    )


def visit_get(*, access: Access, visit_id: int) -> Visit:
    """One visit of this clinic (404 otherwise, whatever the role), its read audited; a refusal
    names the visit and its patient."""
    visit = visit_of_clinic(access=access, visit_id=visit_id)
    access.require(
        Permission.CLINICAL_RECORD,
        object_type="visit",
        object_id=visit.pk,
        patient_id=visit.patient_id,
    )
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="visit",
        object_id=visit.pk,
        patient_id=visit.patient_id,
    )
    return visit
