"""The patient's pages, opened from a link without a password: the aftercare sheet (and its PDF)
and the check-in. The link is the key; every opening and every refusal is audited by the link
services. No staff navigation is shown, even to a signed-in clinician who opens a patient's link.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from filiform.aftercare.check_ins import check_in_open, check_in_submit
from filiform.aftercare.messages import sheet_context
from filiform.aftercare.models import AftercareSheet, CheckIn, CheckInStatus
from filiform.aftercare.pdf import sheet_pdf_filename, sheet_pdf_render
from filiform.aftercare.triage import TriageReason, TriageResult
from filiform.clinics.access import client_ip, user_agent
from filiform.clinics.models import Clinic
from filiform.links.models import LinkPurpose
from filiform.links.services import (
    LinkContext,
    LinkRefused,
    link_open_target,
    link_purpose_of,
)
from filiform.patients.models import Patient
from filiform.portal.forms import CheckInForm

UI_LANGUAGES = {"en": "en-ca", "fr": "fr-ca"}  # the patient's preference → our languages

# The address holds the link's secret: no page sends it on to another site. The check-in form
# is the exception that proves it: with "no-referrer" Chromium posts the form with
# ``Origin: null``, which the CSRF check rightly refuses, so that page says "same-origin" (the
# token still never leaves this site).
NO_REFERRER = "no-referrer"
SAME_ORIGIN = "same-origin"

REFUSALS: dict[str, tuple[int, Any, Any]] = {
    "unknown": (
        404,
        _("This link does not work"),
        _(
            "The address is incomplete or was changed. Open the link exactly as it is in the e-mail or on your sheet, or call the clinic."
        ),
    ),
    "used": (
        410,
        _("You already answered this check-in"),
        _(
            "Your answers were received, and a check-in link works only once. If you feel worse or have a question, please call the clinic."
        ),
    ),
    "expired": (
        410,
        _("This link has expired"),
        _("For your safety, links work for a limited time. Please call the clinic."),
    ),
    "revoked": (
        410,
        _("This link was stopped by the clinic"),
        _("The clinic stopped this link. Please call the clinic if you need a new one."),
    ),
}


def _where(request: HttpRequest) -> LinkContext:
    return LinkContext(ip=client_ip(request), user_agent=user_agent(request))


def _private(response: HttpResponse, referrer_policy: str = NO_REFERRER) -> HttpResponse:
    response["Referrer-Policy"] = referrer_policy
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    referrer_policy: str = NO_REFERRER,
) -> HttpResponse:
    # A clinician who opens a patient's link sees what the patient sees: no staff navigation.
    context = {"user": AnonymousUser(), "memberships": [], "access": None, **context}
    response = render(request, template, context, status=status)
    return _private(response, referrer_policy)


@contextmanager
def _patients_terms(patient: Patient | None, clinic: Clinic | None) -> Iterator[None]:
    """The patient's language and the clinic's time zone, for everything the patient reads."""
    language = UI_LANGUAGES.get(patient.preferred_language, "") if patient else ""
    with (
        translation.override(language or translation.get_language()),
        timezone.override(clinic.time_zone if clinic else None),
    ):
        yield


def _refused(
    request: HttpRequest,
    reason: str,
    *,
    clinic: Clinic | None = None,
    patient: Patient | None = None,
    check_in: bool = False,
) -> HttpResponse:
    status, title, text = REFUSALS.get(reason, REFUSALS["unknown"])
    with _patients_terms(patient, clinic):
        return _page(
            request,
            "portal/refused.html",
            {
                "title": title,
                "text": text,
                "reason": reason,
                "clinic": clinic,
                "check_in": check_in,
            },
            status=status,
        )


def _refusal(request: HttpRequest, refusal: LinkRefused) -> HttpResponse:
    link = refusal.link
    if link is None:
        return _refused(request, refusal.reason)
    return _refused(
        request,
        refusal.reason,
        clinic=link.clinic,
        patient=link.patient,
        check_in=link.purpose == LinkPurpose.CHECK_IN,
    )


def _open_sheet(request: HttpRequest, token: str) -> AftercareSheet | HttpResponse:
    """The issued sheet behind an aftercare link, or the refusal page (both audited)."""
    try:
        return link_open_target(
            token=token,
            where=_where(request),
            purpose=LinkPurpose.AFTERCARE,
            model=AftercareSheet,
            related=("clinic", "patient"),
            only={"issued_at__isnull": False},
        ).target
    except LinkRefused as refusal:
        return _refusal(request, refusal)


@never_cache
@require_http_methods(["GET", "POST"])
def open_link(request: HttpRequest, token: str) -> HttpResponse:
    """``/p/<token>/``: the aftercare sheet, the check-in or the questionnaires, by the link's
    purpose."""
    purpose = link_purpose_of(token)
    if purpose == LinkPurpose.CHECK_IN:
        return _check_in(request, token)
    if purpose == LinkPurpose.MEASURES:
        from filiform.portal.views_measures import measures_page  # it uses this module's helpers

        return measures_page(request, token)
    sheet = _open_sheet(request, token)  # an unknown link is refused whatever the method
    if isinstance(sheet, HttpResponse):
        return sheet
    if request.method != "GET":
        return _private(HttpResponseNotAllowed(["GET"]))
    with _patients_terms(sheet.patient, sheet.clinic):
        return _page(request, "portal/sheet.html", {**sheet_context(sheet), "token": token})


def _check_in(request: HttpRequest, token: str) -> HttpResponse:
    where = _where(request)
    try:
        check_in = check_in_open(token=token, where=where)
    except LinkRefused as refusal:
        return _refusal(request, refusal)
    if check_in.status in (CheckInStatus.ANSWERED, CheckInStatus.CANCELLED):
        # answered on the phone with the front desk, or cancelled with its visit
        return _refused(
            request,
            "used" if check_in.status == CheckInStatus.ANSWERED else "revoked",
            clinic=check_in.clinic,
            patient=check_in.patient,
            check_in=True,
        )
    with _patients_terms(check_in.patient, check_in.clinic):
        form = CheckInForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid() and form.answers is not None:
            try:
                check_in, result = check_in_submit(token=token, where=where, answers=form.answers)
            except LinkRefused as refusal:
                return _refusal(request, refusal)
            return _page(request, "portal/check_in_done.html", _result_context(check_in, result))
        return _page(
            request,
            "portal/check_in.html",
            {"check_in": check_in, "clinic": check_in.clinic, "form": form},
            referrer_policy=SAME_ORIGIN,
        )


def _result_context(check_in: CheckIn, result: TriageResult) -> dict[str, Any]:
    return {
        "check_in": check_in,
        "clinic": check_in.clinic,
        "level": result.level,
        "emergency": result.emergency,
        "fever": TriageReason.FEVER in result.reasons,
    }


@never_cache
@require_GET
def sheet_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """``/p/<token>/sheet.pdf``: the printable sheet of an aftercare link (opening audited)."""
    sheet = _open_sheet(request, token)
    if isinstance(sheet, HttpResponse):
        return sheet
    with _patients_terms(sheet.patient, sheet.clinic):
        pdf = sheet_pdf_render(sheet)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{sheet_pdf_filename(sheet)}"'
    return _private(response)
