"""Check-in triage: each rule on its own, and properties over any answers."""

from __future__ import annotations

import datetime as dt

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from filiform.aftercare.triage import (
    CheckInAnswers,
    Symptom,
    TriageReason,
    answers_of_response,
    questionnaire_response,
    triage,
)

CALM = {"soreness": 3, "compared": "same", "bruising": "small", "symptoms": []}


def answers(**change: object) -> CheckInAnswers:
    return CheckInAnswers.model_validate({**CALM, **change})


def test_expected_soreness_is_green() -> None:
    result = triage(answers(), thorax_needled=True)
    assert (result.level, result.reasons) == ("green", ())


@pytest.mark.parametrize(
    ("symptom", "reason"),
    [
        (Symptom.SHORTNESS_OF_BREATH, TriageReason.BREATHING_AFTER_THORAX),
        (Symptom.CHEST_PAIN, TriageReason.CHEST_PAIN_AFTER_THORAX),
    ],
)
def test_breathing_or_chest_after_thorax_needling_is_red_and_an_emergency(
    symptom: Symptom, reason: TriageReason
) -> None:
    result = triage(answers(symptoms=[symptom]), thorax_needled=True)
    assert result.level == "red"
    assert result.reasons == (reason,)
    assert result.emergency


def test_breathing_without_thorax_needling_is_amber() -> None:
    result = triage(answers(symptoms=["shortness_of_breath"]), thorax_needled=False)
    assert result.level == "amber"
    assert result.reasons == (TriageReason.BREATHING_OR_CHEST,)
    assert not result.emergency


def test_fever_is_red_whatever_was_needled() -> None:
    for thorax in (True, False):
        result = triage(answers(symptoms=["fever"]), thorax_needled=thorax)
        assert (result.level, result.reasons) == ("red", (TriageReason.FEVER,))


@pytest.mark.parametrize(
    ("soreness", "level"), [(5, "green"), (6, "amber"), (7, "amber"), (8, "red"), (10, "red")]
)
def test_soreness_thresholds(soreness: int, level: str) -> None:
    assert triage(answers(soreness=soreness), thorax_needled=False).level == level


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"symptoms": ["dizziness"]}, TriageReason.DIZZINESS),
        ({"symptoms": ["numbness"]}, TriageReason.NUMBNESS),
        ({"compared": "much_worse"}, TriageReason.MUCH_WORSE),
        ({"bruising": "large"}, TriageReason.LARGE_BRUISE),
    ],
)
def test_lesser_concerns_are_amber(change: dict[str, object], reason: TriageReason) -> None:
    result = triage(answers(**change), thorax_needled=True)
    assert (result.level, result.reasons) == ("amber", (reason,))


def test_a_little_worse_is_expected_after_needling() -> None:
    assert triage(answers(compared="worse"), thorax_needled=False).level == "green"


@pytest.mark.parametrize(
    "bad",
    [
        {"soreness": 11},
        {"soreness": -1},
        {"compared": "sideways"},
        {"bruising": "purple"},
        {"symptoms": ["hiccups"]},
        {"note": "x" * 2001},
        {"note": "nul\x00"},
        {"extra": 1},
    ],
)
def test_impossible_answers_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        CheckInAnswers.model_validate({**CALM, **bad})


ANSWERS = st.builds(
    CheckInAnswers,
    soreness=st.integers(0, 10),
    compared=st.sampled_from(["much_better", "better", "same", "worse", "much_worse"]),
    bruising=st.sampled_from(["none", "small", "large"]),
    symptoms=st.lists(st.sampled_from(list(Symptom)), unique=True),
    note=st.text(st.characters(codec="utf-8", blacklist_characters="\x00"), max_size=50),
)
RANK = {"green": 0, "amber": 1, "red": 2}


@given(ANSWERS, st.booleans(), st.sampled_from(list(Symptom)))
def test_reporting_one_more_symptom_never_lowers_the_level(
    given_answers: CheckInAnswers, thorax: bool, extra: Symptom
) -> None:
    before = triage(given_answers, thorax_needled=thorax)
    more = given_answers.model_copy(
        update={"symptoms": list(dict.fromkeys([*given_answers.symptoms, extra]))}
    )
    assert RANK[triage(more, thorax_needled=thorax).level] >= RANK[before.level]


@given(ANSWERS, st.booleans())
def test_needling_the_chest_never_lowers_the_level(given_answers: CheckInAnswers, t: bool) -> None:
    assert (
        RANK[triage(given_answers, thorax_needled=True).level]
        >= RANK[triage(given_answers, thorax_needled=t).level]
    )


@given(ANSWERS)
def test_the_stored_response_is_valid_fhir_and_reads_back(given_answers: CheckInAnswers) -> None:
    response = questionnaire_response(
        given_answers,
        authored=dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC),
        patient_ref="Patient/7",
        visit_ref="Encounter/9",
    )
    QuestionnaireResponse.model_validate(response)
    expected = given_answers.model_copy(
        update={"note": given_answers.note if given_answers.note.strip() else ""}
    )
    assert answers_of_response(response) == expected
