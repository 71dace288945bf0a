"""Safety-alert pages: the dashboard's panel (open alerts, each with its e-mail's status and a
note to acknowledge it), one alert (with "Send again" for its e-mail), and the list of all."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page
from filiform.notices.forms import AcknowledgeForm
from filiform.notices.safety import (
    AlreadyAcknowledged,
    safety_alert_acknowledge,
    safety_alert_get,
    safety_alert_send_again,
    safety_alerts_audit,
    safety_alerts_of_clinic,
)

DASHBOARD_ALERTS = 50
LIST_LIMIT = 200


def dashboard_context(access: Access) -> dict[str, Any]:
    """The dashboard's safety-alert panel, for clinicians and owners: every open alert of the
    clinic, the longest waiting first (audited: they concern patients, by id)."""
    if not access.can(Permission.CLINICAL_RECORD):
        return {}
    alerts = list(safety_alerts_of_clinic(access=access)[:DASHBOARD_ALERTS])
    safety_alerts_audit(access, alerts)
    return {"safety_alerts": alerts}


def _errors_onto(form: AcknowledgeForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, texts in error.message_dict.items():
            form.add_error(field if field in form.fields else None, texts)
    else:
        form.add_error(None, error.messages)


@clinic_page(Permission.CLINICAL_RECORD)
@require_http_methods(["GET", "POST"])
def alert_page(request: HttpRequest, access: Access, alert_id: int) -> HttpResponse:
    """One alert with its e-mails; a clinician or owner acknowledges it with a note, which
    takes it off the dashboard."""
    alert = safety_alert_get(access=access, alert_id=alert_id)
    form = AcknowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            safety_alert_acknowledge(
                access=access, alert_id=alert.pk, note=form.cleaned_data["note"]
            )
        except AlreadyAcknowledged as refused:  # someone was quicker: show who, and their note
            messages.info(request, refused.messages[0])
            return redirect("notices:alert", clinic_slug=access.clinic.slug, alert_id=alert.pk)
        except ValidationError as error:
            _errors_onto(form, error)
            alert = safety_alert_get(access=access, alert_id=alert.pk)
        else:
            messages.success(
                request,
                _("Safety alert acknowledged: %(what)s") % {"what": alert.summary},
            )
            return redirect("clinics:dashboard", clinic_slug=access.clinic.slug)
    return render(
        request,
        "notices/alert.html",
        {"alert": alert, "form": form if alert.is_open else None},
        status=422 if form.errors else 200,
    )


@clinic_page(Permission.CLINICAL_RECORD)
@require_GET
def alerts_page(request: HttpRequest, access: Access) -> HttpResponse:
    """Every safety alert of the clinic, newest first, open or acknowledged (who, when, note)."""
    alerts = list(safety_alerts_of_clinic(access=access, open_only=False)[:LIST_LIMIT])
    safety_alerts_audit(access, alerts)
    return render(request, "notices/alerts.html", {"alerts": alerts})


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def alert_send_again(request: HttpRequest, access: Access, alert_id: int) -> HttpResponse:
    """E-mail the alert to the owners again (its last e-mail failed or never arrived)."""
    try:
        message = safety_alert_send_again(access=access, alert_id=alert_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if message.to:
            messages.success(
                request,
                _("The alert is being e-mailed again to %(to)s.") % {"to": ", ".join(message.to)},
            )
        else:
            messages.error(request, message.reason)
    return redirect("notices:alert", clinic_slug=access.clinic.slug, alert_id=alert_id)
