"""Screenings (clinicians only: these are health details) and the clinic's screening rules.

``POST …/screenings`` records a complete screening: every question is required in the schema
("yes", "no" or "unsure"; epilepsy "none", "controlled", "uncontrolled" or "unsure"), so a blank
or half-filled one is a 422 naming each missing answer, and nothing is saved. ``PUT
…/screening-draft`` saves any part of one as the patient's draft, which clears no one."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import create_model

from filiform.api_errors import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS
from filiform.api_types import IsoDate, Text
from filiform.clinics.access import Access, Permission, api_access
from filiform.clinics.record_endpoints import enter_in_error_operation
from filiform.clinics.records import status_as_before
from filiform.screening.answers import QUESTIONS, Answer, Epilepsy, ScreeningAnswers
from filiform.screening.models import Screening
from filiform.screening.selectors import clinic_rules, screening_get, screening_history
from filiform.screening.services import (
    rule_choice_set,
    screening_confirm_medications,
    screening_draft_save,
    screening_mark_error,
    screening_record,
)

router = Router(tags=["screening"])


def answer_codes(question: str) -> list[str]:
    return [e.value for e in (Epilepsy if question == "epilepsy" else Answer)]


if TYPE_CHECKING:
    CompleteAnswers = ScreeningAnswers
else:
    # The same answers with every question required (details stay optional in the schema; a
    # "yes" without its list is a 422 from the service).
    CompleteAnswers = create_model(
        "CompleteScreeningAnswers",
        __base__=ScreeningAnswers,
        **{
            name: (
                Epilepsy if name == "epilepsy" else Answer,
                Field(..., description="Required: " + ", ".join(answer_codes(name))),
            )
            for name in QUESTIONS
        },
    )


class ScreeningIn(Schema):
    answers: CompleteAnswers
    episode_id: int | None = Field(None, ge=1, le=2**62, description="An open episode of care")
    condition: Text = Field(
        "", max_length=200, description="Starts a new episode of care when no episode_id is given"
    )
    referral_source: Text = Field("", max_length=200, description="Who referred (new episode)")


class ScreeningDraftIn(Schema):
    answers: ScreeningAnswers = Field(
        default_factory=ScreeningAnswers, description="Any part of the answers"
    )
    episode_id: int | None = Field(
        None, ge=1, le=2**62, description="An open episode of care (default: the draft's)"
    )
    condition: Text = Field(
        "", max_length=200, description="Starts a new episode of care when no episode_id is given"
    )
    referral_source: Text = Field("", max_length=200, description="Who referred (new episode)")


class ScreeningOut(Schema):
    id: int
    patient_id: int
    episode_id: int
    episode_condition: str
    status: str
    screened_at: dt.datetime
    screened_by: str
    answers: ScreeningAnswers
    complete: bool
    unanswered: list[str] = Field(description="Questions not answered (a draft, or an old one)")
    unsure: list[str] = Field(description="Questions answered unsure")
    predates_explicit_answers: bool = Field(
        description="Recorded before explicit answers: clears no one, screen again"
    )
    medications_confirmed_at: list[dt.datetime]
    error_reason: str

    @staticmethod
    def from_screening(screening: Screening) -> ScreeningOut:
        answers = ScreeningAnswers.model_validate(screening.answers)
        return ScreeningOut(
            id=screening.pk,
            patient_id=screening.patient_id,
            episode_id=screening.episode_id,
            episode_condition=screening.episode.condition,
            status=status_as_before(screening.status),
            screened_at=screening.screened_at,
            screened_by=screening.screened_by.email,
            answers=answers,
            complete=answers.complete and not screening.predates_explicit_answers,
            unanswered=answers.unanswered(),
            unsure=answers.unsure(),
            predates_explicit_answers=screening.predates_explicit_answers,
            medications_confirmed_at=[c.confirmed_at for c in screening.checks.all()],
            error_reason=screening.error_reason,
        )


class ErrorIn(Schema):
    reason: Text = Field(..., min_length=1, max_length=300)


class RuleOut(Schema):
    id: str
    when: list[str]
    effect: str
    default_effect: str
    unsure: str
    applies_to: str
    regions: list[str]
    techniques: list[str]
    kind: str
    reason: str
    source: str


class RuleChoiceIn(Schema):
    effect: str = Field(..., pattern="^(block|caution|off)$")
    note: Text = Field("", max_length=300)


@router.get(
    "/patients/{patient_id}/screenings",
    response={200: list[ScreeningOut], **ONE_ERRORS},
    summary="A patient's screenings, newest first (clinicians)",
)
def list_screenings(request: HttpRequest, patient_id: int) -> list[ScreeningOut]:
    screenings = screening_history(access=api_access(request), patient_id=patient_id)
    return [ScreeningOut.from_screening(s) for s in screenings.prefetch_related("checks")]


@router.put(
    "/patients/{patient_id}/screening-draft",
    response={200: ScreeningOut, **WRITE_ERRORS, 404: ONE_ERRORS[404]},
    summary="Save part of a screening as the patient's draft (it clears no one)",
)
def save_draft(request: HttpRequest, patient_id: int, payload: ScreeningDraftIn) -> ScreeningOut:
    draft = screening_draft_save(
        access=api_access(request),
        patient_id=patient_id,
        answers=payload.answers,
        episode_id=payload.episode_id,
        condition=payload.condition,
        referral_source=payload.referral_source,
    )
    return ScreeningOut.from_screening(draft)


@router.post(
    "/patients/{patient_id}/screenings",
    response={201: ScreeningOut, **WRITE_ERRORS, 404: ONE_ERRORS[404]},
    summary="Record a complete screening (it replaces the current one and completes the draft)",
)
def create_screening(request: HttpRequest, patient_id: int, payload: ScreeningIn) -> Status:
    screening = screening_record(
        access=api_access(request),
        patient_id=patient_id,
        answers=payload.answers,
        episode_id=payload.episode_id,
        condition=payload.condition,
        referral_source=payload.referral_source,
    )
    return Status(201, ScreeningOut.from_screening(screening))


@router.post(
    "/patients/{patient_id}/screenings/medications-confirmed",
    response={201: ScreeningOut, **WRITE_ERRORS, 404: ONE_ERRORS[404]},
    summary="The patient confirms today that their medications have not changed",
)
def confirm_medications(request: HttpRequest, patient_id: int) -> Status:
    check = screening_confirm_medications(access=api_access(request), patient_id=patient_id)
    screening = screening_get(access=api_access(request), screening_id=check.screening_id)
    return Status(201, ScreeningOut.from_screening(screening))


@router.get(
    "/screenings/{screening_id}",
    response={200: ScreeningOut, **ONE_ERRORS},
    summary="One screening",
)
def get_screening(request: HttpRequest, screening_id: int) -> ScreeningOut:
    return ScreeningOut.from_screening(
        screening_get(access=api_access(request), screening_id=screening_id)
    )


def _marked(access: Access, reason: str, screening_id: int) -> ScreeningOut:
    screening = screening_get(access=access, screening_id=screening_id)
    screening_mark_error(
        access=access, patient_id=screening.patient_id, screening_id=screening.pk, reason=reason
    )
    return ScreeningOut.from_screening(screening_get(access=access, screening_id=screening.pk))


enter_in_error_operation(
    router,
    "/screenings/{screening_id}/entered-in-error",
    module=__name__,
    name="mark_error",
    ids={"screening_id": int},
    payload=ErrorIn,
    response={200: ScreeningOut, **WRITE_ERRORS, 404: ONE_ERRORS[404]},
    summary="Mark a screening entered in error (it stays on file)",
    mark=_marked,
)


def _rules(access: Access) -> list[dict[str, Any]]:
    from filiform.screening.rules import default_rules

    defaults = {r.id: r.effect.value for r in default_rules()}
    return [
        {
            **rule.model_dump(mode="json", exclude={"within_months", "unless_clinic"}),
            "default_effect": defaults[rule.id],
        }
        for rule in clinic_rules(access.membership.clinic_id)
    ]


@router.get(
    "/screening-rules",
    response={200: list[RuleOut], **READ_ERRORS},
    summary="The clinic's screening rules (defaults with the clinic's choices)",
)
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    access = api_access(request)
    access.require(Permission.PATIENT_VIEW)
    return _rules(access)


@router.put(
    "/screening-rules/{rule_id}",
    response={200: RuleOut, **WRITE_ERRORS, 404: ONE_ERRORS[404]},
    summary="Set the clinic's effect for a rule (owners)",
)
def set_rule(request: HttpRequest, rule_id: Text, payload: RuleChoiceIn) -> dict[str, Any]:
    access = api_access(request)
    rule_choice_set(access=access, rule_id=rule_id, effect=payload.effect, note=payload.note)
    return next(r for r in _rules(access) if r["id"] == rule_id)


class EpisodeEndIn(Schema):
    ended_on: IsoDate | None = None


class EpisodeOut(Schema):
    id: int
    patient_id: int
    condition: str
    referral_source: str
    started_on: dt.date
    ended_on: dt.date | None


@router.post(
    "/episodes/{episode_id}/end",
    response={200: EpisodeOut, **WRITE_ERRORS, 404: ONE_ERRORS[404]},
    summary="End an episode of care (discharge)",
)
def end_episode(request: HttpRequest, episode_id: int, payload: EpisodeEndIn) -> Any:
    from filiform.patients.services import episode_end

    return episode_end(access=api_access(request), episode_id=episode_id, ended_on=payload.ended_on)
