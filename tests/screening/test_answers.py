"""The screening answers: explicit yes / no / unsure, what a complete screening needs, what
contradicts, and how screenings stored before explicit answers are read."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from filiform.screening.answers import QUESTIONS, ScreeningAnswers
from filiform.screening.services import answers_parse
from tests.clinical import all_answered

legacy = importlib.import_module("filiform.screening.migrations.0003_explicit_answers_data")


def problems(answers: dict[str, Any], *, complete: bool = True) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        answers_parse(answers, complete=complete)
    return error.value.message_dict


def test_a_blank_screening_is_not_complete_and_names_every_question() -> None:
    found = problems({})
    assert set(found) == set(QUESTIONS)
    assert all("Not answered" in texts[0] for texts in found.values())


def test_a_half_filled_screening_names_each_question_left() -> None:
    half = {name: "no" for name in list(QUESTIONS)[:10]}
    assert set(problems(half)) == set(list(QUESTIONS)[10:])


def test_the_same_answers_are_a_valid_draft() -> None:
    draft = answers_parse({"needle_phobia": "no", "diabetes": "unsure"}, complete=False)
    assert draft.unanswered() == [n for n in QUESTIONS if n not in ("needle_phobia", "diabetes")]
    assert draft.unsure() == ["diabetes"]


def test_every_question_answered_is_complete() -> None:
    answers = answers_parse(all_answered({"diabetes": "unsure", "epilepsy": "unsure"}))
    assert answers.complete
    assert answers.unsure() == ["epilepsy", "diabetes"]
    assert answers.risk_fields() == []


@pytest.mark.parametrize(
    ("question", "listed"),
    [
        ("lymphoedema", "lymphoedema_limbs"),
        ("anticoagulants", "anticoagulant_drugs"),
        ("antiplatelets", "antiplatelet_drugs"),
        ("infected_skin", "infected_skin_sites"),
        ("swollen_area", "swollen_area_sites"),
        ("lymph_node_removal", "lymph_node_removal_limbs"),
        ("recent_surgery", "surgeries"),
        ("implants", "implant_sites"),
        ("electrical_implant", "electrical_implant_kinds"),
        ("acute_trauma", "acute_trauma_sites"),
        ("medications", "medication_list"),
    ],
)
def test_a_yes_that_lists_something_needs_its_list(question: str, listed: str) -> None:
    found = problems(all_answered({question: "yes"}))
    assert list(found) == [listed]
    assert "answered yes" in found[listed][0]
    # Unsure needs no list; a draft may leave it for later.
    assert answers_parse(all_answered({question: "unsure"})).complete
    answers_parse(all_answered({question: "yes"}), complete=False)


@pytest.mark.parametrize(
    ("answers", "field", "words"),
    [
        ({"pregnancy_weeks": 12}, "pregnancy_weeks", "Pregnant"),
        ({"pregnant": "no", "pregnancy_weeks": 12}, "pregnancy_weeks", "Pregnant"),
        ({"anticoagulants": ["other"]}, "anticoagulant_other", "other"),
        (
            {"anticoagulants": ["warfarin"], "anticoagulant_other": "x"},
            "anticoagulant_other",
            "not ticked",
        ),
        ({"previous_adverse_reaction_detail": "fainted"}, "previous_adverse_reaction_detail", ""),
        (
            {"lymphoedema": "unsure", "lymphoedema_limbs": [{"limb": "upper", "side": "left"}]},
            "lymphoedema_limbs",
            "not answered yes",
        ),
        ({"electrical_implant": ["other"]}, "electrical_implant_other", "device"),
    ],
)
def test_contradictory_answers_are_refused_by_field(
    answers: dict[str, Any], field: str, words: str
) -> None:
    for complete in (True, False):
        found = problems(all_answered(answers), complete=complete)
        assert field in found, found
        assert words in " ".join(found[field])


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"needle_phobia": True}, "needle_phobia"),  # the old format: a boolean
        ({"needle_phobia": "maybe"}, "needle_phobia"),
        ({"epilepsy": "sometimes"}, "epilepsy"),
        ({"epilepsy": "no"}, "epilepsy"),
        ({"lymphoedema_limbs": [{"limb": "tail", "side": "left"}]}, "lymphoedema_limbs.0.limb"),
        ({"unknown_question": "yes"}, "unknown_question"),
        ({"pacemaker": "yes"}, "pacemaker"),
    ],
)
def test_values_of_the_wrong_kind_are_refused(answers: dict[str, Any], field: str) -> None:
    assert field in problems({**all_answered(), **answers})


def test_no_answer_has_a_default_but_unanswered() -> None:
    blank = ScreeningAnswers()
    assert all(blank.answer(name) is None for name in QUESTIONS)
    assert not blank.medications_confirmed


# --- screenings stored before explicit answers (migration 0003) ---------------------------

OLD_CLEAN = {
    "needle_phobia": False,
    "unwilling": False,
    "epilepsy": "none",
    "pacemaker": False,
    "lymphoedema": [],
    "anticoagulants": [],
    "medications": "",
    "other_concerns": "",
}
OLD_RISKS = {
    **OLD_CLEAN,
    "diabetes": True,
    "pacemaker": True,
    "epilepsy": "controlled",
    "anticoagulants": ["warfarin", "other"],
    "anticoagulant_other": "phenprocoumon",
    "lymphoedema": [{"limb": "upper", "side": "left"}],
    "recent_surgery": [{"region": "thigh_knee", "side": "right", "on": "2026-10-01"}],
    "pregnant": False,
    "pregnancy_weeks": None,
    "medications": "warfarin 5 mg",
}


def test_an_old_false_or_empty_answer_becomes_unanswered_never_no() -> None:
    answers = ScreeningAnswers.model_validate(legacy.explicit_from_legacy(OLD_CLEAN))
    assert answers.unanswered() == list(QUESTIONS)
    assert not answers.medications_confirmed
    assert legacy.explicit_from_legacy({}) == {}


def test_an_old_true_or_listed_answer_becomes_yes_with_its_details() -> None:
    answers = ScreeningAnswers.model_validate(legacy.explicit_from_legacy(OLD_RISKS))
    assert answers.diabetes == "yes"
    assert answers.electrical_implant == "yes"
    assert answers.electrical_implant_kinds == []  # the old question did not say which
    assert answers.epilepsy == "controlled"
    assert answers.anticoagulant_drugs == ["warfarin", "other"]
    assert answers.anticoagulant_other == "phenprocoumon"
    assert [x.limb for x in answers.lymphoedema_limbs] == ["upper"]
    assert answers.surgeries[0].region == "thigh_knee"
    assert (answers.medications, answers.medication_list) == ("yes", "warfarin 5 mg")
    assert answers.needle_phobia is None
    assert answers.pregnant is None
    assert "electrical_implant" in answers.without_list()
    assert not answers.complete


def test_the_old_format_round_trips_what_it_could_say() -> None:
    back = legacy.legacy_from_explicit(legacy.explicit_from_legacy(OLD_RISKS))
    for name in ("diabetes", "pacemaker", "epilepsy", "anticoagulants", "lymphoedema"):
        assert back[name] == OLD_RISKS[name]
    assert back["medications"] == "warfarin 5 mg"
