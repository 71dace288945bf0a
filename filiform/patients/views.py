from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from filiform.clinics.access import Access, Permission
from filiform.clinics.cards import cards_context
from filiform.clinics.decorators import clinic_page
from filiform.patients.forms import PatientForm
from filiform.patients.selectors import patient_get, patient_search
from filiform.patients.services import PossibleDuplicate, patient_create, patient_update


@clinic_page(Permission.PATIENT_VIEW)
def patient_list(request: HttpRequest, access: Access) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    page = Paginator(patient_search(access=access, query=query), 25).get_page(
        request.GET.get("page")
    )
    template = "patients/_rows.html" if request.headers.get("HX-Request") else "patients/list.html"
    return render(request, template, {"page": page, "query": query})


def _show_errors(form: PatientForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


@clinic_page(Permission.PATIENT_EDIT)
@require_http_methods(["GET", "POST"])
def patient_new(request: HttpRequest, access: Access) -> HttpResponse:
    form = PatientForm(request.POST or None)
    duplicates: list[object] = []
    if request.method == "POST" and form.is_valid():
        try:
            patient = patient_create(
                access=access,
                patient=form.patient(),
                confirm_duplicate=form.cleaned_data.get("confirm_duplicate", False),
            )
        except PossibleDuplicate as duplicate:
            duplicates = list(duplicate.matches)
            form.fields["confirm_duplicate"].widget = forms.CheckboxInput()
            form.add_error(None, duplicate.messages)
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Patient %(name)s added.") % {"name": patient.display_name})
            return redirect(
                "patients:detail", clinic_slug=access.clinic.slug, patient_id=patient.pk
            )
    return render(request, "patients/new.html", {"form": form, "duplicates": duplicates})


@clinic_page(Permission.PATIENT_EDIT)
@require_http_methods(["GET", "POST"])
def patient_edit(request: HttpRequest, access: Access, patient_id: int) -> HttpResponse:
    patient = patient_get(access=access, patient_id=patient_id)
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        try:
            patient_update(access=access, patient_id=patient.pk, changes=form.changes())
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(
                "patients:detail", clinic_slug=access.clinic.slug, patient_id=patient.pk
            )
    return render(request, "patients/edit.html", {"form": form, "patient": patient})


@clinic_page(Permission.PATIENT_VIEW)
def patient_detail(request: HttpRequest, access: Access, patient_id: int) -> HttpResponse:
    patient = patient_get(access=access, patient_id=patient_id)
    # The timeline (charting) and the clearance panel come from the card registry: patients is
    # in the registry layer and imports neither app (clinics/cards.py).
    return render(
        request,
        "patients/detail.html",
        {"patient": patient, **cards_context("patient", access=access, patient=patient)},
    )
