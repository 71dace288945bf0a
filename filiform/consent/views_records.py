"""The consent conversation for one patient, in the clinic: text, checklist, decision, signature."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page
from filiform.consent.models import ConsentDecision, ConsentRecord, ConsentSigningRequest
from filiform.consent.records import consent_record, consent_status, consent_withdraw
from filiform.consent.remote import SIGNING_LINK_HOURS, signing_link_delivery
from filiform.consent.signatures import CANVAS_HEIGHT, CANVAS_WIDTH, signature_data_uri
from filiform.consent.templates_service import consent_template_current, consent_text_html
from filiform.consent.views_remote import SendLinkForm
from filiform.patients.selectors import patient_get


class ConsentForm(forms.Form):
    risks_discussed = forms.BooleanField(
        label=gettext_lazy("Risks discussed, with how often they happen"), required=False
    )
    benefits_discussed = forms.BooleanField(
        label=gettext_lazy("Expected benefits discussed"), required=False
    )
    alternatives_discussed = forms.BooleanField(
        label=gettext_lazy("Alternatives discussed, including no needling"), required=False
    )
    questions_answered = forms.BooleanField(
        label=gettext_lazy("The patient's questions were asked and answered"), required=False
    )
    thorax_acknowledged = forms.BooleanField(
        label=gettext_lazy("Needling near the chest: pneumothorax risk explained and accepted"),
        required=False,
    )
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"), choices=ConsentDecision.choices, widget=forms.RadioSelect
    )
    signer_name = forms.CharField(label=gettext_lazy("Name of the person signing"), max_length=200)
    witness_name = forms.CharField(
        label=gettext_lazy("Witness (optional)"), max_length=200, required=False
    )
    template_version = forms.IntegerField(widget=forms.HiddenInput)


@clinic_page(Permission.CLINICAL_RECORD)
@require_http_methods(["GET", "POST"])
def patient_consent(request: HttpRequest, access: Access, patient_id: int) -> HttpResponse:
    patient = patient_get(access=access, patient_id=patient_id)
    template = consent_template_current(access=access)
    form = ConsentForm(
        request.POST or None,
        initial={"template_version": template.version, "signer_name": patient.display_name},
    )
    signature_error = ""
    if request.method == "POST" and form.is_valid():
        try:
            signature = json.loads(request.POST.get("signature") or "[]")
        except ValueError:
            signature = None
        try:
            consent_record(
                access=access, patient_id=patient.pk, signature=signature, **form.cleaned_data
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "signature" in error.error_dict:
                signature_error = " ".join(error.message_dict["signature"])
            elif hasattr(error, "error_dict"):
                for field, problems in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, problems)
            else:
                form.add_error(None, error.messages)
        else:
            messages.success(request, _("Consent recorded."))
            return redirect(
                "patients:detail", clinic_slug=access.clinic.slug, patient_id=patient.pk
            )
    records = (
        ConsentRecord.objects.of(access).filter(patient=patient).select_related("discussed_by")
    )
    history = [
        (r, signature_data_uri(strokes=r.signature_strokes, png=bytes(r.signature_png or b"")))
        for r in records
    ]

    requests = list(
        ConsentSigningRequest.objects.of(access)
        .filter(patient=patient)
        .select_related("template", "created_by", "link__revoked_by")
    )
    deliveries = signing_link_delivery(requests)
    for link in requests:  # its latest e-mail: whether it went, and if not, why
        link.delivery = deliveries.get(link.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "consent/patient_consent.html",
        {
            "patient": patient,
            "template": template,
            "html": consent_text_html(template.body),
            "form": form,
            "signature_error": signature_error,
            "history": history,
            "status": consent_status(patient=patient, on=timezone.localdate()),
            "canvas": {"width": CANVAS_WIDTH, "height": CANVAS_HEIGHT},
            "send_form": SendLinkForm(prefix="remote"),
            "requests": requests,
            "link_hours": SIGNING_LINK_HOURS,
        },
    )


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def withdraw(request: HttpRequest, access: Access, patient_id: int, record_id: int) -> HttpResponse:
    try:
        consent_withdraw(
            access=access,
            patient_id=patient_id,
            record_id=record_id,
            note=request.POST.get("note", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Consent withdrawn. No needling until new consent is recorded.")
        )
    return redirect("consent:patient", clinic_slug=access.clinic.slug, patient_id=patient_id)
