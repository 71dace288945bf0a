"""Screening pages: the questionnaire for a patient, and the clinic's rule choices (owners).

The questionnaire is saved complete ("Save screening": every question answered, else each
unanswered one is marked beside it and nothing is saved) or as a draft ("Save as draft")."""

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
from filiform.screening.answers import DETAIL_QUESTION, QUESTIONS, ScreeningAnswers
from filiform.screening.forms import ScreeningForm, initial_from
from filiform.screening.models import RuleChoice, ScreeningStatus
from filiform.screening.rules import TECHNIQUES, Effect, default_rules
from filiform.screening.selectors import screening_history
from filiform.screening.services import (
    rule_choice_set,
    screening_confirm_medications,
    screening_draft_save,
    screening_record,
)


def _show_errors(form: ScreeningForm, error: ValidationError) -> None:
    """Each problem beside its question (details beside their question when the form has no
    field of that name), and the unanswered questions named once at the top."""
    unanswered = []
    for key, problems in error.message_dict.items():
        name = key.split(".")[0]
        if name in QUESTIONS:
            unanswered.append(str(QUESTIONS[name].label))
        if name not in form.fields:
            name = DETAIL_QUESTION.get(name, "")
        form.add_error(name if name in form.fields else None, problems)
    if unanswered:
        form.add_error(
            None,
            _("Nothing was saved. Not answered: %(q)s. Answer each question, or save a draft.")
            % {"q": ", ".join(unanswered)},
        )


@clinic_page(Permission.PATIENT_VIEW)  # screening_history refuses others, naming the patient
@require_http_methods(["GET", "POST"])
def screening_page(request: HttpRequest, access: Access, patient_id: int) -> HttpResponse:
    patient = patient_get(access=access, patient_id=patient_id)
    history = list(screening_history(access=access, patient_id=patient.pk))
    current = next((s for s in history if s.status == ScreeningStatus.CURRENT), None)
    draft = next((s for s in history if s.status == ScreeningStatus.DRAFT), None)
    episodes = list(EpisodeOfCare.objects.of(access).filter(patient=patient, ended_on__isnull=True))
    initial = initial_from(draft.answers) if draft else {}
    if draft or current:
        initial["episode"] = str((draft or current).episode_id)  # type: ignore[union-attr]
    form = ScreeningForm(request.POST or None, initial=initial, episodes=episodes)
    as_draft = request.POST.get("save") == "draft"
    if request.method == "POST" and form.is_valid():
        episode = form.cleaned_data["episode"]
        save = screening_draft_save if as_draft else screening_record
        try:
            save(
                access=access,
                patient_id=patient.pk,
                answers=form.answers(),
                episode_id=int(episode) if episode else None,
                condition=form.cleaned_data["condition"],
                referral_source=form.cleaned_data["referral_source"],
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            if as_draft:
                messages.success(
                    request, _("Draft saved. It clears no one until the screening is completed.")
                )
                return redirect(
                    "screening:patient", clinic_slug=access.clinic.slug, patient_id=patient.pk
                )
            messages.success(request, _("Screening saved."))
            return redirect(
                "patients:detail", clinic_slug=access.clinic.slug, patient_id=patient.pk
            )
    previous = ScreeningAnswers.model_validate(current.answers) if current else None
    return render(
        request,
        "screening/screening.html",
        {
            "patient": patient,
            "form": form,
            "sections": form.sections(previous),
            "current": current,
            "draft": draft,
            "history": history,
            "episodes": EpisodeOfCare.objects.of(access)
            .filter(patient=patient)
            .order_by("-started_on"),
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
    choices = {c.rule_id: c for c in RuleChoice.objects.of(access)}
    rules = [
        {
            "rule": rule,
            "effect": choices[rule.id].effect if rule.id in choices else rule.effect.value,
            "choice": choices.get(rule.id),
            "techniques": [str(TECHNIQUES[t]) for t in rule.techniques],
        }
        for rule in default_rules()
    ]
    return render(
        request,
        "screening/rules.html",
        {
            "rules": rules,
            "effects": [e.value for e in Effect],
            "clinic": access.clinic,
        },
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
