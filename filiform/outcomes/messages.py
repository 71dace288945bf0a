"""The e-mail asking the patient to answer questionnaires before their visit."""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

from filiform.aftercare.models import Delivery
from filiform.links.models import LinkPurpose, PatientLink
from filiform.links.services import link_url
from filiform.outcomes.instruments import SPECS, Instrument
from filiform.outcomes.models import MeasureRequest


def measures_message(delivery: Delivery) -> EmailMultiAlternatives:
    # The worker composes this for the delivery's clinic: no one acts, the delivery names it.
    request = (
        MeasureRequest.objects.of_clinic(delivery.clinic_id)
        .select_related("clinic", "patient")
        .get(pk=delivery.measure_request_id or 0)
    )
    link = (
        PatientLink.objects.of_clinic(delivery.clinic_id)
        .filter(purpose=LinkPurpose.MEASURES, target_id=request.pk, revoked_at__isnull=True)
        .order_by("-created_at")
        .first()
    )
    with timezone.override(request.clinic.time_zone):
        context = {
            "clinic": request.clinic,
            "patient": request.patient,
            "names": [SPECS[Instrument(code)].name for code in request.instruments],
            "link": link_url(link) if link else "",
            "expires_at": timezone.localtime(link.expires_at) if link else None,
        }
        message = EmailMultiAlternatives(
            subject=render_to_string("outcomes/email/measures_subject.txt", context).strip(),
            body=render_to_string("outcomes/email/measures.txt", context),
            to=list(delivery.to),
        )
        message.attach_alternative(
            render_to_string("outcomes/email/measures.html", context), "text/html"
        )
    return message
