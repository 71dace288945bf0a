from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from filiform.anatomy.regions import Region as BodyRegion
from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access
from filiform.clinics.decorators import clinic_page
from filiform.practitioners.forms import AuthorizationForm, RegistrationForm, TrainingForm
from filiform.practitioners.models import (
    NeedlingAuthorization,
    NeedlingTraining,
    Registration,
)
from filiform.practitioners.services import credential_add, credentials_member
from filiform.practitioners.standing import practitioner_standing

FORMS = {
    "registration": RegistrationForm,
    "authorization": AuthorizationForm,
    "training": TrainingForm,
}


@clinic_page()
@require_http_methods(["GET", "POST"])
def credentials(request: HttpRequest, access: Access, membership_id: int) -> HttpResponse:
    member = credentials_member(
        access=access, membership_id=membership_id, change=request.method == "POST"
    )
    kind = request.POST.get("kind", "")
    forms = {
        name: form_class(
            request.POST if kind == name else None,
            request.FILES if kind == name else None,
            prefix=name,
        )
        for name, form_class in FORMS.items()
    }
    if request.method == "POST" and kind in forms and forms[kind].is_valid():
        try:
            credential_add(access=access, membership=member, form=forms[kind])
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                forms[kind].add_error(field if field in forms[kind].fields else None, problems)
        else:
            messages.success(request, _("Saved."))
            return redirect(
                "practitioners:credentials", clinic_slug=access.clinic.slug, membership_id=member.pk
            )
    standing = practitioner_standing(membership=member, on=timezone.localdate())
    audit_access(access, action=AuditAction.READ, object_type="credentials", object_id=member.pk)
    context = {
        "member": member,
        "standing": standing,
        "region_labels": [BodyRegion(r).label for r in sorted(standing.regions)],
        "forms": forms,
        "registrations": Registration.objects.filter(membership=member),
        "authorizations": NeedlingAuthorization.objects.filter(membership=member),
        "trainings": NeedlingTraining.objects.filter(membership=member),
    }
    return render(request, "practitioners/credentials.html", context)


@clinic_page()
def certificate(
    request: HttpRequest, access: Access, membership_id: int, training_id: int
) -> HttpResponseBase:
    member = credentials_member(access=access, membership_id=membership_id)
    training = NeedlingTraining.objects.filter(pk=training_id, membership=member).first()
    if training is None or not training.certificate:
        raise Http404("No certificate.")
    audit_access(access, action=AuditAction.READ, object_type="certificate", object_id=training.pk)
    return FileResponse(training.certificate.open("rb"), as_attachment=True)
