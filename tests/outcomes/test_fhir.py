"""Measurements as FHIR R4: every instrument's Observation (and a questionnaire's
QuestionnaireResponse) validates against the R4B models and says what was measured."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from filiform.outcomes import fhir
from filiform.outcomes.instruments import Instrument
from filiform.outcomes.models import Measurement, MeasurementSource
from filiform.outcomes.services import measurement_enter_in_error, measurement_record
from tests.clinical import access_for, screened
from tests.conftest import World

pytestmark = pytest.mark.django_db

ANSWERS: dict[Instrument, dict[str, Any]] = {
    Instrument.NPRS: {"rating": 7},
    Instrument.PSFS: {
        "activities": [
            {"name": "Turning my head to drive", "rating": 3},
            {"name": "Lifting my child", "rating": 5},
            {"name": "Sleeping on my side", "rating": 4},
        ]
    },
    Instrument.NDI: {"items": [2, 1, 3, 0, 2, 1, 2, 3, 1, None]},
    Instrument.ODI: {"items": [1, 2, 2, 1, 0, 3, 2, 1, 2, 1]},
    Instrument.QUICKDASH: {"items": [2, 3, 1, 2, 4, 2, 1, 3, 2, 2, 1]},
    Instrument.LEFS: {"items": [3] * 20},
    Instrument.ROM: {
        "joint": "shoulder",
        "movement": "flexion",
        "side": "left",
        "mode": "active",
        "degrees": 150,
    },
    Instrument.PPT: {"site": "Upper trapezius, left", "trials": [3.2, 3.5, 3.4]},
}
UNITS = {
    Instrument.NPRS: "{score}",
    Instrument.PSFS: "{score}",
    Instrument.NDI: "%",
    Instrument.ODI: "%",
    Instrument.QUICKDASH: "{score}",
    Instrument.LEFS: "{score}",
    Instrument.ROM: "deg",
    Instrument.PPT: "kg/cm2",
}
# The score each example gives, worked by hand.
VALUES = {
    Instrument.NPRS: 7,
    Instrument.PSFS: 4.0,  # (3 + 5 + 4) / 3
    Instrument.NDI: 33.3,  # 15 / (5 * 9) * 100
    Instrument.ODI: 30.0,  # 15 / 50
    Instrument.QUICKDASH: 27.3,  # (23 / 11 - 1) * 25 = 27.27
    Instrument.LEFS: 60,
    Instrument.ROM: 150.0,
    Instrument.PPT: 3.37,  # 10.1 / 3 = 3.3667
}


@pytest.fixture
def ready(world: World) -> World:
    screened(world.patient, world.bob)
    return world


def record(world: World, instrument: Instrument, answers: dict[str, Any]) -> Measurement:
    return measurement_record(
        access=access_for(world.bob, world.clinic),
        patient_id=world.patient.pk,
        instrument=instrument.value,
        answers=answers,
        taken_at=timezone.now() - dt.timedelta(hours=1),
    )


@pytest.mark.parametrize("instrument", list(Instrument))
def test_every_instrument_is_a_valid_observation(ready: World, instrument: Instrument) -> None:
    m = record(ready, instrument, ANSWERS[instrument])
    resource = fhir.observation(m)
    Observation.model_validate(resource)
    assert resource["status"] == "final"
    assert resource["subject"] == {"reference": f"Patient/{ready.patient.pk}"}
    assert resource["code"]["coding"][0] == {
        "system": fhir.CODE_SYSTEM,
        "code": instrument.value,
        "display": resource["code"]["text"],
    }
    quantity = resource["valueQuantity"]
    assert quantity["system"] == "http://unitsofmeasure.org"
    assert quantity["code"] == UNITS[instrument]
    assert quantity["value"] == VALUES[instrument]
    category = resource["category"][0]["coding"][0]["code"]
    assert category == ("exam" if instrument in (Instrument.ROM, Instrument.PPT) else "survey")
    assert resource["effectiveDateTime"] == m.taken_at.isoformat()
    assert "encounter" not in resource


@pytest.mark.parametrize("instrument", sorted(fhir.QUESTIONNAIRES))
def test_every_questionnaire_is_a_valid_questionnaire_response(
    ready: World, instrument: Instrument
) -> None:
    m = record(ready, instrument, ANSWERS[instrument])
    response = fhir.questionnaire_response(m)
    assert response is not None
    QuestionnaireResponse.model_validate(response)
    assert response["status"] == "completed"
    assert response["questionnaire"].endswith(f"/{instrument.value}")
    observation = fhir.observation(m)
    assert observation["derivedFrom"] == [{"reference": f"QuestionnaireResponse/{m.pk}"}]


@pytest.mark.parametrize("instrument", [Instrument.ROM, Instrument.PPT])
def test_measured_instruments_have_no_questionnaire_response(
    ready: World, instrument: Instrument
) -> None:
    m = record(ready, instrument, ANSWERS[instrument])
    assert fhir.questionnaire_response(m) is None
    assert "derivedFrom" not in fhir.observation(m)


def test_nprs_carries_its_loinc_code_and_no_other_instrument_does(ready: World) -> None:
    for instrument in Instrument:
        m = record(ready, instrument, ANSWERS[instrument])
        systems = [c["system"] for c in fhir.observation(m)["code"]["coding"]]
        loinc = [c["code"] for c in fhir.observation(m)["code"]["coding"] if "loinc" in c["system"]]
        assert loinc == (["72514-3"] if instrument is Instrument.NPRS else []), systems


def test_missing_items_are_left_out_and_item_answers_are_integers(ready: World) -> None:
    m = record(ready, Instrument.NDI, ANSWERS[Instrument.NDI])
    response = fhir.questionnaire_response(m, ("Pain", *[f"Q{n}" for n in range(2, 11)]))
    assert response is not None
    items = response["item"]
    assert [i["linkId"] for i in items] == [f"item-{n}" for n in range(1, 10)]  # 10 unanswered
    assert items[0] == {"linkId": "item-1", "text": "Pain", "answer": [{"valueInteger": 2}]}
    assert items[2]["answer"] == [{"valueInteger": 3}]


def test_psfs_items_are_the_patients_activities(ready: World) -> None:
    m = record(ready, Instrument.PSFS, ANSWERS[Instrument.PSFS])
    response = fhir.questionnaire_response(m)
    assert response is not None
    assert [(i["text"], i["answer"][0]["valueInteger"]) for i in response["item"]] == [
        ("Turning my head to drive", 3),
        ("Lifting my child", 5),
        ("Sleeping on my side", 4),
    ]


def test_not_scorable_has_a_data_absent_reason_and_the_why(ready: World) -> None:
    m = record(ready, Instrument.NDI, {"items": [1, None, None, None, 2, 3, None, 1, 0, 2]})
    assert not m.scorable
    resource = fhir.observation(m)
    Observation.model_validate(resource)
    assert "valueQuantity" not in resource
    assert resource["dataAbsentReason"]["coding"][0]["system"] == fhir.ABSENT_SYSTEM
    assert m.why_not in resource["note"][0]["text"]
    response = fhir.questionnaire_response(m)
    assert response is not None
    QuestionnaireResponse.model_validate(response)
    assert len(response["item"]) == 6


def test_rom_components_name_joint_movement_side_and_mode(ready: World) -> None:
    m = record(ready, Instrument.ROM, ANSWERS[Instrument.ROM])
    components = {
        c["code"]["coding"][0]["code"]: c["valueString"] for c in fhir.observation(m)["component"]
    }
    assert components == {
        "rom-joint": "shoulder",
        "rom-movement": "flexion",
        "rom-side": "left",
        "rom-mode": "active",
    }


def test_ppt_components_are_the_three_trials(ready: World) -> None:
    m = record(ready, Instrument.PPT, ANSWERS[Instrument.PPT])
    resource = fhir.observation(m)
    trials = [c["valueQuantity"]["value"] for c in resource["component"]]
    assert trials == [3.2, 3.5, 3.4]
    assert all(c["valueQuantity"]["code"] == "kg/cm2" for c in resource["component"])
    assert resource["bodySite"] == {"text": "upper trapezius, left"}


def test_bands_are_interpretations_in_words(ready: World) -> None:
    m = record(ready, Instrument.ODI, ANSWERS[Instrument.ODI])
    [interpretation] = fhir.observation(m)["interpretation"]
    assert interpretation["coding"][0]["code"] == "moderate"  # 30 %: 21 to 40 is moderate
    assert interpretation["text"] == "Moderate disability"


def test_entered_in_error_shows_in_both_resources(ready: World) -> None:
    m = record(ready, Instrument.NPRS, ANSWERS[Instrument.NPRS])
    m = measurement_enter_in_error(
        access=access_for(ready.bob, ready.clinic), measurement_id=m.pk, reason="Wrong patient"
    )
    observation = fhir.observation(m)
    Observation.model_validate(observation)
    assert observation["status"] == "entered-in-error"
    assert any("Wrong patient" in n["text"] for n in observation["note"])
    response = fhir.questionnaire_response(m)
    assert response is not None
    assert response["status"] == "entered-in-error"


def test_a_patients_own_answers_name_the_patient_as_performer_and_source(ready: World) -> None:
    m = record(ready, Instrument.NPRS, ANSWERS[Instrument.NPRS])
    m.source = MeasurementSource.PATIENT  # as a portal submission stores it
    patient = f"Patient/{ready.patient.pk}"
    assert fhir.observation(m)["performer"] == [{"reference": patient}]
    response = fhir.questionnaire_response(m)
    assert response is not None
    assert response["source"] == {"reference": patient}
    QuestionnaireResponse.model_validate(response)


def test_a_measure_taken_in_a_visit_names_the_encounter(ready: World) -> None:
    from tests.aftercare.needled import cleared, needled_visit

    cleared(ready)
    visit = needled_visit(ready, sign=False)
    m = measurement_record(
        access=access_for(ready.bob, ready.clinic),
        patient_id=ready.patient.pk,
        instrument="nprs",
        answers={"rating": 4},
        visit_id=visit.pk,
    )
    assert fhir.observation(m)["encounter"] == {"reference": f"Encounter/{visit.pk}"}
    Observation.model_validate(fhir.observation(m))
