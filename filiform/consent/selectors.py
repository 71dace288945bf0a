"""Reading consent records and signing requests, always through the acting clinic."""

from __future__ import annotations

from django.db.models import QuerySet

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.consent.models import ConsentRecord, ConsentSigningRequest
from filiform.patients.selectors import patient_of_clinic


def consent_record_of_clinic(*, access: Access, record_id: int) -> ConsentRecord:
    """The acting clinic's consent record, or 404. Not audited: callers record what they did."""
    records = ConsentRecord.objects.of(access).select_related(
        "clinic", "patient", "template", "discussed_by", "withdrawn_by"
    )
    return clinic_get(access, records, record_id)


def consent_record_get(*, access: Access, record_id: int) -> ConsentRecord:
    """One consent record with its text and signature, for clinicians (audited; a refusal names
    the record and its patient)."""
    record = consent_record_of_clinic(access=access, record_id=record_id)
    access.require(
        Permission.CLINICAL_RECORD,
        object_type="consent",
        object_id=record.pk,
        patient_id=record.patient_id,
    )
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="consent",
        object_id=record.pk,
        patient_id=record.patient_id,
    )
    return record


def consent_records_of_patient(*, access: Access, patient_id: int) -> QuerySet[ConsentRecord]:
    """A patient's consent history, newest first. Front desk may see it (decision and dates: is
    consent in place?) but only clinicians read the text and signature."""
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    access.require(Permission.PATIENT_VIEW, object_type="consent_list", patient_id=patient.pk)
    audit_access(access, action=AuditAction.READ, object_type="consent_list", patient_id=patient.pk)
    return (
        ConsentRecord.objects.of(access)
        .filter(patient=patient)
        .select_related("template", "discussed_by", "withdrawn_by", "clinic", "patient")
    )


def consent_requests_of_patient(
    *, access: Access, patient_id: int
) -> QuerySet[ConsentSigningRequest]:
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    access.require(
        Permission.CLINICAL_RECORD,
        object_type="consent_signing_request_list",
        patient_id=patient.pk,
    )
    return (
        ConsentSigningRequest.objects.of(access)
        .filter(patient=patient)
        .select_related("template", "created_by", "link__revoked_by")
    )
