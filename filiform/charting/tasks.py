"""The owners' safety alerts from charting: a significant or serious adverse event, needles
unaccounted for after a session.

Each is a durable safety alert (:mod:`filiform.notices.safety`), raised inside the transaction
that records the event: the dashboard shows it until a clinician or owner acknowledges it, and
the owners' e-mail goes through the outbox, retried with backoff while the mail server is down.
The e-mail says what happened and links to the visit; it does not name the patient."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django_tasks import task

from filiform.charting.models import AdverseEvent, NeedleIncident, Visit
from filiform.clinics.access import Access
from filiform.notices.models import AlertKind, SafetyAlert
from filiform.notices.safety import safety_alert_raise, staff_addresses


def _summary(event: AdverseEvent | None, incident: NeedleIncident | None) -> str:
    if event is not None:
        return str(
            _("%(severity)s adverse event: %(kind)s (%(timing)s)")
            % {
                "severity": _("Serious") if event.severity == "serious" else _("Significant"),
                "kind": event.get_kind_display(),
                "timing": str(event.get_timing_display()).lower(),
            }
        )
    assert incident is not None
    return str(
        _("%(n)d needle(s) unaccounted for after a needling session")
        % {"n": incident.needles_unaccounted}
    )


def owners_alert(
    *,
    access: Access | None,
    event: AdverseEvent | None = None,
    incident: NeedleIncident | None = None,
) -> SafetyAlert:
    """Raise the alert for an adverse event or a needle incident and queue the owners' e-mail,
    inside the caller's transaction."""
    if event is not None:
        visit: Visit = event.visit
        kind, object_type, object_id = AlertKind.ADVERSE_EVENT, "adverse_event", event.pk
    else:
        assert incident is not None
        visit = incident.session.visit
        kind, object_type, object_id = AlertKind.NEEDLE_INCIDENT, "needle_incident", incident.pk
    path = reverse(
        "charting:visit", kwargs={"clinic_slug": visit.clinic.slug, "visit_id": visit.pk}
    )
    context: dict[str, object] = {
        "event": event,
        "incident": incident,
        "visit": visit,
        "link": settings.SITE_URL + path,
        "clinic": visit.clinic,
    }
    return safety_alert_raise(
        clinic_id=visit.clinic_id,
        kind=kind,
        summary=_summary(event, incident),
        object_type=object_type,
        object_id=object_id,
        link=path,
        patient_id=visit.patient_id,
        subject=render_to_string("charting/email/alert_subject.txt", context).strip(),
        body=render_to_string("charting/email/alert.txt", context),
        to=staff_addresses(visit.clinic_id),
        access=access,
    )


@task()
def alert_owners(*, kind: str, object_id: int) -> int:
    """Kept for tasks queued before safety alerts were durable: raises the alert (and queues
    its e-mail through the outbox) instead of sending once and forgetting.

    Safe to run again: a task whose worker died is run again once its lease expires
    (operations/leases.py), and the event may have raised its alert already. The alert is keyed
    by the event (its type and id): when one exists, it is returned and nothing is raised or
    e-mailed twice. The event's row is locked first, so two runs at once wait for each other."""
    with transaction.atomic():
        if kind == "adverse_event":
            event = (
                AdverseEvent.objects.select_for_update(of=("self",))
                .select_related("visit__clinic", "recorded_by")
                .get(pk=object_id)
            )
            raised = _raised("adverse_event", event.pk)
            return raised if raised is not None else owners_alert(access=None, event=event).pk
        incident = (
            NeedleIncident.objects.select_for_update(of=("self",))
            .select_related("session__visit__clinic", "recorded_by")
            .get(pk=object_id)
        )
        raised = _raised("needle_incident", incident.pk)
        return raised if raised is not None else owners_alert(access=None, incident=incident).pk


def _raised(object_type: str, object_id: int) -> int | None:
    """The alert already raised for this event, if any."""
    return (
        SafetyAlert.objects.filter(object_type=object_type, object_id=str(object_id))
        .values_list("pk", flat=True)
        .first()
    )
