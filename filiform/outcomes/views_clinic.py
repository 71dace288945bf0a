"""The clinic outcomes page (owners): share of episodes reaching the NPRS MCID by practitioner
and by body region, the average change by number of needling sessions, a date range, and the
same episodes as CSV (``?format=csv`` on the page, so the download keeps the range chosen)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page
from filiform.outcomes.clinic_outcomes import clinic_outcomes, clinic_outcomes_csv


class PeriodForm(forms.Form):
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end date is before the start date."))
        return data


@clinic_page(Permission.CLINIC_MANAGE)
def clinic_outcomes_page(request: HttpRequest, access: Access) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    period: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        period = {"since": form.cleaned_data["since"], "until": form.cleaned_data["until"]}
    if request.GET.get("format") == "csv" and not form.errors:
        return _csv(access, period)
    try:
        report = clinic_outcomes(access=access, **period)
    except ValidationError as error:  # the form checks the same; kept for safety
        form.add_error(None, error)
        report = clinic_outcomes(access=access)
    query = request.GET.copy()
    query.pop("format", None)
    query["format"] = "csv"
    return render(
        request,
        "outcomes/clinic.html",
        {"form": form, "report": report, "csv_query": query.urlencode()},
    )


def _csv(access: Access, period: dict[str, Any]) -> HttpResponse:
    body = clinic_outcomes_csv(access=access, **period)
    since, until = period.get("since"), period.get("until")
    name = "clinic-outcomes"
    if since or until:
        name += (
            f"-{since.isoformat() if since else 'start'}-{until.isoformat() if until else 'now'}"
        )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response
