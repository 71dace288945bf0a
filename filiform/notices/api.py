"""The safety-alert API: the clinic's alerts with the status of their e-mails, one alert,
acknowledging it, and e-mailing it again (clinicians and owners of the clinic; another clinic's
alert is 404; an alert already acknowledged, or an e-mail still on its way, is 409)."""

# No ``from __future__ import annotations`` here: django-ninja reads the query parameters'
# annotations at import time.

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from filiform.api_errors import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS, Error
from filiform.api_pagination import ClinicPages
from filiform.clinics.access import api_access
from filiform.notices import safety
from filiform.notices.outbox import StillOnItsWay
from filiform.notices.schemas import AcknowledgeIn, SafetyAlertOut

router = Router(tags=["safety alerts"])


@router.get(
    "/safety-alerts",
    response={200: list[SafetyAlertOut], **READ_ERRORS},
    summary="The clinic's safety alerts: open ones (oldest first) or, with open=false, all "
    "(newest first); each with its e-mails' status (clinicians and owners)",
)
@paginate(ClinicPages)
def list_alerts(
    request: HttpRequest,
    open: bool = Query(True, description="Only alerts not yet acknowledged"),
) -> list[SafetyAlertOut]:
    access = api_access(request)
    found = list(safety.safety_alerts_of_clinic(access=access, open_only=open)[:500])
    safety.safety_alerts_audit(access, found)
    return [SafetyAlertOut.of(a) for a in found]


@router.get(
    "/safety-alerts/{alert_id}",
    response={200: SafetyAlertOut, **ONE_ERRORS},
    summary="One safety alert, open or acknowledged, with its e-mails' status",
)
def get_alert(request: HttpRequest, alert_id: int) -> SafetyAlertOut:
    return SafetyAlertOut.of(safety.safety_alert_get(access=api_access(request), alert_id=alert_id))


@router.post(
    "/safety-alerts/{alert_id}/acknowledge",
    response={200: SafetyAlertOut, 409: Error, **WRITE_ERRORS, 404: Error},
    summary="Acknowledge an alert with a note; only then does it leave the dashboard "
    "(409 if someone already did)",
)
def acknowledge(request: HttpRequest, alert_id: int, payload: AcknowledgeIn) -> Status:
    try:
        alert = safety.safety_alert_acknowledge(
            access=api_access(request), alert_id=alert_id, note=payload.note
        )
    except safety.AlreadyAcknowledged as refused:
        return Status(409, Error(detail=refused.messages[0]))
    return Status(200, SafetyAlertOut.of(alert))


@router.post(
    "/safety-alerts/{alert_id}/send-again",
    response={200: SafetyAlertOut, 409: Error, **WRITE_ERRORS, 404: Error},
    summary="E-mail the alert to the owners again (its last e-mail failed or never arrived); "
    "409 while its last e-mail is still on its way",
)
def send_again(request: HttpRequest, alert_id: int) -> Status:
    access = api_access(request)
    try:
        safety.safety_alert_send_again(access=access, alert_id=alert_id)
    except StillOnItsWay as refused:
        return Status(409, Error(detail=refused.messages[0]))
    return Status(200, SafetyAlertOut.of(safety.safety_alert_get(access=access, alert_id=alert_id)))
