"""The patient's copy of a consent record as a PDF (WeasyPrint): the exact text they were given,
the checklist, the signature, the times in the clinic's time zone and the content hash."""

from __future__ import annotations

from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission
from filiform.consent.content import consent_content_sha256
from filiform.consent.models import ConsentRecord
from filiform.consent.selectors import consent_record_of_clinic
from filiform.consent.signatures import signature_data_uri
from filiform.consent.templates_service import consent_text_html


def consent_pdf_render(record: ConsentRecord) -> bytes:
    from weasyprint import HTML  # imported here: pango loads only when a PDF is made

    clinic = record.clinic
    with timezone.override(clinic.time_zone):
        html = render_to_string(
            "consent/pdf.html",
            {
                "record": record,
                "clinic": clinic,
                "patient": record.patient,
                "text_html": consent_text_html(record.text_body),
                "signature": signature_data_uri(
                    strokes=record.signature_strokes, png=bytes(record.signature_png or b"")
                ),
                "content_sha256": consent_content_sha256(record),
                "remote": getattr(record, "signing_request", None),
                "time_zone": clinic.time_zone,
                "language": translation.get_language(),
            },
        )
    return bytes(HTML(string=html).write_pdf())


def consent_pdf(
    *, access: Access, record_id: int, patient_id: int | None = None
) -> tuple[ConsentRecord, bytes]:
    """The PDF copy for a clinician of the record's clinic (of that patient, when given); every
    download is audited, and so is a refusal, naming the record and its patient."""
    record = consent_record_of_clinic(access=access, record_id=record_id)
    if patient_id is not None and record.patient_id != patient_id:
        raise Http404("No such consent record for this patient.")
    access.require(
        Permission.CLINICAL_RECORD,
        object_type="consent_pdf",
        object_id=record.pk,
        patient_id=record.patient_id,
    )
    pdf = consent_pdf_render(record)
    audit_access(
        access,
        action=AuditAction.EXPORT,
        object_type="consent_pdf",
        object_id=record.pk,
        patient_id=record.patient_id,
        detail={"content_sha256": consent_content_sha256(record)},
    )
    return record, pdf


def consent_pdf_filename(record: ConsentRecord) -> str:
    return f"consent-{record.patient_id}-{record.pk}-{record.signed_at:%Y%m%d}.pdf"
