from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from filiform.anatomy.regions import Region as BodyRegion
from filiform.clinics.access import Access
from filiform.clinics.decorators import clinic_page
from filiform.clinics.record_endpoints import enter_in_error_page
from filiform.practitioners.forms import (
    AuthorizationForm,
    EnteredInErrorForm,
    RegistrationForm,
    TrainingForm,
)
from filiform.practitioners.selectors import (
    CertificateFileMissing,
    certificate_open,
    credentials_get,
)
from filiform.practitioners.services import (
    authorization_add,
    credential_enter_in_error,
    credentials_may_change,
    credentials_member,
    registration_add,
    training_add,
)
from filiform.practitioners.standing import practitioner_standing

FORMS: dict[str, type[django_forms.ModelForm]] = {
    "registration": RegistrationForm,
    "authorization": AuthorizationForm,
    "training": TrainingForm,
}


def _training_add(**data: Any) -> object:
    # A cleared file input comes back as False: no certificate.
    return training_add(**{**data, "certificate": data.get("certificate") or None})


# The same service the API calls, fed the form's parsed values.
SERVICES: dict[str, Callable[..., object]] = {
    "registration": registration_add,
    "authorization": authorization_add,
    "training": _training_add,
}


@clinic_page()
@require_http_methods(["GET", "POST"])
def credentials(request: HttpRequest, access: Access, membership_id: int) -> HttpResponse:
    member = credentials_member(
        access=access, membership_id=membership_id, change=request.method == "POST"
    )
    kind = request.POST.get("kind", "")
    if request.method == "POST" and kind == "error":
        return _enter_in_error(request, access, member.pk)
    forms = {
        name: form_class(
            request.POST if kind == name else None,
            request.FILES if kind == name else None,
            prefix=name,
        )
        for name, form_class in FORMS.items()
    }
    if request.method == "POST" and kind in forms and forms[kind].is_valid():
        form = forms[kind]
        try:
            SERVICES[kind](access=access, membership_id=member.pk, **form.cleaned_data)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Saved."))
            return redirect(
                "practitioners:credentials", clinic_slug=access.clinic.slug, membership_id=member.pk
            )
    on_file = credentials_get(access=access, membership_id=member.pk)
    standing = practitioner_standing(membership=member, on=timezone.localdate())
    context = {
        "member": member,
        "standing": standing,
        "region_labels": [BodyRegion(r).label for r in sorted(standing.regions)],
        "forms": forms,
        "registrations": on_file.registrations,
        "authorizations": on_file.authorizations,
        "trainings": on_file.trainings,
        "can_change": credentials_may_change(access=access, membership=member),
    }
    return render(request, "practitioners/credentials.html", context)


def _enter_in_error(request: HttpRequest, access: Access, membership_id: int) -> HttpResponse:
    return enter_in_error_page(
        request,
        EnteredInErrorForm(request.POST),
        mark=lambda data: credential_enter_in_error(
            access=access,
            membership_id=membership_id,
            kind=data["what"],
            credential_id=data["credential_id"],
            reason=data["reason"],
        ),
        done=_("Marked as entered in error."),
        back=reverse(
            "practitioners:credentials",
            kwargs={"clinic_slug": access.clinic.slug, "membership_id": membership_id},
        ),
        invalid=_("Say why this entry is in error."),
    )


@clinic_page()
def certificate(
    request: HttpRequest, access: Access, membership_id: int, training_id: int
) -> HttpResponseBase:
    try:
        found = certificate_open(
            access=access, membership_id=membership_id, training_id=training_id
        )
    except CertificateFileMissing as missing:
        # Back to the course list with the reason, rather than a bare "not found" page.
        messages.error(request, str(missing))
        return redirect(
            "practitioners:credentials", clinic_slug=access.clinic.slug, membership_id=membership_id
        )
    return FileResponse(
        found.file, as_attachment=True, filename=found.filename, content_type=found.media_type
    )
