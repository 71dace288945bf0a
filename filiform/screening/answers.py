"""The dry-needling screening questionnaire as typed, validated answers (FHIR
QuestionnaireResponse in spirit). Every absolute contraindication and relative precaution of
shared/domain/clinical-reference.md §1 has a question; the rules in ``default_rules.json`` turn
the answers into findings.

A "risk" answer is a ``True``, a non-empty list, or an epilepsy status other than "none": the
rule engine relies on that (more risk answered never means fewer findings).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from filiform.anatomy.regions import Limb, Region, Side
from filiform.api_types import NO_NUL_PATTERN, IsoDate
from filiform.dates import age_on

ShortText = Annotated[str, Field(max_length=500, pattern=NO_NUL_PATTERN)]


class Anticoagulant(StrEnum):
    WARFARIN = "warfarin"
    APIXABAN = "apixaban"
    RIVAROXABAN = "rivaroxaban"
    DABIGATRAN = "dabigatran"
    EDOXABAN = "edoxaban"
    HEPARIN = "heparin"  # incl. low-molecular-weight heparins
    OTHER = "other"


class Antiplatelet(StrEnum):
    ASA = "asa"
    CLOPIDOGREL = "clopidogrel"
    TICAGRELOR = "ticagrelor"
    PRASUGREL = "prasugrel"
    OTHER = "other"


class Epilepsy(StrEnum):
    NONE = "none"
    CONTROLLED = "controlled"
    UNCONTROLLED = "uncontrolled"


DRUG_LABELS = {
    "warfarin": _("Warfarin"),
    "apixaban": _("Apixaban"),
    "rivaroxaban": _("Rivaroxaban"),
    "dabigatran": _("Dabigatran"),
    "edoxaban": _("Edoxaban"),
    "heparin": _("Heparin / low-molecular-weight heparin"),
    "asa": _("ASA (aspirin)"),
    "clopidogrel": _("Clopidogrel"),
    "ticagrelor": _("Ticagrelor"),
    "prasugrel": _("Prasugrel"),
    "other": _("Other"),
}


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LimbSide(_Part):
    limb: Limb
    side: Side


class Site(_Part):
    """A body region, on one side or (side left empty) both."""

    region: Region
    side: Side | None = None


class Surgery(Site):
    on: IsoDate


class Implant(Site):
    kind: ShortText = ""


def _unique(items: list[Any]) -> list[Any]:
    return list(dict.fromkeys(items))


class ScreeningAnswers(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Absolute contraindications (§1)
    needle_phobia: bool = False
    unwilling: bool = False
    unable_to_consent: bool = False
    acute_medical_condition: bool = False
    previous_adverse_reaction: bool = False
    previous_adverse_reaction_detail: ShortText = ""
    lymphoedema: list[LimbSide] = Field(default_factory=list, max_length=4)
    anticoagulants: list[Anticoagulant] = Field(default_factory=list, max_length=7)
    anticoagulant_other: ShortText = ""
    bleeding_disorder: bool = False
    infected_skin: list[Site] = Field(default_factory=list, max_length=18)
    swollen_area: list[Site] = Field(default_factory=list, max_length=18)
    metal_allergy: bool = False
    unstable_heart_condition: bool = False
    epilepsy: Epilepsy = Epilepsy.NONE
    # Relative precautions (§1)
    antiplatelets: list[Antiplatelet] = Field(default_factory=list, max_length=5)
    antiplatelet_other: ShortText = ""
    immunocompromised: bool = False
    immunocompromised_detail: ShortText = ""
    diabetes: bool = False
    vascular_disease: bool = False
    lymph_node_removal: list[LimbSide] = Field(default_factory=list, max_length=4)
    pregnant: bool = False
    pregnancy_weeks: int | None = Field(default=None, ge=1, le=42)
    recent_surgery: list[Surgery] = Field(default_factory=list, max_length=10)
    implants: list[Implant] = Field(default_factory=list, max_length=10)
    pacemaker: bool = False
    acute_trauma: list[Site] = Field(default_factory=list, max_length=18)
    systemic_infection: bool = False
    psychogenic_pain: bool = False
    # Context, no rule of its own
    medications: ShortText = ""
    other_concerns: ShortText = ""

    @field_validator(
        "lymphoedema",
        "anticoagulants",
        "antiplatelets",
        "infected_skin",
        "swollen_area",
        "lymph_node_removal",
        "recent_surgery",
        "implants",
        "acute_trauma",
    )
    @classmethod
    def _no_repeats(cls, items: list[Any]) -> list[Any]:
        return _unique(items)

    @model_validator(mode="after")
    def _consistent(self) -> ScreeningAnswers:
        """Answers that contradict each other are refused with what to fix."""
        problems = []
        if self.pregnancy_weeks is not None and not self.pregnant:
            problems.append("weeks of pregnancy are given but 'pregnant' is not ticked")
        if self.previous_adverse_reaction_detail.strip() and not self.previous_adverse_reaction:
            problems.append(
                "a previous reaction is described but 'previous reaction' is not ticked"
            )
        if self.immunocompromised_detail.strip() and not self.immunocompromised:
            problems.append("weakened immunity is described but 'weakened immunity' is not ticked")
        if Anticoagulant.OTHER in self.anticoagulants and not self.anticoagulant_other.strip():
            problems.append("name the 'other' anticoagulant")
        if self.anticoagulant_other.strip() and Anticoagulant.OTHER not in self.anticoagulants:
            problems.append("an anticoagulant is named but 'other anticoagulant' is not ticked")
        if Antiplatelet.OTHER in self.antiplatelets and not self.antiplatelet_other.strip():
            problems.append("name the 'other' antiplatelet")
        if self.antiplatelet_other.strip() and Antiplatelet.OTHER not in self.antiplatelets:
            problems.append("an antiplatelet is named but 'other antiplatelet' is not ticked")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def risk_fields(self) -> list[str]:
        """Names of the answers that name a risk (True, non-empty, epilepsy not 'none')."""
        named = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if (isinstance(value, bool) and value) or (isinstance(value, list) and value):
                named.append(name)
        if self.epilepsy != Epilepsy.NONE:
            named.append("epilepsy")
        return named


def screening_context_check(
    answers: ScreeningAnswers, *, birth_date: dt.date, today: dt.date
) -> list[str]:
    """Contradictions with the patient record and the calendar."""
    problems = []
    age = age_on(birth_date, today)
    if answers.pregnant and not 10 <= age <= 60:
        problems.append(
            str(
                _(
                    "Pregnancy is marked for a patient aged %(age)d: check the date of birth or the pregnancy answer."
                )
                % {"age": age}
            )
        )
    for surgery in answers.recent_surgery:
        if surgery.on > today:
            problems.append(
                str(
                    _("The surgery date %(d)s is in the future; enter the date it took place.")
                    % {"d": surgery.on}
                )
            )
        if surgery.on < birth_date:
            problems.append(
                str(
                    _("The surgery date %(d)s is before the patient's date of birth.")
                    % {"d": surgery.on}
                )
            )
    return problems
