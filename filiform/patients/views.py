from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page
from filiform.patients.forms import PatientForm
from filiform.patients.selectors import patient_get, patient_search
from filiform.patients.services import patient_create


@clinic_page(Permission.PATIENT_VIEW)
def patient_list(request: HttpRequest, access: Access) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    page = Paginator(patient_search(access=access, query=query), 25).get_page(
        request.GET.get("page")
    )
    template = "patients/_rows.html" if request.headers.get("HX-Request") else "patients/list.html"
    return render(request, template, {"page": page, "query": query})


@clinic_page(Permission.PATIENT_EDIT)
@require_http_methods(["GET", "POST"])
def patient_new(request: HttpRequest, access: Access) -> HttpResponse:
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = patient_create(access=access, **form.cleaned_data)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Patient %(name)s added.") % {"name": patient.display_name})
            return redirect(
                "patients:detail", clinic_slug=access.clinic.slug, patient_id=patient.pk
            )
    return render(request, "patients/new.html", {"form": form})


@clinic_page(Permission.PATIENT_VIEW)
def patient_detail(request: HttpRequest, access: Access, patient_id: int) -> HttpResponse:
    return render(
        request,
        "patients/detail.html",
        {"patient": patient_get(access=access, patient_id=patient_id)},
    )
