"""The consent API: records (list, read, record, withdraw, PDF), remote signing links, and the
consent text versions. Every operation goes through the one door (Access) and is audited by the
services and selectors it calls."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status

from filiform.api_errors import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS, Error
from filiform.clinics.access import Permission, api_access
from filiform.consent.content import consent_canonical, consent_content_sha256
from filiform.consent.models import ConsentRecord, ConsentSigningRequest, ConsentTemplate
from filiform.consent.pdf import consent_pdf, consent_pdf_filename
from filiform.consent.records import consent_record, consent_status, consent_withdraw
from filiform.consent.remote import (
    signing_link_delivery,
    signing_request_cancel,
    signing_request_create,
    signing_request_send_again,
)
from filiform.consent.schemas import (
    ConsentIn,
    ConsentOut,
    ConsentStatusOut,
    ConsentSummaryOut,
    ConsentTemplateIn,
    ConsentTemplateOut,
    SigningRequestIn,
    SigningRequestOut,
    WithdrawIn,
)
from filiform.consent.selectors import (
    consent_record_get,
    consent_record_of_clinic,
    consent_records_of_patient,
    consent_requests_of_patient,
)
from filiform.consent.signatures import signature_png_decode
from filiform.consent.templates_service import (
    consent_template_current,
    consent_template_new_version,
)
from filiform.notices.models import OutboxMessage
from filiform.notices.outbox import StillOnItsWay
from filiform.notices.schemas import EmailDeliveryOut
from filiform.patients.selectors import patient_get, patient_of_clinic

router = Router(tags=["consent"])
templates_router = Router(tags=["consent"])

ONE_WRITE_ERRORS = {**WRITE_ERRORS, 404: Error}
PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "The PDF copy",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _summary(record: ConsentRecord) -> ConsentSummaryOut:
    return ConsentSummaryOut(
        id=record.pk,
        patient_id=record.patient_id,
        decision=record.decision,
        template_version=record.template.version,
        signed_at=record.signed_at,
        valid_until=record.valid_until,
        withdrawn_at=record.withdrawn_at,
        signed_remotely=hasattr(record, "signing_request"),
    )


def _full(record: ConsentRecord) -> ConsentOut:
    return ConsentOut(
        **_summary(record).dict(),
        text_title=record.text_title,
        text_body=record.text_body,
        text_sha256=record.text_sha256,
        risks_discussed=record.risks_discussed,
        benefits_discussed=record.benefits_discussed,
        alternatives_discussed=record.alternatives_discussed,
        questions_answered=record.questions_answered,
        thorax_acknowledged=record.thorax_acknowledged,
        discussed_by=record.discussed_by.email,
        signer_name=record.signer_name,
        witness_name=record.witness_name,
        signature_kind="png" if record.signature_png else "drawn",
        signature_strokes=record.signature_strokes,
        withdrawn_by=record.withdrawn_by.email if record.withdrawn_by else None,
        withdrawal_note=record.withdrawal_note,
        content_sha256=consent_content_sha256(record),
        content_canonical=consent_canonical(record),
    )


def _request_out(
    link: ConsentSigningRequest, delivery: OutboxMessage | None = None
) -> SigningRequestOut:
    if delivery is None:
        delivery = signing_link_delivery([link]).get(link.pk)
    return SigningRequestOut(
        id=link.pk,
        patient_id=link.patient_id,
        email=link.email,
        template_version=link.template.version,
        discussion_method=link.discussion_method,
        discussion_note=link.discussion_note,
        created_by=link.created_by.email,
        created_at=link.created_at,
        expires_at=link.expires_at,
        sent_at=link.sent_at,
        used_at=link.used_at,
        cancelled_at=link.cancelled_at,
        status=link.status,
        record_id=link.record_id,
        delivery=EmailDeliveryOut.of(delivery) if delivery else None,
    )


@router.get(
    "/patients/{patient_id}",
    response={200: list[ConsentSummaryOut], **ONE_ERRORS},
    summary="A patient's consent history (decisions and dates), newest first",
)
def list_consents(request: HttpRequest, patient_id: int) -> list[ConsentSummaryOut]:
    records = consent_records_of_patient(access=api_access(request), patient_id=patient_id)
    return [_summary(r) for r in records[:200]]


@router.get(
    "/patients/{patient_id}/status",
    response={200: ConsentStatusOut, **ONE_ERRORS},
    summary="Is consent to needling in force for this patient today?",
)
def get_status(request: HttpRequest, patient_id: int) -> ConsentStatusOut:
    access = api_access(request)
    patient = patient_get(access=access, patient_id=patient_id)
    with timezone.override(access.clinic.time_zone):
        status = consent_status(patient=patient, on=timezone.localdate())
    record = status.record
    return ConsentStatusOut(
        patient_id=patient.pk,
        in_force=status.in_force,
        reason=status.reason,
        record_id=record.pk if record else None,
        decision=record.decision if record else None,
        signed_at=record.signed_at if record else None,
        valid_until=record.valid_until if record else None,
        withdrawn_at=record.withdrawn_at if record else None,
    )


@router.post(
    "/patients/{patient_id}",
    response={201: ConsentOut, **ONE_WRITE_ERRORS},
    summary="Record consent given in the clinic (drawn strokes or a PNG signature)",
)
def record_consent(request: HttpRequest, patient_id: int, payload: ConsentIn) -> Status:
    access = api_access(request)
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    access.require(Permission.CLINICAL_RECORD, object_type="consent", patient_id=patient.pk)
    data = payload.dict()
    png_text = data.pop("signature_png")
    strokes = data.pop("signature_strokes")
    png = signature_png_decode(png_text) if png_text else None
    record = consent_record(
        access=access, patient_id=patient_id, signature=strokes, signature_png=png, **data
    )
    return Status(201, _full(consent_record_of_clinic(access=access, record_id=record.pk)))


@router.get(
    "/patients/{patient_id}/signing-requests",
    response={200: list[SigningRequestOut], **ONE_ERRORS},
    summary="Signing links sent to a patient (pending, used, expired or cancelled)",
)
def list_signing_requests(request: HttpRequest, patient_id: int) -> list[SigningRequestOut]:
    links = list(
        consent_requests_of_patient(access=api_access(request), patient_id=patient_id)[:200]
    )
    deliveries = signing_link_delivery(links)
    return [_request_out(link, deliveries.get(link.pk)) for link in links]


@router.post(
    "/patients/{patient_id}/signing-requests",
    response={201: SigningRequestOut, **ONE_WRITE_ERRORS},
    summary="E-mail the patient a single-use link to sign consent remotely",
)
def create_signing_request(
    request: HttpRequest, patient_id: int, payload: SigningRequestIn
) -> Status:
    link = signing_request_create(
        access=api_access(request), patient_id=patient_id, **payload.dict()
    )
    return Status(201, _request_out(link))


@router.post(
    "/patients/{patient_id}/signing-requests/{request_id}/send-again",
    response={200: SigningRequestOut, 409: Error, **ONE_WRITE_ERRORS},
    summary="E-mail a fresh signing link (its last e-mail failed or never arrived); the old "
    "link stops working. 409 while an e-mail of it is still on its way",
)
def send_signing_request_again(request: HttpRequest, patient_id: int, request_id: int) -> Status:
    try:
        link = signing_request_send_again(
            access=api_access(request), request_id=request_id, patient_id=patient_id
        )
    except StillOnItsWay as refused:
        return Status(409, Error(detail=refused.messages[0]))
    return Status(200, _request_out(link))


@router.post(
    "/signing-requests/{request_id}/cancel",
    response={200: SigningRequestOut, **ONE_WRITE_ERRORS},
    summary="Cancel a pending signing link",
)
def cancel_signing_request(request: HttpRequest, request_id: int) -> SigningRequestOut:
    return _request_out(signing_request_cancel(access=api_access(request), request_id=request_id))


@router.get(
    "/{record_id}",
    response={200: ConsentOut, **ONE_ERRORS},
    summary="One consent record with its text, signature and content hash",
)
def get_consent(request: HttpRequest, record_id: int) -> ConsentOut:
    return _full(consent_record_get(access=api_access(request), record_id=record_id))


@router.post(
    "/{record_id}/withdraw",
    response={200: ConsentOut, **ONE_WRITE_ERRORS},
    summary="Withdraw consent (effective at once)",
)
def withdraw_consent(request: HttpRequest, record_id: int, payload: WithdrawIn) -> ConsentOut:
    access = api_access(request)
    record = consent_record_of_clinic(access=access, record_id=record_id)
    access.require(
        Permission.CLINICAL_RECORD,
        object_type="consent",
        object_id=record.pk,
        patient_id=record.patient_id,
    )
    consent_withdraw(
        access=access, patient_id=record.patient_id, record_id=record.pk, note=payload.note
    )
    return _full(consent_record_of_clinic(access=access, record_id=record.pk))


@router.get(
    "/{record_id}/pdf",
    response={200: None, **ONE_ERRORS},
    summary="The PDF copy of a consent record",
    openapi_extra=PDF_RESPONSE,
)
def consent_pdf_download(request: HttpRequest, record_id: int) -> HttpResponse:
    record, pdf = consent_pdf(access=api_access(request), record_id=record_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{consent_pdf_filename(record)}"'
    response["Cache-Control"] = "no-store"
    return response


def _template_out(template: ConsentTemplate, current: int) -> ConsentTemplateOut:
    return ConsentTemplateOut(
        version=template.version,
        title=template.title,
        body=template.body,
        body_sha256=template.body_sha256,
        change_note=template.change_note,
        created_at=template.created_at,
        current=template.version == current,
    )


@templates_router.get(
    "/{version}",
    response={200: ConsentTemplateOut, **ONE_ERRORS},
    summary="One version of the clinic's consent text",
)
def get_template_version(request: HttpRequest, version: int) -> ConsentTemplateOut:
    access = api_access(request)
    access.require(Permission.CLINICAL_RECORD)
    templates = ConsentTemplate.objects.of(access)
    template = templates.filter(version=version).first()
    if template is None:
        raise Http404(_("No such version of the consent text."))
    current = templates.first()
    return _template_out(template, current.version if current else version)


@templates_router.get(
    "",
    response={200: list[ConsentTemplateOut], **READ_ERRORS},
    summary="The clinic's consent text versions, newest (current) first",
)
def list_templates(request: HttpRequest) -> list[ConsentTemplateOut]:
    access = api_access(request)
    access.require(Permission.CLINICAL_RECORD)
    current = consent_template_current(access=access)
    templates = ConsentTemplate.objects.of(access)
    return [_template_out(t, current.version) for t in templates[:200]]


@templates_router.post(
    "",
    response={201: ConsentTemplateOut, **WRITE_ERRORS},
    summary="Publish a new version of the consent text (owners)",
)
def publish_template(request: HttpRequest, payload: ConsentTemplateIn) -> Status:
    access = api_access(request)
    access.require(Permission.CLINIC_MANAGE)
    current = consent_template_current(access=access)
    if payload.body.strip() == current.body.strip() and payload.title.strip() == current.title:
        raise ValidationError({"body": [_("The text is the same as the current version.")]})
    template = consent_template_new_version(access=access, **payload.dict())
    return Status(201, _template_out(template, template.version))
