"""Recording consent and withdrawing it; which consent is in force for a patient today."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.consent.models import ConsentDecision, ConsentRecord, ConsentTemplate
from filiform.consent.signatures import (
    CANVAS_HEIGHT,
    CANVAS_WIDTH,
    signature_check,
    signature_png_check,
)
from filiform.consent.templates_service import consent_template_current
from filiform.dates import add_months
from filiform.patients.models import Patient
from filiform.patients.selectors import patient_of_clinic

if TYPE_CHECKING:
    from filiform.accounts.models import User
    from filiform.clinics.models import Clinic

__all__ = [
    "CANVAS_HEIGHT",
    "CANVAS_WIDTH",
    "ConsentStatus",
    "Discussion",
    "consent_record",
    "consent_save",
    "consent_status",
    "consent_withdraw",
    "signature_check",
]


@dataclass(frozen=True)
class Discussion:
    """The discussion checklist: what was talked through before the patient decided."""

    risks: bool
    benefits: bool
    alternatives: bool
    questions_answered: bool
    thorax_acknowledged: bool


def consent_save(
    *,
    clinic: Clinic,
    patient: Patient,
    template: ConsentTemplate,
    discussion: Discussion,
    discussed_by: User,
    decision: str,
    signer_name: str,
    signature: Any = None,
    signature_png: bytes | None = None,
    witness_name: str = "",
) -> ConsentRecord:
    """The one path every consent record takes, in the clinic or through a signing link.

    Consent to needling is informed only when risks, benefits, alternatives and the patient's
    questions were all covered; a refusal can be recorded at any point. The signature is either
    drawn strokes or a PNG image, and must hold real ink. The text is copied into the record so
    later versions cannot touch it. Callers check access and audit; this only validates and saves."""
    if decision not in ConsentDecision.values:
        raise ValidationError(
            {"decision": _("Record whether the patient gives or declines consent.")}
        )
    missing = [
        label
        for label, done in (
            (_("risks"), discussion.risks),
            (_("expected benefits"), discussion.benefits),
            (_("alternatives"), discussion.alternatives),
            (_("the patient's questions"), discussion.questions_answered),
        )
        if not done
    ]
    if decision == ConsentDecision.PERMIT and missing:
        raise ValidationError(
            _("Consent is informed only after discussing: %(items)s. Tick each once it is done.")
            % {"items": ", ".join(missing)}
        )
    signer_name = signer_name.strip()
    if not signer_name:
        raise ValidationError({"signer_name": _("Type the name of the person signing.")})
    if signature_png:
        strokes: list[list[list[float]]] = []
        png = signature_png_check(signature_png)
    else:
        strokes, png = signature_check(signature), b""
    return ConsentRecord.objects.of_clinic(clinic.pk).create(
        clinic=clinic,
        patient=patient,
        template=template,
        **template.snapshot(),
        risks_discussed=discussion.risks,
        benefits_discussed=discussion.benefits,
        alternatives_discussed=discussion.alternatives,
        questions_answered=discussion.questions_answered,
        thorax_acknowledged=discussion.thorax_acknowledged,
        discussed_by=discussed_by,
        decision=decision,
        signer_name=signer_name[:200],
        signature_strokes=strokes,
        signature_png=png,
        witness_name=witness_name.strip()[:200],
        valid_until=add_months(
            timezone.localdate(timezone=ZoneInfo(clinic.time_zone)), clinic.consent_valid_months
        ),
    )


@transaction.atomic
def consent_record(
    *,
    access: Access,
    patient_id: int,
    template_version: int | None,
    risks_discussed: bool,
    benefits_discussed: bool,
    alternatives_discussed: bool,
    questions_answered: bool,
    thorax_acknowledged: bool,
    decision: str,
    signer_name: str,
    signature: Any = None,
    signature_png: bytes | None = None,
    witness_name: str = "",
) -> ConsentRecord:
    """Record the patient's decision after the discussion in the clinic, against the text
    version the clinician had on screen."""
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    access.require(Permission.CLINICAL_RECORD, object_type="consent", patient_id=patient.pk)
    template = consent_template_current(access=access)
    if template.version != template_version:
        raise ValidationError(
            _(
                "The consent text changed while this page was open (now version %(v)d). Reload and go through it again."
            )
            % {"v": template.version}
        )
    record = consent_save(
        clinic=access.clinic,
        patient=patient,
        template=template,
        discussion=Discussion(
            risks=risks_discussed,
            benefits=benefits_discussed,
            alternatives=alternatives_discussed,
            questions_answered=questions_answered,
            thorax_acknowledged=thorax_acknowledged,
        ),
        discussed_by=access.user,
        decision=decision,
        signer_name=signer_name,
        signature=signature,
        signature_png=signature_png,
        witness_name=witness_name,
    )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="consent",
        object_id=record.pk,
        patient_id=patient.pk,
        detail={
            "decision": decision,
            "template_version": template.version,
            "signature": "png" if record.signature_png else "drawn",
        },
    )
    return record


@transaction.atomic
def consent_withdraw(
    *, access: Access, patient_id: int, record_id: int, note: str
) -> ConsentRecord:
    """Withdrawal takes effect at once; the record stays, marked withdrawn."""
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    record = clinic_get(
        access,
        ConsentRecord.objects.of(access).filter(patient=patient),
        record_id,
        permission=Permission.CLINICAL_RECORD,
        object_type="consent",
        for_update=True,
    )
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
    record = ConsentRecord.objects.of_clinic(patient.clinic_id).filter(patient=patient).first()
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
