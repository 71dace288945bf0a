"""The check-in's questions, the patient's answers, and the triage that decides green, amber or
red. Pure: no database, so every rule is tested on its own.

Red (the clinician is alerted at once, by dashboard and e-mail): shortness of breath or chest
pain after needling over the chest wall (pneumothorax can show hours to days later), fever
(infection), soreness 8/10 or more. Amber (reviewed on the dashboard): breathing or chest
symptoms when the chest was not needled, dizziness, numbness, soreness 6 or 7, pain much worse than
before, a large bruise."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

QUESTIONNAIRE = "https://filiform.invalid/fhir/Questionnaire/needling-check-in|1"
RED_SORENESS = 8
AMBER_SORENESS = 6


class Symptom(StrEnum):
    SHORTNESS_OF_BREATH = "shortness_of_breath"
    CHEST_PAIN = "chest_pain"
    DIZZINESS = "dizziness"
    FEVER = "fever"
    NUMBNESS = "numbness"


SYMPTOM_LABELS = {
    Symptom.SHORTNESS_OF_BREATH: _("Shortness of breath"),
    Symptom.CHEST_PAIN: _("Chest pain, or pain when breathing in"),
    Symptom.DIZZINESS: _("Dizziness or fainting"),
    Symptom.FEVER: _("Fever, or redness spreading from a needle site"),
    Symptom.NUMBNESS: _("Numbness, tingling or weakness"),
}

Compared = Literal["much_better", "better", "same", "worse", "much_worse"]
COMPARED_LABELS = {
    "much_better": _("Much better"),
    "better": _("A little better"),
    "same": _("About the same"),
    "worse": _("A little worse"),
    "much_worse": _("Much worse"),
}
Bruising = Literal["none", "small", "large"]
BRUISING_LABELS = {
    "none": _("No bruise"),
    "small": _("A small bruise"),
    "large": _("A large or growing bruise"),
}


class CheckInAnswers(BaseModel):
    """What the patient answers on their phone."""

    model_config = ConfigDict(extra="forbid")

    soreness: Annotated[int, Field(ge=0, le=10, description="Soreness now, 0 (none) to 10")]
    compared: Compared = Field(description="Your pain compared with before the treatment")
    bruising: Bruising
    symptoms: list[Symptom] = Field(default_factory=list, max_length=len(Symptom))
    note: Annotated[str, StringConstraints(max_length=2000, pattern=r"^[^\x00]*$")] = ""


class TriageReason(StrEnum):
    BREATHING_AFTER_THORAX = "breathing_after_thorax"
    CHEST_PAIN_AFTER_THORAX = "chest_pain_after_thorax"
    FEVER = "fever"
    SEVERE_SORENESS = "severe_soreness"
    BREATHING_OR_CHEST = "breathing_or_chest"
    DIZZINESS = "dizziness"
    NUMBNESS = "numbness"
    MARKED_SORENESS = "marked_soreness"
    MUCH_WORSE = "much_worse"
    LARGE_BRUISE = "large_bruise"
    CALL_CONCERN = "call_concern"


REASON_TEXT = {
    TriageReason.BREATHING_AFTER_THORAX: _(
        "Shortness of breath after needling over the chest wall: possible pneumothorax"
    ),
    TriageReason.CHEST_PAIN_AFTER_THORAX: _(
        "Chest pain after needling over the chest wall: possible pneumothorax"
    ),
    TriageReason.FEVER: _("Fever or spreading redness: possible infection"),
    TriageReason.SEVERE_SORENESS: _("Soreness 8/10 or more"),
    TriageReason.BREATHING_OR_CHEST: _("Breathing or chest symptoms (the chest was not needled)"),
    TriageReason.DIZZINESS: _("Dizziness or fainting"),
    TriageReason.NUMBNESS: _("Numbness, tingling or weakness"),
    TriageReason.MARKED_SORENESS: _("Soreness 6–7/10"),
    TriageReason.MUCH_WORSE: _("Pain much worse than before the treatment"),
    TriageReason.LARGE_BRUISE: _("A large or growing bruise"),
    TriageReason.CALL_CONCERN: _("Concern raised on a follow-up call"),
}

RED_REASONS = frozenset(
    {
        TriageReason.BREATHING_AFTER_THORAX,
        TriageReason.CHEST_PAIN_AFTER_THORAX,
        TriageReason.FEVER,
        TriageReason.SEVERE_SORENESS,
    }
)
EMERGENCY_REASONS = frozenset(
    {TriageReason.BREATHING_AFTER_THORAX, TriageReason.CHEST_PAIN_AFTER_THORAX}
)


@dataclass(frozen=True)
class TriageResult:
    level: Literal["green", "amber", "red"]
    reasons: tuple[TriageReason, ...]

    @property
    def emergency(self) -> bool:
        """The patient is told to call 911 now, before anything else."""
        return bool(EMERGENCY_REASONS & set(self.reasons))


def triage(answers: CheckInAnswers, *, thorax_needled: bool) -> TriageResult:
    symptoms = set(answers.symptoms)
    reasons: list[TriageReason] = []
    breathing = Symptom.SHORTNESS_OF_BREATH in symptoms
    chest = Symptom.CHEST_PAIN in symptoms
    if thorax_needled and breathing:
        reasons.append(TriageReason.BREATHING_AFTER_THORAX)
    if thorax_needled and chest:
        reasons.append(TriageReason.CHEST_PAIN_AFTER_THORAX)
    if Symptom.FEVER in symptoms:
        reasons.append(TriageReason.FEVER)
    if answers.soreness >= RED_SORENESS:
        reasons.append(TriageReason.SEVERE_SORENESS)
    if not thorax_needled and (breathing or chest):
        reasons.append(TriageReason.BREATHING_OR_CHEST)
    if Symptom.DIZZINESS in symptoms:
        reasons.append(TriageReason.DIZZINESS)
    if Symptom.NUMBNESS in symptoms:
        reasons.append(TriageReason.NUMBNESS)
    if AMBER_SORENESS <= answers.soreness < RED_SORENESS:
        reasons.append(TriageReason.MARKED_SORENESS)
    if answers.compared == "much_worse":
        reasons.append(TriageReason.MUCH_WORSE)
    if answers.bruising == "large":
        reasons.append(TriageReason.LARGE_BRUISE)
    if RED_REASONS & set(reasons):
        return TriageResult("red", tuple(reasons))
    return TriageResult("amber" if reasons else "green", tuple(reasons))


def questionnaire_response(
    answers: CheckInAnswers, *, authored: dt.datetime, patient_ref: str, visit_ref: str
) -> dict[str, Any]:
    """The answers as a FHIR R4 QuestionnaireResponse (stored as is; the FHIR API serves it)."""
    items: list[dict[str, Any]] = [
        {
            "linkId": "soreness",
            "text": "Soreness now (0-10)",
            "answer": [{"valueInteger": answers.soreness}],
        },
        {
            "linkId": "compared",
            "text": "Pain compared with before the treatment",
            "answer": [{"valueCoding": {"code": answers.compared}}],
        },
        {
            "linkId": "bruising",
            "text": "Bruising",
            "answer": [{"valueCoding": {"code": answers.bruising}}],
        },
        {
            "linkId": "symptoms",
            "text": "Symptoms since the treatment",
            **(
                {"answer": [{"valueCoding": {"code": str(s)}} for s in answers.symptoms]}
                if answers.symptoms
                else {}
            ),
        },
    ]
    if answers.note.strip():
        items.append(
            {"linkId": "note", "text": "Anything else", "answer": [{"valueString": answers.note}]}
        )
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": QUESTIONNAIRE,
        "status": "completed",
        "subject": {"reference": patient_ref},
        "encounter": {"reference": visit_ref},
        "authored": authored.isoformat(),
        "item": items,
    }


def answers_of_response(response: dict[str, Any]) -> CheckInAnswers:
    """Read the answers back from a stored QuestionnaireResponse."""
    values: dict[str, Any] = {"symptoms": []}
    for item in response.get("item", []):
        answers = item.get("answer", [])
        key = item["linkId"]
        if key == "soreness":
            values["soreness"] = answers[0]["valueInteger"]
        elif key in ("compared", "bruising"):
            values[key] = answers[0]["valueCoding"]["code"]
        elif key == "symptoms":
            values["symptoms"] = [a["valueCoding"]["code"] for a in answers]
        elif key == "note":
            values["note"] = answers[0]["valueString"]
    return CheckInAnswers.model_validate(values)
