"""Alerts the owners get at once: significant or serious adverse events, needles unaccounted
for (run by the worker)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from filiform.charting.models import AdverseEvent, NeedleIncident, Visit
from filiform.clinics.models import Membership, Role


@task()
def alert_owners(*, kind: str, object_id: int) -> list[str]:
    """E-mail the clinic's owners about an adverse event or a needle incident. The message says
    what happened and links to the visit; it carries no more health detail than needed."""
    if kind == "adverse_event":
        event = AdverseEvent.objects.select_related("visit", "recorded_by").get(pk=object_id)
        visit: Visit = event.visit
        context: dict[str, object] = {"event": event, "incident": None}
    else:
        incident = NeedleIncident.objects.select_related("session__visit", "recorded_by").get(
            pk=object_id
        )
        visit = incident.session.visit
        context = {"event": None, "incident": incident}
    owners = list(
        Membership.objects.filter(clinic_id=visit.clinic_id, role=Role.OWNER, is_active=True)
        .select_related("user", "clinic")
        .values_list("user__email", flat=True)
    )
    if not owners:
        return []
    link = settings.SITE_URL + reverse(
        "charting:visit", kwargs={"clinic_slug": visit.clinic.slug, "visit_id": visit.pk}
    )
    context |= {"visit": visit, "link": link, "clinic": visit.clinic}
    message = EmailMessage(
        subject=render_to_string("charting/email/alert_subject.txt", context).strip(),
        body=render_to_string("charting/email/alert.txt", context),
        to=owners,
    )
    message.send()
    return owners
