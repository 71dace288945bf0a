"""Background work for consent (run by `filiform worker`)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from filiform.consent.models import ConsentSigningRequest
from filiform.consent.remote import signing_link_issue


@task()
def send_consent_signing_link(*, request_id: int) -> str:
    """E-mail the patient their single-use signing link. The link's secret is made here and
    never stored, so a retried task whose link was already issued sends nothing."""
    token = signing_link_issue(request_id=request_id)
    if token is None:
        return ""
    request = ConsentSigningRequest.objects.select_related(
        "clinic", "patient", "created_by", "template"
    ).get(pk=request_id)
    with timezone.override(request.clinic.time_zone):
        context = {
            "request": request,
            "clinic": request.clinic,
            "patient": request.patient,
            "link": settings.SITE_URL + reverse("consent:sign", kwargs={"token": token}),
            "expires_at": timezone.localtime(request.expires_at),
        }
        message = EmailMultiAlternatives(
            subject=render_to_string("consent/email/signing_link_subject.txt", context).strip(),
            body=render_to_string("consent/email/signing_link.txt", context),
            to=[request.email],
        )
        message.attach_alternative(
            render_to_string("consent/email/signing_link.html", context), "text/html"
        )
    message.send()
    return request.email
