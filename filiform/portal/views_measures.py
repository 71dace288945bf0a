"""The patient's questionnaires, opened from the link e-mailed before a visit (``/p/<token>/`` of a
MEASURES link; ``open_link`` sends it here). Every requested questionnaire is on one page with the
same items as the clinician's forms; each is checked by the instrument's rules before anything is
saved, a refused answer is shown next to its item with the other answers kept, and the link works
until the answers are in. Opening, submitting and every refusal are audited by the services."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from filiform.links.services import LinkRefused
from filiform.outcomes.forms import MeasureForm
from filiform.outcomes.instruments import SPECS, Instrument
from filiform.outcomes.models import MeasureRequest
from filiform.outcomes.requests import measure_request_open, measure_request_submit
from filiform.outcomes.services import scored
from filiform.outcomes.views_capture import form_for
from filiform.portal.views import (
    REFUSALS,
    SAME_ORIGIN,
    _page,
    _patients_terms,
    _private,
    _where,
)

# The check-in's words for an answered link speak of a check-in; these speak of questionnaires.
MEASURE_REFUSALS: dict[str, tuple[int, Any, Any]] = {
    **REFUSALS,
    "used": (
        410,
        gettext_lazy("You already answered these questionnaires"),
        gettext_lazy(
            "Your answers were received, and this link works only once. Your physiotherapist "
            "will go through them with you at your next visit."
        ),
    ),
}


def _refused(request: HttpRequest, refusal: LinkRefused) -> HttpResponse:
    status, title, text = MEASURE_REFUSALS.get(refusal.reason, MEASURE_REFUSALS["unknown"])
    link = refusal.link
    with _patients_terms(link.patient if link else None, link.clinic if link else None):
        return _page(
            request,
            "portal/refused.html",
            {
                "title": title,
                "text": text,
                "reason": refusal.reason,
                "clinic": link.clinic if link else None,
                "check_in": False,
            },
            status=status,
        )


def _forms(request: MeasureRequest, data: Any) -> list[MeasureForm]:
    return [
        form_for(
            Instrument(code),
            clinic_id=request.clinic_id,
            episode_id=request.episode_id,
            data=data,
            prefix=code,
            not_answered=_("I prefer not to answer"),
        )
        for code in request.instruments
    ]


def _checked(forms: list[MeasureForm]) -> dict[str, Any] | None:
    """Each questionnaire's answers, checked by its instrument's rules, or None when any was
    refused (the refusals are then on the forms, next to their items)."""
    answers: dict[str, Any] = {}
    for form in forms:
        if not form.is_valid():
            continue
        try:
            scored(form.instrument, form.answers())
        except ValidationError as error:
            form.errors_from(error)
        else:
            answers[form.instrument.value] = form.answers()
    return answers if all(not form.errors for form in forms) else None


def measures_page(request: HttpRequest, token: str) -> HttpResponse:
    """The questionnaires of one request (GET), or the patient's answers (POST)."""
    where = _where(request)
    try:
        measure_request = measure_request_open(token=token, where=where)
    except LinkRefused as refusal:
        return _refused(request, refusal)
    if request.method not in ("GET", "POST"):
        return _private(HttpResponseNotAllowed(["GET", "POST"]))
    with _patients_terms(measure_request.patient, measure_request.clinic):
        forms = _forms(measure_request, request.POST if request.method == "POST" else None)
        status = 200
        if request.method == "POST":
            answers = _checked(forms)
            if answers is not None:
                try:
                    measure_request_submit(token=token, where=where, answers=answers)
                except LinkRefused as refusal:
                    return _refused(request, refusal)
                except ValidationError as error:  # a questionnaire missing from the post
                    for form in forms:
                        for text in error.message_dict.get(form.instrument.value, []):
                            form.add_error(None, text)
                else:
                    return _page(
                        request,
                        "portal/measures_done.html",
                        {"clinic": measure_request.clinic, "patient": measure_request.patient},
                    )
            status = 400
        return _page(
            request,
            "portal/measures.html",
            {
                "clinic": measure_request.clinic,
                "patient": measure_request.patient,
                "sections": [(form, SPECS[form.instrument]) for form in forms],
                "has_errors": any(form.errors for form in forms),
            },
            status=status,
            referrer_policy=SAME_ORIGIN,
        )
