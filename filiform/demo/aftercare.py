"""Demo aftercare: the sheets and check-ins of the latest signed needling visits, in every state a
clinic sees — answered as expected, an amber concern, an open red flag on the dashboard, a
patient to call because they have no e-mail, one who has not answered, one still scheduled.
Rows are written directly (no e-mail is sent for history); the sheet's content is made by the
same function the product uses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from filiform.aftercare.deliveries import patient_email_or_reason
from filiform.aftercare.instructions import (
    needled_muscles,
)
from filiform.aftercare.issue import sheet_and_check_in_issue
from filiform.aftercare.models import (
    AftercareSheet,
    AftercareTemplate,
    Channel,
    CheckIn,
    CheckInStatus,
    Delivery,
    DeliveryStatus,
    FollowUpCall,
    MessageKind,
    RedFlagAlert,
)
from filiform.aftercare.triage import CheckInAnswers, questionnaire_response, triage
from filiform.charting.codes import VisitStatus
from filiform.charting.models import NeedlingSession, Visit
from filiform.clinics.models import Clinic
from filiform.links.models import LinkPurpose, PatientLink

CALM = CheckInAnswers(soreness=3, compared="better", bruising="small")
AMBER = CheckInAnswers(soreness=6, compared="same", bruising="large", note="Big bruise on my back.")
RED = CheckInAnswers(
    soreness=4,
    compared="same",
    bruising="none",
    symptoms=["shortness_of_breath"],  # type: ignore[list-item]
    note="A bit short of breath climbing the stairs since this morning.",
)


def _issue(
    visit: Visit, session: NeedlingSession, *, advice: str
) -> tuple[AftercareSheet, CheckIn]:
    """The aftercare the product issued when the visit was signed, dated then; the e-mail is
    recorded as sent rather than sent."""
    clinic = visit.clinic
    issued = visit.signed_at or session.ended_at or visit.started_at
    sheet = AftercareSheet(
        clinic=clinic,
        patient=visit.patient,
        visit=visit,
        advice=advice,
        updated_by=visit.practitioner.user,
        updated_at=issued,
    )
    sheet, check_in, address = sheet_and_check_in_issue(
        visit=visit, session=session, sheet=sheet, issued_at=issued
    )
    PatientLink.objects.filter(purpose=LinkPurpose.AFTERCARE, target_id=sheet.pk).update(
        created_at=issued
    )
    why = patient_email_or_reason(visit.patient)[1]
    Delivery.objects.create(
        clinic=clinic,
        patient=visit.patient,
        kind=MessageKind.AFTERCARE,
        channel=Channel.EMAIL if address else Channel.IN_PERSON,
        to=[address] if address else [],
        why_in_person=why,
        status=DeliveryStatus.SENT if address else DeliveryStatus.IN_PERSON,
        attempts=1 if address else 0,
        sheet=sheet,
        created_at=issued,
        sent_at=issued if address else None,
    )
    return sheet, check_in


def _sent(check_in: CheckIn) -> None:
    check_in.status, check_in.sent_at = CheckInStatus.SENT, check_in.due_at
    check_in.save(update_fields=["status", "sent_at"])
    Delivery.objects.create(
        clinic_id=check_in.clinic_id,
        patient_id=check_in.patient_id,
        kind=MessageKind.CHECK_IN,
        channel=Channel.EMAIL,
        to=[check_in.patient.email],
        status=DeliveryStatus.SENT,
        attempts=1,
        check_in=check_in,
        created_at=check_in.due_at,
        sent_at=check_in.due_at,
    )


def _answered(check_in: CheckIn, answers: CheckInAnswers, *, after: dt.timedelta) -> None:
    _sent(check_in)
    when = check_in.due_at + after
    result = triage(answers, thorax_needled=check_in.thorax_needled)
    check_in.response = questionnaire_response(
        answers,
        authored=when,
        patient_ref=f"Patient/{check_in.patient_id}",
        visit_ref=f"Encounter/{check_in.visit_id}",
    )
    check_in.status, check_in.answered_at, check_in.answered_via = (
        CheckInStatus.ANSWERED,
        when,
        "portal-link",
    )
    check_in.triage, check_in.triage_reasons = result.level, [str(r) for r in result.reasons]
    check_in.save()
    if result.level != "green":
        RedFlagAlert.objects.create(
            clinic_id=check_in.clinic_id,
            patient_id=check_in.patient_id,
            check_in=check_in,
            practitioner_id=check_in.practitioner_id,
            level=result.level,
            reasons=check_in.triage_reasons,
            raised_at=when,
        )


def _make_emailable(visit: Visit, emailable: bool) -> None:
    patient = visit.patient
    if patient.email and patient.email_ok != emailable:
        patient.email_ok = emailable
        patient.save(update_fields=["email_ok"])


def demo_aftercare(clinic: Clinic) -> list[str]:
    """Aftercare for the latest signed needling visit of each patient seen in the last month, one
    state each; returns the lines for the demo's "patients to try" list."""
    now = timezone.now()
    visits = (
        Visit.objects.filter(
            clinic=clinic,
            status=VisitStatus.SIGNED,
            session__isnull=False,
            started_at__gte=now - dt.timedelta(days=30),
        )
        .select_related("patient", "practitioner__user", "clinic", "session")
        .order_by("-started_at")
    )
    latest: dict[int, Visit] = {}
    for visit in visits:
        latest.setdefault(visit.patient_id, visit)
    advice = "Heat this evening, keep moving, and do the stretches we practised twice a day."
    lines: list[str] = []
    red_done = False
    plain: list[tuple[str, Callable[[CheckIn], Any]]] = [
        ("answered: as expected", lambda c: _answered(c, CALM, after=dt.timedelta(hours=2))),
        (
            "answered with an amber concern (a large bruise), to review",
            lambda c: _answered(c, AMBER, after=dt.timedelta(hours=1)),
        ),
        ("", lambda c: None),  # no e-mail: the front desk calls
        ("not answered: on the front desk's call list", _sent),
    ]
    for visit in latest.values():
        session = NeedlingSession.objects.get(visit=visit)
        thorax = needled_muscles(session, clinic.pk)[1]
        name = visit.patient.display_name
        if thorax and not red_done:
            _make_emailable(visit, True)
            _sheet, check_in = _issue(visit, session, advice=advice)
            _answered(check_in, RED, after=dt.timedelta(hours=3))
            red_done = True
            lines.append(
                f"{name}: RED FLAG open (short of breath after needling near the chest), on "
                f"{visit.practitioner.user.display_name}'s and the owner's dashboards"
            )
            continue
        if not plain:
            break
        label, make = plain.pop(0)
        _make_emailable(visit, bool(label))
        _sheet, check_in = _issue(visit, session, advice=advice)
        if label:
            make(check_in)
            lines.append(f"{name}: aftercare e-mailed; check-in {label}")
        else:
            lines.append(
                f"{name}: no e-mail: aftercare to hand over in person, check-in by phone "
                "(front desk's call list)"
            )
    return lines


def demo_aftercare_reset(clinics: QuerySet[Clinic]) -> None:
    FollowUpCall.objects.filter(check_in__clinic__in=clinics).delete()
    Delivery.objects.filter(clinic__in=clinics).delete()
    RedFlagAlert.objects.filter(clinic__in=clinics).delete()
    CheckIn.objects.filter(clinic__in=clinics).delete()
    AftercareSheet.objects.filter(clinic__in=clinics).delete()
    AftercareTemplate.objects.filter(clinic__in=clinics).delete()
    PatientLink.objects.filter(clinic__in=clinics).delete()
