"""Recording screenings, re-confirming medications, and the clinic's rule choices.
Checked, validated, audited, each in one transaction.

A screening is recorded complete (every question answered yes, no or unsure, each "yes" with its
list) or saved as a draft (any part of it). A draft clears no one; completing it turns that same
record into the patient's current screening."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import ValidationError as PydanticError

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission
from filiform.clinics.records import enter_in_error
from filiform.patients.models import EpisodeOfCare, Patient
from filiform.patients.selectors import patient_of_clinic
from filiform.screening.answers import ScreeningAnswers, answers_problems, screening_context_check
from filiform.screening.models import MedicationCheck, RuleChoice, Screening, ScreeningStatus
from filiform.screening.rules import Effect, default_rules


def answers_parse(data: Any, *, complete: bool = True) -> ScreeningAnswers:
    """Typed answers, or a ValidationError naming each answer to fix: a value of the wrong
    kind, answers that contradict each other and, for a complete screening, each question not
    answered and each "yes" without its list."""
    if isinstance(data, ScreeningAnswers):
        parsed = ScreeningAnswers.model_validate(data.model_dump())
    else:
        try:
            parsed = ScreeningAnswers.model_validate(data)
        except PydanticError as error:
            messages: dict[str, list[str]] = {}
            for problem in error.errors():
                field = ".".join(str(p) for p in problem["loc"]) or "answers"
                text = str(problem["msg"]).removeprefix("Value error, ")
                messages.setdefault(field, []).append(text)
            raise ValidationError(messages) from None
    problems = answers_problems(parsed, complete=complete)
    if problems:
        raise ValidationError(problems)
    return parsed


def _episode(
    access: Access,
    patient: Patient,
    episode_id: int | None,
    condition: str,
    referral_source: str,
) -> EpisodeOfCare:
    """The open episode named, or a new one for the condition."""
    if episode_id is not None:
        episode = EpisodeOfCare.objects.of(access).filter(pk=episode_id, patient=patient).first()
        if episode is None or not episode.is_open:
            raise ValidationError({"episode_id": _("Choose one of the patient's open episodes.")})
        return episode
    condition = condition.replace("\x00", "").strip()
    if not condition:
        raise ValidationError(
            {"condition": _("Name the condition being treated (the episode of care).")}
        )
    return EpisodeOfCare.objects.of(access).create(
        patient=patient,
        condition=condition[:200],
        referral_source=referral_source.replace("\x00", "").strip()[:200],
        started_on=timezone.localdate(),
        created_by=access.user,
    )


def _draft_for_update(patient: Patient) -> Screening | None:
    return (
        Screening.objects.of_clinic(patient.clinic_id)
        .select_for_update()
        .filter(patient=patient, status=ScreeningStatus.DRAFT)
        .first()
    )


@transaction.atomic
def screening_record(
    *,
    access: Access,
    patient_id: int,
    answers: Any,
    episode_id: int | None = None,
    condition: str = "",
    referral_source: str = "",
) -> Screening:
    """A complete screening for the patient's episode of care; it replaces the current one.
    Either an open episode is named, or a condition starts a new episode. Every question must
    be answered; the patient's draft, if any, becomes this screening."""
    access.require(Permission.CLINICAL_RECORD)
    patient = patient_of_clinic(access=access, patient_id=patient_id, for_update=True)
    parsed = answers_parse(answers, complete=True)
    today = timezone.localdate()
    problems = screening_context_check(parsed, birth_date=patient.birth_date, today=today)
    if problems:
        raise ValidationError({"answers": problems})
    screening = _draft_for_update(patient)
    from_draft = screening is not None
    if screening is not None and episode_id is None and not condition.strip():
        episode_id = screening.episode_id  # completing the draft, in its episode
    episode = _episode(access, patient, episode_id, condition, referral_source)
    Screening.objects.of(access).filter(patient=patient, status=ScreeningStatus.CURRENT).update(
        status=ScreeningStatus.SUPERSEDED
    )
    fields = {
        "episode": episode,
        "answers": parsed.model_dump(mode="json", exclude_defaults=True),
        "screened_by": access.user,
        "screened_at": timezone.now(),
        "status": ScreeningStatus.CURRENT,
    }
    if screening is None:
        screening = Screening.objects.of(access).create(patient=patient, **fields)
    else:
        for name, value in fields.items():
            setattr(screening, name, value)
        screening.save(update_fields=[*fields])
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="screening",
        object_id=screening.pk,
        patient_id=patient.pk,
        detail={
            "episode": episode.pk,
            "risks": parsed.risk_fields(),
            "unsure": parsed.unsure(),
            "from_draft": from_draft,
        },
    )
    return screening


@transaction.atomic
def screening_draft_save(
    *,
    access: Access,
    patient_id: int,
    answers: Any,
    episode_id: int | None = None,
    condition: str = "",
    referral_source: str = "",
) -> Screening:
    """Save part of a screening to finish later: the patient's one draft, created or saved
    again. Answers may be missing, never contradictory. A draft clears no one."""
    access.require(Permission.CLINICAL_RECORD)
    patient = patient_of_clinic(access=access, patient_id=patient_id, for_update=True)
    parsed = answers_parse(answers, complete=False)
    problems = screening_context_check(
        parsed, birth_date=patient.birth_date, today=timezone.localdate()
    )
    if problems:
        raise ValidationError({"answers": problems})
    draft = _draft_for_update(patient)
    if draft is not None and episode_id is None and not condition.strip():
        episode_id = draft.episode_id
    episode = _episode(access, patient, episode_id, condition, referral_source)
    fields = {
        "episode": episode,
        "answers": parsed.model_dump(mode="json", exclude_defaults=True),
        "screened_by": access.user,
        "screened_at": timezone.now(),
    }
    created = draft is None
    if draft is None:
        draft = Screening.objects.of(access).create(
            patient=patient,
            status=ScreeningStatus.DRAFT,
            **fields,
        )
    else:
        for name, value in fields.items():
            setattr(draft, name, value)
        draft.save(update_fields=[*fields])
    audit_access(
        access,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        object_type="screening",
        object_id=draft.pk,
        patient_id=patient.pk,
        detail={"episode": episode.pk, "draft": True, "unanswered": len(parsed.unanswered())},
    )
    return draft


def _current_for_update(access: Access, patient_id: int) -> Screening:
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    screening = (
        Screening.objects.of(access)
        .select_for_update()
        .filter(patient=patient, status=ScreeningStatus.CURRENT)
        .first()
    )
    if screening is None:
        raise ValidationError(_("There is no current screening: screen the patient first."))
    return screening


@transaction.atomic
def screening_confirm_medications(*, access: Access, patient_id: int) -> MedicationCheck:
    """The patient confirms today that their medications have not changed since screening.
    (If they have, record a new screening instead.)"""
    access.require(Permission.CLINICAL_RECORD)
    screening = _current_for_update(access, patient_id)
    answers = ScreeningAnswers.model_validate(screening.answers)
    if screening.predates_explicit_answers or not answers.medications_confirmed:
        raise ValidationError(
            _(
                "The current screening does not say which medications the patient takes (or that there are none): record a new screening."
            )
        )
    check = MedicationCheck.objects.create(screening=screening, confirmed_by=access.user)
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="medication_check",
        object_id=check.pk,
        patient_id=screening.patient_id,
    )
    return check


@transaction.atomic
def screening_mark_error(
    *, access: Access, patient_id: int, screening_id: int, reason: str
) -> Screening:
    """Entered in error, with a reason: the record stays, and no longer counts."""
    access.require(Permission.CLINICAL_RECORD)
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    screening = (
        Screening.objects.of(access).select_for_update().filter(pk=screening_id, patient=patient)
    ).first()
    if screening is None:
        raise Http404("No such screening.")
    return enter_in_error(access=access, record=screening, reason=reason)


@transaction.atomic
def rule_choice_set(
    *, access: Access, rule_id: str, effect: str, note: str = ""
) -> RuleChoice | None:
    """The clinic's own effect for a default rule. Choosing the default effect removes the
    clinic's choice (the rule follows Filiform's default again)."""
    access.require(Permission.CLINIC_MANAGE)
    rule = next((r for r in default_rules() if r.id == rule_id), None)
    if rule is None:
        raise Http404("There is no such screening rule.")
    if effect not in {e.value for e in Effect}:
        raise ValidationError({"effect": _("Choose block, caution or off.")})
    choice = None
    if effect == rule.effect:
        RuleChoice.objects.of(access).filter(rule_id=rule_id).delete()
    else:
        choice, _created = RuleChoice.objects.of(access).update_or_create(
            rule_id=rule_id,
            defaults={
                "effect": effect,
                "note": note.replace("\x00", "").strip()[:300],
                "changed_by": access.user,
                "changed_at": timezone.now(),
            },
        )
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="screening_rule",
        object_id=rule_id,
        detail={"effect": effect, "default": rule.effect.value},
    )
    return choice
