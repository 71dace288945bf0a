"""Screening pages: the questionnaire for a patient, and the clinic's rule choices (owners)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page
from filiform.patients.models import EpisodeOfCare
from filiform.patients.selectors import patient_get
from filiform.screening.forms import ABSOLUTE, QUESTIONS, ScreeningForm, initial_from
from filiform.screening.models import RuleChoice
from filiform.screening.rules import Effect, default_rules
from filiform.screening.selectors import screening_history
from filiform.screening.services import (
    rule_choice_set,
    screening_confirm_medications,
    screening_record,
)


@clinic_page(Permission.PATIENT_VIEW)  # screening_history refuses others, naming the patient
@require_http_methods(["GET", "POST"])
def screening_page(request: HttpRequest, access: Access, patient_id: int) -> HttpResponse:
    patient = patient_get(access=access, patient_id=patient_id)
    history = list(screening_history(access=access, patient_id=patient.pk))
    current = next((s for s in history if s.status == "current"), None)
    episodes = list(EpisodeOfCare.objects.filter(patient=patient, ended_on__isnull=True))
    initial = initial_from(current.answers) if current else {}
    if current:
        initial["episode"] = str(current.episode_id)
    form = ScreeningForm(request.POST or None, initial=initial, episodes=episodes)
    if request.method == "POST" and form.is_valid():
        episode = form.cleaned_data["episode"]
        try:
            screening_record(
                access=access,
                patient_id=patient.pk,
                answers=form.answers(),
                episode_id=int(episode) if episode else None,
                condition=form.cleaned_data["condition"],
                referral_source=form.cleaned_data["referral_source"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                name = field.split(".")[0]
                form.add_error(name if name in form.fields else None, problems)
        else:
            messages.success(request, _("Screening saved."))
            return redirect(
                "patients:detail", clinic_slug=access.clinic.slug, patient_id=patient.pk
            )
    return render(
        request,
        "screening/screening.html",
        {
            "patient": patient,
            "form": form,
            "absolute": [form[name] for name in ABSOLUTE],
            "relative": [form[name] for name in QUESTIONS if name not in ABSOLUTE],
            "history": history,
            "episodes": EpisodeOfCare.objects.filter(patient=patient).order_by("-started_on"),
            "surgery_rows": form.rows("surgery"),
            "implant_rows": form.rows("implant"),
        },
    )


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def medications_confirmed(request: HttpRequest, access: Access, patient_id: int) -> HttpResponse:
    try:
        screening_confirm_medications(access=access, patient_id=patient_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Medications confirmed unchanged today."))
    return redirect("patients:detail", clinic_slug=access.clinic.slug, patient_id=patient_id)


@clinic_page(Permission.CLINIC_MANAGE)
@require_http_methods(["GET", "POST"])
def rules_page(request: HttpRequest, access: Access) -> HttpResponse:
    if request.method == "POST":
        try:
            rule_choice_set(
                access=access,
                rule_id=request.POST.get("rule_id", ""),
                effect=request.POST.get("effect", ""),
                note=request.POST.get("note", ""),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Screening rule saved."))
        return redirect("screening:rules", clinic_slug=access.clinic.slug)
    choices = {
        c.rule_id: c for c in RuleChoice.objects.filter(clinic_id=access.membership.clinic_id)
    }
    rules = [
        {
            "rule": rule,
            "effect": choices[rule.id].effect if rule.id in choices else rule.effect.value,
            "choice": choices.get(rule.id),
        }
        for rule in default_rules()
    ]
    return render(
        request,
        "screening/rules.html",
        {"rules": rules, "effects": [e.value for e in Effect], "clinic": access.clinic},
    )


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def episode_close(
    request: HttpRequest, access: Access, patient_id: int, episode_id: int
) -> HttpResponse:
    from filiform.patients.services import episode_end

    try:
        episode_end(access=access, episode_id=episode_id)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Episode of care ended."))
    return redirect("screening:patient", clinic_slug=access.clinic.slug, patient_id=patient_id)
