"""The aftercare API: the clinic's instruction text, a visit's aftercare (sheet, deliveries,
check-in, alerts), the messages to hand over, check-ins and phone answers, the front desk's call
list, and red-flag alerts.

Each endpoint parses its input and calls one service or selector of :mod:`filiform.aftercare`,
which check the role and audit. The API decides only what to show: check-in answers, triage and
alerts are clinicians' reading, so the front desk gets a visit's check-in status without them.
"""

# No ``from __future__ import annotations`` here: django-ninja reads the enum-typed query
# parameters' annotations at import time.

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from filiform.aftercare import alerts, check_ins, deliveries, follow_up, instructions, selectors
from filiform.aftercare.models import CheckInStatus, DeliveryStatus, MessageKind, Triage
from filiform.aftercare.schemas import (
    AdviceIn,
    AlertOut,
    CallIn,
    CallOut,
    CheckInOut,
    CheckInSummaryOut,
    DeliveryOut,
    FollowUpOut,
    PhoneAnswersIn,
    PhoneAnswersOut,
    ResolveIn,
    SheetOut,
    TemplateIn,
    TemplateOut,
    VisitAftercareOut,
)
from filiform.api_errors import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS, Error
from filiform.api_pagination import ClinicPages
from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Permission, api_access

router = Router(tags=["aftercare"])

WRITE_ONE = {**WRITE_ERRORS, 404: Error}
MAX_ID = 2**62
PATIENT_FILTER = Query(None, ge=1, le=MAX_ID, description="Only this patient's")


# --- instructions --------------------------------------------------------------------------


@router.get(
    "/aftercare/templates",
    response={200: list[TemplateOut], **READ_ERRORS},
    summary="The clinic's aftercare text versions, newest (current) first",
)
def list_templates(request: HttpRequest) -> list[TemplateOut]:
    templates = instructions.aftercare_templates(access=api_access(request))
    current = templates[0].version if templates else 0
    return [TemplateOut.of(t, current=current) for t in templates[:200]]


@router.get(
    "/aftercare/templates/current",
    response={200: TemplateOut, **READ_ERRORS},
    summary="The aftercare text the next signed visit will use",
)
def current_template(request: HttpRequest) -> TemplateOut:
    template = instructions.aftercare_template_current(access=api_access(request))
    return TemplateOut.of(template, current=template.version)


@router.post(
    "/aftercare/templates",
    response={201: TemplateOut, **WRITE_ERRORS},
    summary="Save a new version of the aftercare text (owners); issued sheets keep theirs",
)
def publish_template(request: HttpRequest, payload: TemplateIn) -> Status:
    template = instructions.aftercare_template_new_version(
        access=api_access(request), **payload.dict()
    )
    return Status(201, TemplateOut.of(template, current=template.version))


# --- a visit's aftercare -------------------------------------------------------------------


@router.get(
    "/visits/{visit_id}/aftercare",
    response={200: VisitAftercareOut, **ONE_ERRORS},
    summary="A visit's aftercare: sheet, deliveries, check-in (answers and alerts: clinicians)",
)
def get_visit_aftercare(request: HttpRequest, visit_id: int) -> VisitAftercareOut:
    access = api_access(request)
    found = selectors.aftercare_of_visit(access=access, visit_id=visit_id)
    return VisitAftercareOut.of(
        found,
        clinical=access.can(Permission.CLINICAL_RECORD),
        calls=access.can(Permission.PATIENT_EDIT),
    )


@router.put(
    "/visits/{visit_id}/aftercare",
    response={200: SheetOut, **WRITE_ONE},
    summary="Write the advice and home exercises for the sheet while the visit is a draft",
)
def save_advice(request: HttpRequest, visit_id: int, payload: AdviceIn) -> SheetOut:
    sheet = instructions.aftercare_advice_save(
        access=api_access(request),
        visit_id=visit_id,
        advice=payload.advice,
        home_exercises=payload.home_exercises,
    )
    return SheetOut.of(sheet)


@router.get(
    "/patients/{patient_id}/aftercare-sheets",
    response={200: list[SheetOut], **ONE_ERRORS},
    summary="A patient's issued aftercare sheets, newest first",
)
def list_sheets(request: HttpRequest, patient_id: int) -> list[SheetOut]:
    access = api_access(request)
    sheets = selectors.sheets_of_patient(access=access, patient_id=patient_id)
    return [SheetOut.of(s) for s in sheets[:200]]


# --- deliveries ----------------------------------------------------------------------------


@router.get(
    "/aftercare/deliveries",
    response={200: list[DeliveryOut], **READ_ERRORS},
    summary="Messages to patients and their status, newest first (what to hand over in person)",
)
@paginate(ClinicPages)
def list_deliveries(
    request: HttpRequest,
    patient_id: int | None = PATIENT_FILTER,
    status: DeliveryStatus | None = None,
) -> list[DeliveryOut]:
    access = api_access(request)
    found = selectors.deliveries_of_clinic(
        access=access, patient_id=patient_id, status=status.value if status else None
    )
    if not access.can(Permission.CLINICAL_RECORD):
        # A red-flag e-mail to the clinicians says the patient reported a red flag: clinical.
        found = [d for d in found if d.kind != MessageKind.RED_FLAG]
    return [DeliveryOut.of(d) for d in found]


@router.post(
    "/aftercare/deliveries/{delivery_id}/handed-over",
    response={200: DeliveryOut, **WRITE_ONE},
    summary="The printed sheet was given to the patient (no e-mail, or the e-mail failed)",
)
def hand_over(request: HttpRequest, delivery_id: int) -> DeliveryOut:
    delivery = deliveries.delivery_handed_over(access=api_access(request), delivery_id=delivery_id)
    return DeliveryOut.of(delivery)


# --- check-ins (the call list first: /check-ins/follow-up is not a check-in id) ------------


@router.get(
    "/check-ins/follow-up",
    response={200: list[FollowUpOut], **READ_ERRORS},
    summary="Who to call: check-ins not sent or not answered in time (no health details)",
)
@paginate(ClinicPages)
def list_follow_up(request: HttpRequest) -> list[FollowUpOut]:
    return [FollowUpOut.of(item) for item in follow_up.follow_up_queue(access=api_access(request))]


@router.get(
    "/check-ins",
    response={200: list[CheckInSummaryOut], **READ_ERRORS},
    summary="Check-ins with their triage, newest first (clinicians)",
)
@paginate(ClinicPages)
def list_check_ins(
    request: HttpRequest,
    patient_id: int | None = PATIENT_FILTER,
    status: CheckInStatus | None = None,
) -> list[CheckInSummaryOut]:
    found = selectors.check_ins_of_clinic(
        access=api_access(request), patient_id=patient_id, status=status.value if status else None
    )
    return [CheckInSummaryOut.of(c) for c in found]


@router.get(
    "/check-ins/{check_in_id}",
    response={200: CheckInOut, **ONE_ERRORS},
    summary="One check-in: answers (QuestionnaireResponse), triage and reasons, calls (clinicians)",
)
def get_check_in(request: HttpRequest, check_in_id: int) -> CheckInOut:
    return CheckInOut.of(
        selectors.check_in_get(access=api_access(request), check_in_id=check_in_id)
    )


@router.post(
    "/check-ins/{check_in_id}/phone-answers",
    response={201: PhoneAnswersOut, **WRITE_ONE},
    summary="Enter the answers the patient gave on the phone (triaged and alerted as online)",
)
def record_phone_answers(request: HttpRequest, check_in_id: int, payload: PhoneAnswersIn) -> Status:
    check_in, result = check_ins.check_in_record_by_phone(
        access=api_access(request), check_in_id=check_in_id, answers=payload.answers()
    )
    return Status(
        201,
        PhoneAnswersOut(
            check_in_id=check_in.pk,
            status=check_in.status,
            answered_at=check_in.answered_at,
            answered_via=check_in.answered_via,
            triage=result.level,
            triage_label=str(Triage(result.level).label),
            emergency=result.emergency,
        ),
    )


@router.post(
    "/check-ins/{check_in_id}/calls",
    response={201: CallOut, **WRITE_ONE},
    summary="Record a follow-up call's outcome (front desk, clinicians)",
)
def record_call(request: HttpRequest, check_in_id: int, payload: CallIn) -> Status:
    call = follow_up.follow_up_call_record(
        access=api_access(request),
        check_in_id=check_in_id,
        outcome=payload.outcome.value,
        note=payload.note,
    )
    return Status(201, CallOut.of(call))


# --- alerts --------------------------------------------------------------------------------


@router.get(
    "/alerts",
    response={200: list[AlertOut], **READ_ERRORS},
    summary="Open alerts for you (all of the clinic's for an owner), red first, oldest first",
)
@paginate(ClinicPages)
def list_alerts(request: HttpRequest) -> list[AlertOut]:
    access = api_access(request)
    found = list(alerts.alerts_open(access=access)[:500])
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="red_flag_alert",
        object_id="",
        detail={"count": len(found), "patients": sorted({a.patient_id for a in found})},
    )
    return [AlertOut.of(a) for a in found]


@router.get(
    "/alerts/{alert_id}",
    response={200: AlertOut, **ONE_ERRORS},
    summary="One alert, open or resolved (clinicians)",
)
def get_alert(request: HttpRequest, alert_id: int) -> AlertOut:
    return AlertOut.of(alerts.alert_get(access=api_access(request), alert_id=alert_id))


@router.post(
    "/alerts/{alert_id}/resolve",
    response={200: AlertOut, **WRITE_ONE},
    summary="Record what was done; only then does the alert leave the dashboards (clinicians)",
)
def resolve_alert(request: HttpRequest, alert_id: int, payload: ResolveIn) -> AlertOut:
    alert = alerts.alert_resolve(
        access=api_access(request), alert_id=alert_id, action_taken=payload.action_taken
    )
    return AlertOut.of(alert)
