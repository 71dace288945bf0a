"""Recording consent and withdrawing it; which consent is in force for a patient today."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import math
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission
from filiform.consent.models import ConsentDecision, ConsentRecord
from filiform.consent.templates_service import consent_template_current
from filiform.patients.models import Patient
from filiform.patients.selectors import patient_of_clinic

CANVAS_WIDTH, CANVAS_HEIGHT = 600, 200
MIN_SIGNATURE_LENGTH = 60  # canvas pixels of ink: a dot or a tap is not a signature
MAX_POINTS = 5000


def signature_check(strokes: Any) -> list[list[list[float]]]:
    """A drawn signature: strokes of [x, y] points inside the canvas, with enough ink."""
    if not isinstance(strokes, list) or not strokes:
        raise ValidationError(
            {"signature": _("The signature box is empty. Ask the patient to sign.")}
        )
    ink, points, cleaned = 0.0, 0, []
    for stroke in strokes:
        if not isinstance(stroke, list):
            raise ValidationError(
                {"signature": _("The signature could not be read; clear it and sign again.")}
            )
        line = []
        for point in stroke:
            if (
                not isinstance(point, list)
                or len(point) != 2
                or not all(isinstance(v, int | float) and math.isfinite(v) for v in point)
                or not (0 <= point[0] <= CANVAS_WIDTH and 0 <= point[1] <= CANVAS_HEIGHT)
            ):
                raise ValidationError(
                    {"signature": _("The signature could not be read; clear it and sign again.")}
                )
            line.append([round(float(point[0]), 1), round(float(point[1]), 1)])
        for (x1, y1), (x2, y2) in itertools.pairwise(line):
            ink += math.hypot(x2 - x1, y2 - y1)
        points += len(line)
        cleaned.append(line)
    if points > MAX_POINTS:
        raise ValidationError(
            {"signature": _("The signature is too long; clear it and sign again.")}
        )
    if ink < MIN_SIGNATURE_LENGTH:
        raise ValidationError(
            {
                "signature": _(
                    "The signature box is empty or has only a dot. Ask the patient to sign."
                )
            }
        )
    return cleaned


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def consent_record(
    *,
    access: Access,
    patient_id: int,
    template_version: int,
    risks_discussed: bool,
    benefits_discussed: bool,
    alternatives_discussed: bool,
    questions_answered: bool,
    thorax_acknowledged: bool,
    decision: str,
    signer_name: str,
    signature: Any,
    witness_name: str = "",
) -> ConsentRecord:
    """Record the patient's decision after the discussion. Consent to needling needs every item
    of the discussion ticked; the text is copied into the record so later edits cannot touch it."""
    access.require(Permission.CLINICAL_RECORD)
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    template = consent_template_current(access=access)
    if template.version != template_version:
        raise ValidationError(
            _(
                "The consent text changed while this page was open (now version %(v)d). Reload and go through it again."
            )
            % {"v": template.version}
        )
    if decision not in ConsentDecision.values:
        raise ValidationError(
            {"decision": _("Record whether the patient gives or declines consent.")}
        )
    missing = [
        label
        for label, done in (
            (_("risks"), risks_discussed),
            (_("expected benefits"), benefits_discussed),
            (_("alternatives"), alternatives_discussed),
            (_("the patient's questions"), questions_answered),
        )
        if not done
    ]
    if decision == ConsentDecision.PERMIT and missing:
        raise ValidationError(
            _("Consent is informed only after discussing: %(items)s. Tick each once it is done.")
            % {"items": ", ".join(missing)}
        )
    if not signer_name.strip():
        raise ValidationError({"signer_name": _("Type the name of the person signing.")})
    strokes = signature_check(signature)
    record = ConsentRecord.objects.create(
        clinic_id=access.membership.clinic_id,
        patient=patient,
        template=template,
        **template.snapshot(),
        risks_discussed=risks_discussed,
        benefits_discussed=benefits_discussed,
        alternatives_discussed=alternatives_discussed,
        questions_answered=questions_answered,
        thorax_acknowledged=thorax_acknowledged,
        discussed_by=access.user,
        decision=decision,
        signer_name=signer_name.strip(),
        signature_strokes=strokes,
        witness_name=witness_name.strip(),
        valid_until=_add_months(timezone.localdate(), access.clinic.consent_valid_months),
    )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="consent",
        object_id=record.pk,
        patient_id=patient.pk,
        detail={"decision": decision, "template_version": template.version},
    )
    return record


@transaction.atomic
def consent_withdraw(
    *, access: Access, patient_id: int, record_id: int, note: str
) -> ConsentRecord:
    """Withdrawal takes effect at once; the record stays, marked withdrawn."""
    access.require(Permission.CLINICAL_RECORD)
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    record = ConsentRecord.objects.select_for_update().filter(pk=record_id, patient=patient).first()
    if record is None:
        raise Http404("No such consent record.")
    if record.withdrawn_at is not None:
        raise ValidationError(_("This consent was already withdrawn."))
    record.withdrawn_at, record.withdrawn_by, record.withdrawal_note = (
        timezone.now(),
        access.user,
        note.strip()[:300],
    )
    record.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note"])
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="consent",
        object_id=record.pk,
        patient_id=patient.pk,
        detail={"withdrawn": True},
    )
    return record


@dataclass(frozen=True)
class ConsentStatus:
    in_force: bool
    reason: str
    record: ConsentRecord | None


def consent_status(*, patient: Patient, on: dt.date) -> ConsentStatus:
    """The latest decision decides: a refusal or a withdrawal ends any earlier consent."""
    record = ConsentRecord.objects.filter(patient=patient).first()
    if record is None:
        return ConsentStatus(False, _("No consent recorded."), None)
    if record.withdrawn_at is not None:
        return ConsentStatus(
            False, _("Consent withdrawn on %(d)s.") % {"d": record.withdrawn_at.date()}, record
        )
    if record.decision == ConsentDecision.DENY:
        return ConsentStatus(
            False,
            _("The patient declined needling on %(d)s.") % {"d": record.signed_at.date()},
            record,
        )
    if record.valid_until < on:
        return ConsentStatus(
            False, _("Consent expired on %(d)s.") % {"d": record.valid_until}, record
        )
    return ConsentStatus(
        True, _("Consent in force until %(d)s.") % {"d": record.valid_until}, record
    )
