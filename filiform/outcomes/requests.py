"""Questionnaires sent to the patient before a visit: a single-use link by e-mail; the patient
answers on their own device; each answer is scored like the clinician's, all or nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.aftercare.deliveries import delivery_to_patient, patient_email_or_reason
from filiform.aftercare.models import Delivery, MessageKind
from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission
from filiform.links.models import LinkPurpose
from filiform.links.services import (
    LinkContext,
    LinkRefused,
    link_issue,
    link_open_target,
    link_saved_audit,
    link_spend,
)
from filiform.outcomes.instruments import Instrument
from filiform.outcomes.models import MeasurementSource, MeasureRequest
from filiform.outcomes.services import (
    episode_for_measures,
    instrument_of,
    measurement_store,
    scored,
)
from filiform.patients.selectors import patient_of_clinic

REQUEST_LINK_DAYS = 7
PATIENT_INSTRUMENTS = (
    Instrument.NPRS,
    Instrument.PSFS,
    Instrument.NDI,
    Instrument.ODI,
    Instrument.QUICKDASH,
    Instrument.LEFS,
)  # what a patient can answer alone (range of motion and algometry are measured in the clinic)


@transaction.atomic
def measure_request_send(
    *, access: Access, patient_id: int, instruments: list[str], episode_id: int | None = None
) -> tuple[MeasureRequest, Delivery]:
    """E-mail the patient a link to answer the chosen questionnaires before their visit."""
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    access.require(Permission.PATIENT_EDIT, object_type="measure_request", patient_id=patient.pk)
    codes = list(dict.fromkeys(instrument_of(i) for i in instruments))
    if not codes:
        raise ValidationError({"instruments": _("Choose at least one questionnaire to send.")})
    clinic_only = [c for c in codes if c not in PATIENT_INSTRUMENTS]
    if clinic_only:
        raise ValidationError(
            {
                "instruments": _("%(m)s is measured in the clinic, not sent to the patient.")
                % {"m": ", ".join(c.value for c in clinic_only)}
            }
        )
    address, why_not = patient_email_or_reason(patient)
    if not address:
        raise ValidationError(
            {"email": _("%(why)s: take the measures in the clinic instead.") % {"why": why_not}}
        )
    episode = episode_for_measures(patient, episode_id)
    request = MeasureRequest.objects.of(access).create(
        clinic_id=patient.clinic_id,
        patient=patient,
        episode=episode,
        instruments=[c.value for c in codes],
        created_by=access.user,
    )
    link_issue(
        clinic_id=patient.clinic_id,
        patient_id=patient.pk,
        purpose=LinkPurpose.MEASURES,
        target_id=request.pk,
        valid_for=dt.timedelta(days=REQUEST_LINK_DAYS),
        single_use=True,
    )
    delivery = delivery_to_patient(
        patient=patient, kind=MessageKind.MEASURES, measure_request_id=request.pk
    )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="measure_request",
        object_id=request.pk,
        patient_id=patient.pk,
        detail={"instruments": request.instruments},
    )
    return request, delivery


def measure_request_open(*, token: str, where: LinkContext) -> MeasureRequest:
    opened = link_open_target(
        token=token,
        where=where,
        purpose=LinkPurpose.MEASURES,
        model=MeasureRequest,
        related=("clinic", "patient"),
    )
    if opened.target.completed_at is not None:
        raise LinkRefused("used", opened.link)
    return opened.target


def _completed(request: MeasureRequest) -> str | None:
    return "used" if request.completed_at is not None else None


def measure_request_submit(
    *, token: str, where: LinkContext, answers: dict[str, Any]
) -> MeasureRequest:
    """The patient's answers, one entry per requested questionnaire. Every one is validated
    before anything is saved; a bad item value is a ValidationError naming it, and the link
    still works."""
    with link_spend(
        token=token,
        where=where,
        purpose=LinkPurpose.MEASURES,
        model=MeasureRequest,
        related=("patient", "episode"),
        refuse=_completed,
    ) as opened:
        request = opened.target
        missing = [code for code in request.instruments if code not in answers]
        if missing:
            raise ValidationError(
                {code: _("Please answer this questionnaire.") for code in missing}
            )
        errors: dict[str, list[str]] = {}
        results = {}
        for code in request.instruments:
            try:
                results[code] = scored(Instrument(code), answers[code])
            except ValidationError as error:
                errors[code] = error.messages
        if errors:
            raise ValidationError(errors)
        now = timezone.now()
        for code in request.instruments:
            measurement_store(
                patient=request.patient,
                episode=request.episode,
                instrument=Instrument(code),
                answers=answers[code],
                source=MeasurementSource.PATIENT,
                result=results[code],
                taken_at=now,
                request=request,
            )
        request.completed_at = now
        request.save(update_fields=["completed_at"])
        link_saved_audit(
            opened=opened,
            where=where,
            object_type="measure_request",
            object_id=request.pk,
            detail={"instruments": request.instruments},
        )
    return request
