"""The e-mails: the aftercare sheet and the check-in invitation to the patient (HTML and plain
text), the red-flag alert to clinicians. Times are in the clinic's time zone.

The clinic's aftercare text is Markdown: the HTML part renders it, the text part gets it as
plain text (``patient_text.patient_text_plain``), never its source. The red-flag alert's
subject names the patient by initials only (issue 17): subjects are shown in inboxes, on lock
screens and in mail logs; the body links to the alert."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from filiform.aftercare.instructions import aftercare_html
from filiform.aftercare.models import AftercareSheet, CheckIn, Delivery, RedFlagAlert
from filiform.aftercare.triage import REASON_TEXT, TriageReason
from filiform.links.models import LinkPurpose, PatientLink
from filiform.links.services import link_url
from filiform.patient_text import patient_text_plain
from filiform.patients.models import Patient


def _compose(template: str, context: dict[str, Any], to: list[str]) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=render_to_string(f"aftercare/email/{template}_subject.txt", context).strip(),
        body=render_to_string(f"aftercare/email/{template}.txt", context),
        to=to,
    )
    message.attach_alternative(
        render_to_string(f"aftercare/email/{template}.html", context), "text/html"
    )
    return message


def initials(patient: Patient) -> str:
    """ "J. M. Q." for Jane Mary Quill: enough for the clinician who knows the patient."""
    words = [*patient.given_names.split(), *patient.family_name.split()]
    return " ".join(f"{w[0].upper()}." for w in words if w[:1].isalpha())


def _live_link(clinic_id: int, purpose: LinkPurpose, target_id: int) -> PatientLink | None:
    return (
        PatientLink.objects.of_clinic(clinic_id)
        .filter(purpose=purpose, target_id=target_id, revoked_at__isnull=True)
        .order_by("-created_at")
        .first()
    )


def sheet_context(sheet: AftercareSheet) -> dict[str, Any]:
    """What every rendering of an issued sheet uses (e-mail, screen, PDF)."""
    content = sheet.content or {}
    template = content.get("template", {})
    link = _live_link(sheet.clinic_id, LinkPurpose.AFTERCARE, sheet.pk)
    check_in = content.get("check_in")
    return {
        "sheet": sheet,
        "content": content,
        "clinic": sheet.clinic,
        "patient": sheet.patient,
        "title": template.get("title", ""),
        "body_html": aftercare_html(template.get("body", "")),
        # the e-mail's text part: the same Markdown as plain text, never its source
        "body_text": patient_text_plain(template.get("body", "")),
        "thorax_text": patient_text_plain(template.get("thorax_warning", ""))
        if content.get("thorax_needled")
        else "",
        "thorax_html": aftercare_html(template.get("thorax_warning", ""))
        if content.get("thorax_needled")
        else "",
        "advice": content.get("advice", ""),
        "home_exercises": content.get("home_exercises", ""),
        "muscles": content.get("muscles", []),
        "link": link_url(link) if link else "",
        "link_expires_at": link.expires_at if link else None,
        "check_in": check_in,
    }


def sheet_message(delivery: Delivery) -> EmailMultiAlternatives:
    sheet = (
        AftercareSheet.objects.of_clinic(delivery.clinic_id)
        .select_related("clinic", "patient")
        .get(pk=delivery.sheet_id or 0)
    )
    with timezone.override(sheet.clinic.time_zone):
        return _compose("sheet", sheet_context(sheet), list(delivery.to))


def check_in_message(delivery: Delivery) -> EmailMultiAlternatives:
    check_in = (
        CheckIn.objects.of_clinic(delivery.clinic_id)
        .select_related("clinic", "patient", "practitioner__user")
        .get(pk=delivery.check_in_id or 0)
    )
    link = _live_link(check_in.clinic_id, LinkPurpose.CHECK_IN, check_in.pk)
    with timezone.override(check_in.clinic.time_zone):
        context = {
            "clinic": check_in.clinic,
            "patient": check_in.patient,
            "practitioner": check_in.practitioner.user.display_name,
            "link": link_url(link) if link else "",
            "expires_at": timezone.localtime(link.expires_at) if link else None,
            "thorax_needled": check_in.thorax_needled,
        }
        return _compose("check_in", context, list(delivery.to))


def red_flag_message(delivery: Delivery) -> EmailMultiAlternatives:
    alert = (
        RedFlagAlert.objects.of_clinic(delivery.clinic_id)
        .select_related("clinic", "patient", "practitioner__user")
        .get(pk=delivery.alert_id or 0)
    )
    with timezone.override(alert.clinic.time_zone):
        context = {
            "alert": alert,
            "clinic": alert.clinic,
            "patient": alert.patient,
            "phone": alert.patient.phone or alert.patient.phone_home,
            # the subject is seen in inboxes, on lock screens and in mail logs: initials only,
            # the name is in the body, the record behind the link
            "initials": initials(alert.patient),
            "reasons": [str(REASON_TEXT.get(TriageReason(r), r)) for r in alert.reasons],
            "practitioner": alert.practitioner.user.display_name,
            "raised_at": timezone.localtime(alert.raised_at),
            "link": settings.SITE_URL
            + reverse(
                "aftercare:alert",
                kwargs={"clinic_slug": alert.clinic.slug, "alert_id": alert.pk},
            ),
        }
        return _compose("red_flag", context, list(delivery.to))
