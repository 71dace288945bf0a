"""The dry-needling screening questionnaire as typed answers (FHIR QuestionnaireResponse in
spirit). Every absolute contraindication and relative precaution of the clinical reference (§1:
AHPCSA dry-needling guideline; ISCP 2012; clinic contraindication lists) has a question; the
rules in ``default_rules.json`` turn the answers into findings.

A screening is never clean by default. Each question is answered explicitly — ``yes``, ``no`` or
``unsure`` (epilepsy: ``none``, ``controlled``, ``uncontrolled`` or ``unsure``) — and a question
left out is *unanswered* (``None``), which is not "no":

- a question that lists sites, limbs, drugs or devices needs its list when the answer is yes;
- the details of a question (its list, weeks of pregnancy, what happened…) go with "yes" only;
- medications are answered too: ``yes`` with the list, ``no`` for none, or ``unsure``.

A draft may leave questions unanswered; a complete screening may not (:func:`answers_problems`
with ``complete=True``). The rule engine reads "yes" as a risk and "unsure" as a finding of its
own; unanswered questions make the screening incomplete, which clears no one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Literal

from django.utils.functional import Promise
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, field_validator

from filiform.anatomy.regions import Limb, Region, Side
from filiform.api_types import NO_NUL_PATTERN, IsoDate
from filiform.dates import age_on

ShortText = Annotated[str, Field(max_length=500, pattern=NO_NUL_PATTERN)]


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


ANSWER_LABELS = {
    Answer.YES: _("Yes"),
    Answer.NO: _("No"),
    Answer.UNSURE: _("Unsure"),
}


class Epilepsy(StrEnum):
    NONE = "none"
    CONTROLLED = "controlled"
    UNCONTROLLED = "uncontrolled"
    UNSURE = "unsure"


EPILEPSY_LABELS = {
    Epilepsy.NONE: _("No epilepsy"),
    Epilepsy.CONTROLLED: _("Yes, controlled"),
    Epilepsy.UNCONTROLLED: _("Yes, not controlled"),
    Epilepsy.UNSURE: _("Unsure"),
}


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


class ElectricalImplant(StrEnum):
    PACEMAKER = "pacemaker"
    DEFIBRILLATOR = "defibrillator"  # implantable cardioverter-defibrillator (ICD)
    STIMULATOR = "stimulator"  # implanted nerve, spinal-cord or deep-brain stimulator
    OTHER = "other"


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
DEVICE_LABELS = {
    ElectricalImplant.PACEMAKER: _("Pacemaker"),
    ElectricalImplant.DEFIBRILLATOR: _("Implanted defibrillator (ICD)"),
    ElectricalImplant.STIMULATOR: _("Implanted stimulator (nerve, spinal cord or brain)"),
    ElectricalImplant.OTHER: _("Other implanted electrical device"),
}


@dataclass(frozen=True)
class Question:
    """One screening question: its label, where the form shows it, the details that go with
    "yes" and, for questions that list something, the list that "yes" requires."""

    label: Promise
    section: Literal["absolute", "medications", "relative"]
    details: tuple[str, ...] = ()
    listed: str | None = None  # the detail that must be filled in when the answer is yes
    ask: Promise | None = None  # what to fill in, when "yes" comes without its list


QUESTIONS: dict[str, Question] = {
    # Absolute contraindications (reference §1)
    "needle_phobia": Question(_("Needle phobia"), "absolute"),
    "unwilling": Question(_("Patient unwilling to be needled"), "absolute"),
    "unable_to_consent": Question(
        _("Unable to give informed consent (e.g. cognitive impairment, a child)"), "absolute"
    ),
    "acute_medical_condition": Question(
        _("Medical emergency or acute medical condition"), "absolute"
    ),
    "previous_adverse_reaction": Question(
        _("Previous abnormal reaction to needling or an injection"),
        "absolute",
        details=("previous_adverse_reaction_detail",),
    ),
    "lymphoedema": Question(
        _("Lymphoedema in an arm or leg"),
        "absolute",
        details=("lymphoedema_limbs",),
        listed="lymphoedema_limbs",
        ask=_("tick the arm or leg"),
    ),
    "bleeding_disorder": Question(
        _("Bleeding or clotting disorder (e.g. thrombocytopenia, haemophilia)"), "absolute"
    ),
    "infected_skin": Question(
        _("Infected skin"),
        "absolute",
        details=("infected_skin_sites",),
        listed="infected_skin_sites",
        ask=_("tick each region and side"),
    ),
    "swollen_area": Question(
        _("Very swollen area"),
        "absolute",
        details=("swollen_area_sites",),
        listed="swollen_area_sites",
        ask=_("tick each region and side"),
    ),
    "metal_allergy": Question(_("Nickel, chromium or stainless-steel allergy"), "absolute"),
    "unstable_heart_condition": Question(_("Unstable heart condition"), "absolute"),
    "epilepsy": Question(_("Epilepsy"), "absolute"),
    # Medications (reference §1: re-checked at every visit)
    "anticoagulants": Question(
        _("Anticoagulants"),
        "medications",
        details=("anticoagulant_drugs", "anticoagulant_other"),
        listed="anticoagulant_drugs",
        ask=_("tick which"),
    ),
    "antiplatelets": Question(
        _("Antiplatelets"),
        "medications",
        details=("antiplatelet_drugs", "antiplatelet_other"),
        listed="antiplatelet_drugs",
        ask=_("tick which"),
    ),
    "medications": Question(
        _("Current medications (any)"),
        "medications",
        details=("medication_list",),
        listed="medication_list",
        ask=_("list them"),
    ),
    # Relative precautions (reference §1)
    "immunocompromised": Question(
        _(
            "Weakened immunity (cancer, HIV, hepatitis, endocarditis, valve disease, immunosuppressants)"
        ),
        "relative",
        details=("immunocompromised_detail",),
    ),
    "diabetes": Question(_("Diabetes"), "relative"),
    "vascular_disease": Question(_("Vascular disease"), "relative"),
    "lymph_node_removal": Question(
        _("Lymph nodes removed"),
        "relative",
        details=("lymph_node_removal_limbs",),
        listed="lymph_node_removal_limbs",
        ask=_("tick the arm or leg"),
    ),
    "pregnant": Question(_("Pregnant"), "relative", details=("pregnancy_weeks",)),
    "recent_surgery": Question(
        _("Surgery in the last 6 months"),
        "relative",
        details=("surgeries",),
        listed="surgeries",
        ask=_("give where and when"),
    ),
    "implants": Question(
        _("Implant or joint replacement"),
        "relative",
        details=("implant_sites",),
        listed="implant_sites",
        ask=_("give where"),
    ),
    "electrical_implant": Question(
        _("Pacemaker, implanted defibrillator, implanted stimulator or other electrical implant"),
        "relative",
        details=("electrical_implant_kinds", "electrical_implant_other"),
        listed="electrical_implant_kinds",
        ask=_("tick which device"),
    ),
    "acute_trauma": Question(
        _("Acute trauma or inflammation"),
        "relative",
        details=("acute_trauma_sites",),
        listed="acute_trauma_sites",
        ask=_("tick each region and side"),
    ),
    "systemic_infection": Question(_("Systemic infection or fever"), "relative"),
    "psychogenic_pain": Question(_("Pain with a strong psychological component"), "relative"),
}
# Each detail field and the question it belongs to.
DETAIL_QUESTION = {detail: name for name, q in QUESTIONS.items() for detail in q.details}


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
    """The answers as stored. Every question may be unanswered (``None``) here, so that a draft
    and a screening recorded before explicit answers can be read; a complete screening answers
    every one (checked by :func:`answers_problems`, and required by the API's input schema)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Absolute contraindications (§1)
    needle_phobia: Answer | None = None
    unwilling: Answer | None = None
    unable_to_consent: Answer | None = None
    acute_medical_condition: Answer | None = None
    previous_adverse_reaction: Answer | None = None
    previous_adverse_reaction_detail: ShortText = ""
    lymphoedema: Answer | None = None
    lymphoedema_limbs: list[LimbSide] = Field(default_factory=list, max_length=4)
    bleeding_disorder: Answer | None = None
    infected_skin: Answer | None = None
    infected_skin_sites: list[Site] = Field(default_factory=list, max_length=18)
    swollen_area: Answer | None = None
    swollen_area_sites: list[Site] = Field(default_factory=list, max_length=18)
    metal_allergy: Answer | None = None
    unstable_heart_condition: Answer | None = None
    epilepsy: Epilepsy | None = None
    # Medications
    anticoagulants: Answer | None = None
    anticoagulant_drugs: list[Anticoagulant] = Field(default_factory=list, max_length=7)
    anticoagulant_other: ShortText = ""
    antiplatelets: Answer | None = None
    antiplatelet_drugs: list[Antiplatelet] = Field(default_factory=list, max_length=5)
    antiplatelet_other: ShortText = ""
    medications: Answer | None = None
    medication_list: ShortText = ""
    # Relative precautions (§1)
    immunocompromised: Answer | None = None
    immunocompromised_detail: ShortText = ""
    diabetes: Answer | None = None
    vascular_disease: Answer | None = None
    lymph_node_removal: Answer | None = None
    lymph_node_removal_limbs: list[LimbSide] = Field(default_factory=list, max_length=4)
    pregnant: Answer | None = None
    pregnancy_weeks: int | None = Field(default=None, ge=1, le=42)
    recent_surgery: Answer | None = None
    surgeries: list[Surgery] = Field(default_factory=list, max_length=10)
    implants: Answer | None = None
    implant_sites: list[Implant] = Field(default_factory=list, max_length=10)
    electrical_implant: Answer | None = None
    electrical_implant_kinds: list[ElectricalImplant] = Field(default_factory=list, max_length=4)
    electrical_implant_other: ShortText = ""
    acute_trauma: Answer | None = None
    acute_trauma_sites: list[Site] = Field(default_factory=list, max_length=18)
    systemic_infection: Answer | None = None
    psychogenic_pain: Answer | None = None
    # Context, no rule of its own
    other_concerns: ShortText = ""

    @field_validator(
        "lymphoedema_limbs",
        "anticoagulant_drugs",
        "antiplatelet_drugs",
        "infected_skin_sites",
        "swollen_area_sites",
        "lymph_node_removal_limbs",
        "surgeries",
        "implant_sites",
        "electrical_implant_kinds",
        "acute_trauma_sites",
    )
    @classmethod
    def _no_repeats(cls, items: list[Any]) -> list[Any]:
        return _unique(items)

    def answer(self, question: str) -> str | None:
        """The answer to a question as its code ("yes", "no", "unsure", an epilepsy status), or
        None when it is unanswered."""
        value = getattr(self, question)
        return None if value is None else str(value)

    def unanswered(self) -> list[str]:
        return [name for name in QUESTIONS if getattr(self, name) is None]

    def unsure(self) -> list[str]:
        return [name for name in QUESTIONS if self.answer(name) == "unsure"]

    def without_list(self) -> list[str]:
        """Questions answered yes that list something, with the list left empty."""
        return [
            name
            for name, q in QUESTIONS.items()
            if q.listed and self.answer(name) == Answer.YES and not getattr(self, q.listed)
        ]

    @property
    def complete(self) -> bool:
        return not self.unanswered() and not self.without_list()

    @property
    def medications_confirmed(self) -> bool:
        """Medications are confirmed only when answered: listed, or none."""
        return self.medications in (Answer.YES, Answer.NO)

    def risk_fields(self) -> list[str]:
        """Questions answered "yes" (epilepsy: controlled or not)."""
        named = [name for name in QUESTIONS if self.answer(name) == Answer.YES]
        if self.epilepsy in (Epilepsy.CONTROLLED, Epilepsy.UNCONTROLLED):
            named.append("epilepsy")
        return named


def question_labels(names: list[str]) -> str:
    return ", ".join(str(QUESTIONS[name].label) for name in names)


def _filled(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None and value != []


def answers_problems(answers: ScreeningAnswers, *, complete: bool) -> dict[str, list[str]]:
    """What to fix, by field: answers that contradict each other always; a complete screening
    also needs every question answered, and each "yes" that lists something with its list."""
    problems: dict[str, list[str]] = {}

    def add(field: str, text: str) -> None:
        problems.setdefault(field, []).append(text)

    for name, question in QUESTIONS.items():
        if answers.answer(name) == Answer.YES:
            continue
        for detail in question.details:
            if _filled(getattr(answers, detail)):
                add(
                    detail,
                    _t("Filled in, but “%(q)s” is not answered yes: answer yes, or clear it.")
                    % {"q": question.label},
                )
    pairs = (
        ("anticoagulant_drugs", Anticoagulant.OTHER, "anticoagulant_other", _("anticoagulant")),
        ("antiplatelet_drugs", Antiplatelet.OTHER, "antiplatelet_other", _("antiplatelet")),
        (
            "electrical_implant_kinds",
            ElectricalImplant.OTHER,
            "electrical_implant_other",
            _("device"),
        ),
    )
    for listed, other, named, word in pairs:
        ticked = other in getattr(answers, listed)
        text = getattr(answers, named).strip()
        if ticked and not text:
            add(named, _t("Name the “other” %(what)s.") % {"what": word})
        if text and not ticked:
            add(
                named,
                _t("An “other” %(what)s is named but “other” is not ticked.") % {"what": word},
            )
    if complete:
        for name in answers.unanswered():
            add(name, _t("Not answered: choose yes, no or unsure."))
        for name in answers.without_list():
            question = QUESTIONS[name]
            add(
                question.listed or name,
                _t("“%(q)s” is answered yes: %(ask)s (or answer unsure).")
                % {"q": question.label, "ask": question.ask},
            )
    return problems


def screening_context_check(
    answers: ScreeningAnswers, *, birth_date: dt.date, today: dt.date
) -> list[str]:
    """Contradictions with the patient record and the calendar."""
    problems = []
    age = age_on(birth_date, today)
    if answers.pregnant == Answer.YES and not 10 <= age <= 60:
        problems.append(
            str(
                _(
                    "Pregnancy is marked for a patient aged %(age)d: check the date of birth or the pregnancy answer."
                )
                % {"age": age}
            )
        )
    for surgery in answers.surgeries:
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
