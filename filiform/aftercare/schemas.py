"""The aftercare API's shapes: what a client sends (parsed, typed, bounded) and what it reads back.

Input schemas only parse: types, coded values and sane bounds. The rules (a signed visit's
advice cannot change, an alert needs what was done, a check-in is answered once) stay in the
services, which answer 422 with the reason. Output builders take what a service or selector
returned; whether a reader sees check-in answers and alerts is decided by the caller with
``clinical`` (front desk and billing see status, never answers).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from filiform.aftercare.follow_up import CallItem
from filiform.aftercare.instructions import MAX_ADVICE, MAX_TEXT
from filiform.aftercare.models import (
    AftercareSheet,
    AftercareTemplate,
    CallOutcome,
    CheckIn,
    Delivery,
    FollowUpCall,
    RedFlagAlert,
)
from filiform.aftercare.selectors import VisitAftercare
from filiform.aftercare.triage import (
    REASON_TEXT,
    Bruising,
    CheckInAnswers,
    Compared,
    Symptom,
    TriageReason,
)
from filiform.api_types import Text
from filiform.clinics.records import status_as_before

MAX_RESOLVE = 2_000

# --- input ---------------------------------------------------------------------------------


class TemplateIn(Schema):
    title: Text = Field(..., max_length=200)
    body: Text = Field(
        ..., max_length=MAX_TEXT, description="What to expect and what to do (Markdown)"
    )
    thorax_warning: Text = Field(
        ...,
        max_length=MAX_TEXT,
        description="Added when the chest wall was needled: signs of a collapsed lung, call 911",
    )
    change_note: Text = Field("", max_length=300, description="What changed in this version")


class AdviceIn(Schema):
    advice: Text = Field(..., max_length=MAX_ADVICE, description="Your advice to the patient")
    home_exercises: Text = Field(..., max_length=MAX_ADVICE)


class PhoneAnswersIn(Schema):
    """The check-in's questions, answered on the phone (the same as the patient's form)."""

    soreness: int = Field(..., ge=0, le=10, description="Soreness now, 0 (none) to 10")
    compared: Compared = Field(..., description="Pain compared with before the treatment")
    bruising: Bruising
    symptoms: list[Symptom] = Field(default_factory=list, max_length=len(Symptom))
    note: Text = Field("", max_length=2000, description="Anything else the patient said")

    def answers(self) -> CheckInAnswers:
        return CheckInAnswers.model_validate(self.model_dump(mode="json"))


class CallIn(Schema):
    outcome: CallOutcome = Field(
        ..., description="How the call went (reached_concern needs a note and alerts a clinician)"
    )
    note: Text = Field("", max_length=500)


class ResolveIn(Schema):
    action_taken: Text = Field(
        ..., max_length=MAX_RESOLVE, description="What was done (at least a few words)"
    )


# --- output --------------------------------------------------------------------------------


def _name(user: Any) -> str | None:
    return None if user is None else str(user.display_name)


class ReasonOut(Schema):
    code: str
    text: str


def reasons_out(codes: list[str]) -> list[ReasonOut]:
    out = []
    for code in codes:
        try:
            text = str(REASON_TEXT[TriageReason(code)])
        except (ValueError, KeyError):
            text = code
        out.append(ReasonOut(code=code, text=text))
    return out


class TemplateOut(Schema):
    version: int
    title: str
    body: str
    thorax_warning: str
    body_sha256: str
    change_note: str
    created_at: dt.datetime
    created_by: str | None
    current: bool

    @staticmethod
    def of(template: AftercareTemplate, *, current: int) -> TemplateOut:
        return TemplateOut(
            version=template.version,
            title=template.title,
            body=template.body,
            thorax_warning=template.thorax_warning,
            body_sha256=template.body_sha256,
            change_note=template.change_note,
            created_at=template.created_at,
            created_by=_name(template.created_by),
            current=template.version == current,
        )


class SheetOut(Schema):
    id: int
    visit_id: int
    patient_id: int
    issued: bool
    issued_at: dt.datetime | None
    advice: str
    home_exercises: str
    template_version: int | None
    content: dict[str, Any] | None = Field(
        ..., description="What the patient was given, frozen when the visit was signed"
    )
    updated_at: dt.datetime
    updated_by: str | None

    @staticmethod
    def of(sheet: AftercareSheet) -> SheetOut:
        return SheetOut(
            id=sheet.pk,
            visit_id=sheet.visit_id,
            patient_id=sheet.patient_id,
            issued=sheet.is_issued,
            issued_at=sheet.issued_at,
            advice=sheet.advice,
            home_exercises=sheet.home_exercises,
            template_version=sheet.template.version if sheet.template else None,
            content=sheet.content,
            updated_at=sheet.updated_at,
            updated_by=_name(sheet.updated_by),
        )


class DeliveryOut(Schema):
    id: int
    patient_id: int
    kind: str
    channel: str
    to: list[str]
    status: str
    status_label: str
    attempts: int
    last_error: str
    why_in_person: str
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    handed_over_by: str | None
    sheet_id: int | None
    check_in_id: int | None

    @staticmethod
    def of(delivery: Delivery) -> DeliveryOut:
        return DeliveryOut(
            id=delivery.pk,
            patient_id=delivery.patient_id,
            kind=delivery.kind,
            channel=delivery.channel,
            to=[str(a) for a in delivery.to or []],
            status=delivery.status,
            status_label=str(delivery.get_status_display()),
            attempts=delivery.attempts,
            last_error=delivery.last_error,
            why_in_person=delivery.why_in_person,
            next_attempt_at=delivery.next_attempt_at,
            created_at=delivery.created_at,
            sent_at=delivery.sent_at,
            handed_over_by=_name(delivery.handed_over_by),
            sheet_id=delivery.sheet_id,
            check_in_id=delivery.check_in_id,
        )


class CallOut(Schema):
    id: int
    outcome: str
    outcome_label: str
    note: str
    called_at: dt.datetime
    called_by: str | None

    @staticmethod
    def of(call: FollowUpCall) -> CallOut:
        return CallOut(
            id=call.pk,
            outcome=call.outcome,
            outcome_label=str(call.get_outcome_display()),
            note=call.note,
            called_at=call.called_at,
            called_by=_name(call.called_by),
        )


class AlertOut(Schema):
    id: int
    patient_id: int
    patient_name: str
    patient_phone: str
    check_in_id: int | None
    visit_id: int | None
    practitioner: str
    level: str
    level_label: str
    reasons: list[ReasonOut]
    raised_at: dt.datetime
    resolved_at: dt.datetime | None
    resolved_by: str | None
    action_taken: str
    emails: list[DeliveryOut] = Field(
        description="The e-mails to the clinicians (red alerts), with their delivery status"
    )

    @staticmethod
    def of(alert: RedFlagAlert) -> AlertOut:
        patient = alert.patient
        return AlertOut(
            id=alert.pk,
            patient_id=alert.patient_id,
            patient_name=str(patient.display_name),
            patient_phone=patient.phone or patient.phone_home,
            check_in_id=alert.check_in_id,
            visit_id=alert.check_in.visit_id if alert.check_in else None,
            practitioner=str(alert.practitioner.user.display_name),
            level=alert.level,
            level_label=str(alert.get_level_display()),
            reasons=reasons_out(list(alert.reasons or [])),
            raised_at=alert.raised_at,
            resolved_at=alert.resolved_at,
            resolved_by=_name(alert.resolved_by),
            action_taken=alert.action_taken,
            emails=[DeliveryOut.of(d) for d in alert.deliveries.all()],
        )


class VisitCheckInOut(Schema):
    """A visit's check-in. ``thorax_needled``, ``triage``, ``reasons`` and
    ``questionnaire_response`` are clinicians' reading: null (empty) for the front desk.
    ``calls`` are for those who make them (front desk, clinicians): empty for billing, since a
    call's note may carry the patient's concern."""

    id: int
    status: str
    status_label: str
    due_at: dt.datetime
    sent_at: dt.datetime | None
    answered_at: dt.datetime | None
    answered_via: str
    calls: list[CallOut]
    thorax_needled: bool | None
    triage: str | None
    reasons: list[ReasonOut]
    questionnaire_response: dict[str, Any] | None

    @staticmethod
    def of(check_in: CheckIn, *, clinical: bool, calls: bool) -> VisitCheckInOut:
        return VisitCheckInOut(
            id=check_in.pk,
            status=check_in.status,
            status_label=str(check_in.get_status_display()),
            due_at=check_in.due_at,
            sent_at=check_in.sent_at,
            answered_at=check_in.answered_at,
            answered_via=check_in.answered_via,
            calls=[CallOut.of(c) for c in check_in.calls.all()] if calls else [],
            thorax_needled=check_in.thorax_needled if clinical else None,
            triage=(check_in.triage or None) if clinical else None,
            reasons=reasons_out(list(check_in.triage_reasons or [])) if clinical else [],
            questionnaire_response=check_in.response if clinical else None,
        )


class VisitAftercareOut(Schema):
    visit_id: int
    patient_id: int
    visit_status: str
    sheet: SheetOut | None
    deliveries: list[DeliveryOut]
    check_in: VisitCheckInOut | None
    alerts: list[AlertOut] = Field(..., description="Clinicians only: empty for the front desk")

    @staticmethod
    def of(found: VisitAftercare, *, clinical: bool, calls: bool) -> VisitAftercareOut:
        return VisitAftercareOut(
            visit_id=found.visit.pk,
            patient_id=found.visit.patient_id,
            visit_status=status_as_before(found.visit.status),
            sheet=SheetOut.of(found.sheet) if found.sheet else None,
            deliveries=[DeliveryOut.of(d) for d in found.deliveries],
            check_in=VisitCheckInOut.of(found.check_in, clinical=clinical, calls=calls)
            if found.check_in
            else None,
            alerts=[AlertOut.of(a) for a in found.alerts] if clinical else [],
        )


class CheckInSummaryOut(Schema):
    id: int
    patient_id: int
    patient_name: str
    visit_id: int
    practitioner: str
    thorax_needled: bool
    status: str
    status_label: str
    due_at: dt.datetime
    sent_at: dt.datetime | None
    answered_at: dt.datetime | None
    answered_via: str
    triage: str | None
    reasons: list[ReasonOut]

    @staticmethod
    def fields_of(check_in: CheckIn) -> dict[str, Any]:
        return {
            "id": check_in.pk,
            "patient_id": check_in.patient_id,
            "patient_name": str(check_in.patient.display_name),
            "visit_id": check_in.visit_id,
            "practitioner": str(check_in.practitioner.user.display_name),
            "thorax_needled": check_in.thorax_needled,
            "status": check_in.status,
            "status_label": str(check_in.get_status_display()),
            "due_at": check_in.due_at,
            "sent_at": check_in.sent_at,
            "answered_at": check_in.answered_at,
            "answered_via": check_in.answered_via,
            "triage": check_in.triage or None,
            "reasons": reasons_out(list(check_in.triage_reasons or [])),
        }

    @staticmethod
    def of(check_in: CheckIn) -> CheckInSummaryOut:
        return CheckInSummaryOut(**CheckInSummaryOut.fields_of(check_in))


class AlertBriefOut(Schema):
    id: int
    level: str
    raised_at: dt.datetime
    resolved_at: dt.datetime | None


class CheckInOut(CheckInSummaryOut):
    questionnaire_response: dict[str, Any] | None = Field(
        ..., description="The answers as a FHIR R4 QuestionnaireResponse (null until answered)"
    )
    calls: list[CallOut]
    alerts: list[AlertBriefOut]

    @staticmethod
    def of(check_in: CheckIn) -> CheckInOut:
        return CheckInOut(
            **CheckInSummaryOut.fields_of(check_in),
            questionnaire_response=check_in.response,
            calls=[CallOut.of(c) for c in check_in.calls.all()],
            alerts=[
                AlertBriefOut(
                    id=a.pk, level=a.level, raised_at=a.raised_at, resolved_at=a.resolved_at
                )
                for a in check_in.alerts.all()
            ],
        )


class PhoneAnswersOut(Schema):
    """What the person who took the call needs: the level, and whether to send the patient to
    emergency care now. The answers themselves are read through ``GET /check-ins/{id}``."""

    check_in_id: int
    status: str
    answered_at: dt.datetime | None
    answered_via: str
    triage: str
    triage_label: str
    emergency: bool = Field(..., description="Tell the patient to call 911 now")


class FollowUpOut(Schema):
    """One line of the call list: who to call and why, no health details."""

    check_in_id: int
    patient_id: int
    patient_name: str
    phone: str
    phone_home: str
    why: str = Field(..., description="no_email (could not be sent) or no_answer")
    due_at: dt.datetime
    attempts: int
    last_call_at: dt.datetime | None
    last_call_outcome: str | None
    last_call_by: str | None

    @staticmethod
    def of(item: CallItem) -> FollowUpOut:
        patient = item.check_in.patient
        last = item.last_call
        return FollowUpOut(
            check_in_id=item.check_in.pk,
            patient_id=patient.pk,
            patient_name=str(patient.display_name),
            phone=patient.phone,
            phone_home=patient.phone_home,
            why=item.why,
            due_at=item.check_in.due_at,
            attempts=item.attempts,
            last_call_at=last.called_at if last else None,
            last_call_outcome=last.outcome if last else None,
            last_call_by=_name(last.called_by) if last else None,
        )
