"""Remote signing: staff send and cancel links; the patient opens one, reads, decides, signs.
Also the PDF copy download for staff."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from filiform.clinics.access import Access, Permission, client_ip, user_agent
from filiform.clinics.decorators import clinic_page
from filiform.consent.models import ConsentDecision, ConsentSigningRequest, DiscussionMethod
from filiform.consent.pdf import consent_pdf, consent_pdf_filename
from filiform.consent.remote import (
    LinkContext,
    SigningLinkRefused,
    signing_link_open,
    signing_link_sign,
    signing_request_cancel,
    signing_request_create,
    signing_request_send_again,
)
from filiform.consent.signatures import CANVAS_HEIGHT, CANVAS_WIDTH
from filiform.consent.templates_service import consent_text_html


class SendLinkForm(forms.Form):
    """What the sending clinician attests. Labels differ from the in-clinic checklist on the
    same page so that each box has one clear name."""

    risks_discussed = forms.BooleanField(
        label=gettext_lazy("I discussed the risks with the patient, with how often they happen"),
        required=False,
    )
    benefits_discussed = forms.BooleanField(
        label=gettext_lazy("I discussed the expected benefits"), required=False
    )
    alternatives_discussed = forms.BooleanField(
        label=gettext_lazy("I discussed the alternatives, including no needling"), required=False
    )
    discussion_method = forms.ChoiceField(
        label=gettext_lazy("How we talked"), choices=DiscussionMethod.choices
    )
    discussion_note = forms.CharField(
        label=gettext_lazy("Note (optional, e.g. date of the call)"),
        max_length=300,
        required=False,
    )


class RemoteSignForm(forms.Form):
    questions_answered = forms.BooleanField(
        label=gettext_lazy("I was able to ask my questions and they were answered"),
        required=False,
    )
    thorax_acknowledged = forms.BooleanField(
        label=gettext_lazy(
            "I understand that needling near the chest carries a small risk of a collapsed lung (pneumothorax), and I accept it"
        ),
        required=False,
    )
    decision = forms.ChoiceField(
        label=gettext_lazy("My decision"),
        choices=[
            (ConsentDecision.PERMIT, gettext_lazy("I consent to dry needling")),
            (ConsentDecision.DENY, gettext_lazy("I do not consent to dry needling")),
        ],
        widget=forms.RadioSelect,
    )
    signer_name = forms.CharField(label=gettext_lazy("Your full name"), max_length=200)


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def send_link(request: HttpRequest, access: Access, patient_id: int) -> HttpResponse:
    form = SendLinkForm(request.POST, prefix="remote")
    if not form.is_valid():
        messages.error(request, _("Say how the discussion took place, then send the link."))
    else:
        try:
            sent = signing_request_create(access=access, patient_id=patient_id, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _(
                    "A signing link is being e-mailed to %(email)s. It works once and expires on %(when)s."
                )
                % {
                    "email": sent.email,
                    "when": timezone.localtime(sent.expires_at).strftime("%Y-%m-%d %H:%M"),
                },
            )
    return redirect("consent:patient", clinic_slug=access.clinic.slug, patient_id=patient_id)


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def cancel_link(
    request: HttpRequest, access: Access, patient_id: int, request_id: int
) -> HttpResponse:
    try:
        signing_request_cancel(access=access, request_id=request_id, patient_id=patient_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The signing link was cancelled; it no longer works."))
    return redirect("consent:patient", clinic_slug=access.clinic.slug, patient_id=patient_id)


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def send_link_again(
    request: HttpRequest, access: Access, patient_id: int, request_id: int
) -> HttpResponse:
    """A fresh link by e-mail, when the last one failed or never arrived (the service refuses
    while an e-mail of it is still on its way, saying so)."""
    try:
        link = signing_request_send_again(
            access=access, request_id=request_id, patient_id=patient_id
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "A fresh signing link is being e-mailed to %(email)s; the earlier link no longer works. It expires on %(when)s."
            )
            % {
                "email": link.email,
                "when": timezone.localtime(link.expires_at).strftime("%Y-%m-%d %H:%M"),
            },
        )
    return redirect("consent:patient", clinic_slug=access.clinic.slug, patient_id=patient_id)


@clinic_page(Permission.PATIENT_VIEW)  # consent_pdf refuses others, naming the record
def download_pdf(
    request: HttpRequest, access: Access, patient_id: int, record_id: int
) -> HttpResponse:
    record, pdf = consent_pdf(access=access, record_id=record_id, patient_id=patient_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{consent_pdf_filename(record)}"'
    response["Cache-Control"] = "no-store"
    return response


UI_LANGUAGES = {"en": "en-ca", "fr": "fr-ca"}  # the patient's preference → our languages

REFUSALS = {
    "unknown": (
        404,
        gettext_lazy("This link does not work"),
        gettext_lazy(
            "The address is incomplete or was changed. Open the link exactly as it is in the e-mail, or ask the clinic to send a new one."
        ),
    ),
    "used": (
        410,
        gettext_lazy("This link was already used"),
        gettext_lazy(
            "Your decision has been recorded with this link, and a link works only once. If you want to change your decision, please call the clinic."
        ),
    ),
    "expired": (
        410,
        gettext_lazy("This link has expired"),
        gettext_lazy(
            "For your safety, signing links work for a limited time. Please ask the clinic to send you a new one."
        ),
    ),
    "cancelled": (
        410,
        gettext_lazy("This link was cancelled"),
        gettext_lazy(
            "The clinic cancelled this link. Please call the clinic if you need a new one."
        ),
    ),
}


def _refused(request: HttpRequest, refusal: SigningLinkRefused) -> HttpResponse:
    status, title, text = REFUSALS.get(refusal.reason, REFUSALS["unknown"])
    clinic = refusal.link.clinic if refusal.link else None
    response = render(
        request,
        "consent/sign_refused.html",
        {"title": title, "text": text, "clinic": clinic},
        status=status,
    )
    return _private(response)


def _private(response: HttpResponse) -> HttpResponse:
    # The address holds the link's secret: keep it out of other sites' logs and search engines
    # ("same-origin", not "no-referrer": with no referrer at all Chromium posts the form with
    # Origin: null, which the CSRF check rightly refuses).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, token: str) -> HttpResponse:
    """The patient's page: no sign-in, the link is the key."""
    where = LinkContext(ip=client_ip(request), user_agent=user_agent(request))
    try:
        link: ConsentSigningRequest = signing_link_open(token=token, where=where)
    except SigningLinkRefused as refusal:
        return _refused(request, refusal)
    language = link.patient.preferred_language
    with (
        translation.override(UI_LANGUAGES.get(language, translation.get_language())),
        timezone.override(link.clinic.time_zone),
    ):
        form = RemoteSignForm(
            request.POST or None, initial={"signer_name": link.patient.display_name}
        )
        signature_error = ""
        if request.method == "POST" and form.is_valid():
            try:
                signature = json.loads(request.POST.get("signature") or "[]")
            except ValueError:
                signature = None
            try:
                record = signing_link_sign(
                    token=token, where=where, signature=signature, **form.cleaned_data
                )
            except SigningLinkRefused as refusal:
                return _refused(request, refusal)
            except ValidationError as error:
                if hasattr(error, "error_dict") and "signature" in error.error_dict:
                    signature_error = " ".join(error.message_dict["signature"])
                elif hasattr(error, "error_dict"):
                    for field, problems in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, problems)
                else:
                    form.add_error(None, error.messages)
            else:
                return _private(
                    render(request, "consent/sign_done.html", {"record": record, "link": link})
                )
        response = render(
            request,
            "consent/sign.html",
            {
                "link": link,
                "clinic": link.clinic,
                "template": link.template,
                "html": consent_text_html(link.template.body),
                "form": form,
                "signature_error": signature_error,
                "canvas": {"width": CANVAS_WIDTH, "height": CANVAS_HEIGHT},
            },
        )
    return _private(response)
