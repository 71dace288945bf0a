"""Reads of aftercare records for staff: permission-checked per clinic and role, audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from filiform.aftercare.models import (
    AftercareSheet,
    CheckIn,
    Delivery,
    MessageKind,
    RedFlagAlert,
)
from filiform.audit.services import AuditAction, audit_access
from filiform.charting.models import Visit
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.patients.selectors import patient_of_clinic


@dataclass(frozen=True)
class VisitAftercare:
    """Everything about one visit's aftercare: the sheet (draft advice or issued), its
    deliveries, the check-in and any alerts it raised."""

    visit: Visit
    sheet: AftercareSheet | None
    deliveries: list[Delivery]
    check_in: CheckIn | None
    alerts: list[RedFlagAlert]


def aftercare_of_visit(*, access: Access, visit_id: int) -> VisitAftercare:
    """For the visit page and the API. Clinicians see all of it; the front desk (who hand the
    sheet over and make the calls) see the sheet, deliveries and check-in status but not the
    answers or alerts. Billing has no need of any of it (a refusal names the visit)."""
    visit = clinic_get(
        access,
        Visit.objects.of(access).select_related("patient", "clinic"),
        visit_id,
        permission=Permission.PATIENT_EDIT,
        object_type="visit_aftercare",
    )
    sheet = AftercareSheet.objects.of(access).filter(visit=visit).first()
    check_in = (
        CheckIn.objects.of(access).filter(visit=visit).prefetch_related("calls__called_by").first()
    )
    which = Q(pk__in=[])
    if sheet is not None:
        which |= Q(sheet=sheet)
    if check_in is not None:
        which |= Q(check_in=check_in)
    deliveries = list(Delivery.objects.of(access).filter(which).order_by("created_at", "pk"))
    clinical = access.can(Permission.CLINICAL_RECORD)
    alerts = (
        list(
            RedFlagAlert.objects.of(access).filter(check_in=check_in).select_related("resolved_by")
        )
        if clinical and check_in is not None
        else []
    )
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="visit_aftercare",
        object_id=visit.pk,
        patient_id=visit.patient_id,
    )
    return VisitAftercare(visit, sheet, deliveries, check_in, alerts)


def check_ins_of_clinic(
    *, access: Access, patient_id: int | None = None, status: str | None = None
) -> list[CheckIn]:
    """Check-ins, newest first (with answers and triage: clinicians only)."""
    access.require(Permission.CLINICAL_RECORD)
    check_ins = CheckIn.objects.of(access).select_related("patient", "practitioner__user")
    if patient_id is not None:
        check_ins = check_ins.filter(patient_id=patient_id)
    if status:
        check_ins = check_ins.filter(status=status)
    found = list(check_ins[:500])
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="check_in",
        object_id="",
        patient_id=patient_id,
        detail={"count": len(found), "status": status or ""},
    )
    return found


def check_in_get(*, access: Access, check_in_id: int) -> CheckIn:
    """One check-in with its answers, for clinicians (a refusal names it and its patient)."""
    check_in = clinic_get(
        access,
        CheckIn.objects.of(access)
        .select_related("patient", "practitioner__user")
        .prefetch_related("calls", "alerts"),
        check_in_id,
        permission=Permission.CLINICAL_RECORD,
    )
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="check_in",
        object_id=check_in.pk,
        patient_id=check_in.patient_id,
    )
    return check_in


def deliveries_of_clinic(
    *, access: Access, patient_id: int | None = None, status: str | None = None
) -> list[Delivery]:
    """Messages and their status, newest first: the front desk sees what to hand over."""
    access.require(Permission.PATIENT_VIEW)
    deliveries = Delivery.objects.of(access).select_related("patient")
    if not access.can(Permission.CLINICAL_RECORD):
        # that a red-flag alert went to the clinicians is itself clinical information
        deliveries = deliveries.exclude(kind=MessageKind.RED_FLAG)
    if patient_id is not None:
        deliveries = deliveries.filter(patient_id=patient_id)
    if status:
        deliveries = deliveries.filter(status=status)
    found = list(deliveries[:500])
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="delivery",
        object_id="",
        patient_id=patient_id,
        detail={"count": len(found), "status": status or ""},
    )
    return found


def sheets_of_patient(*, access: Access, patient_id: int) -> list[AftercareSheet]:
    """The patient's issued sheets (the patient must be of the acting clinic), for clinicians and
    the front desk; audited (a refusal names the patient)."""
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    access.require(Permission.PATIENT_EDIT, object_type="aftercare_sheet", patient_id=patient.pk)
    sheets = list(
        AftercareSheet.objects.of(access).filter(patient=patient, issued_at__isnull=False)[:200]
    )
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="aftercare_sheet",
        object_id="",
        patient_id=patient.pk,
        detail={"count": len(sheets)},
    )
    return sheets
