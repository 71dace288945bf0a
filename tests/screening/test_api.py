"""The screening API with explicit answers: a complete screening needs every answer (422 naming
each one missing, nothing saved), a draft takes any part, and the schema says which is which."""

from __future__ import annotations

from typing import Any

from django.test import Client

from filiform.screening.answers import QUESTIONS
from filiform.screening.models import Screening, ScreeningStatus
from tests.clinical import all_answered, consent_given, credential, membership
from tests.conftest import World, bearer


def api(world: World, user: Any = None) -> Client:
    return Client(**bearer(user or world.bob, world.clinic))


def _url(world: World, tail: str = "screenings") -> str:
    return f"/api/v1/patients/{world.patient.pk}/{tail}"


def _missing(body: dict[str, Any]) -> set[str]:
    """The answers a 422 names as missing (pydantic's list of problems)."""
    return {
        str(problem["loc"][-1])
        for problem in body["detail"]
        if problem["type"] == "missing" and "answers" in problem["loc"]
    }


def test_a_blank_screening_is_refused_naming_every_question(world: World) -> None:
    response = api(world).post(
        _url(world), {"answers": {}, "condition": "Neck pain"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert _missing(response.json()) == set(QUESTIONS)
    assert not Screening.objects.exists()
    assert not world.patient.episodes.exists()


def test_a_half_filled_screening_is_refused_naming_the_rest(world: World) -> None:
    half = {k: v for k, v in all_answered().items() if k not in ("epilepsy", "pregnant")}
    response = api(world).post(
        _url(world), {"answers": half, "condition": "Neck pain"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert _missing(response.json()) == {"epilepsy", "pregnant"}
    assert not Screening.objects.exists()


def test_a_yes_without_its_list_is_refused_by_field(world: World) -> None:
    response = api(world).post(
        _url(world),
        {"answers": all_answered({"infected_skin": "yes"}), "condition": "Neck pain"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "answered yes" in response.json()["detail"]["infected_skin_sites"][0]
    assert not Screening.objects.exists()


def test_a_complete_screening_says_so(world: World) -> None:
    response = api(world).post(
        _url(world),
        {"answers": all_answered({"diabetes": "unsure"}), "condition": "Neck pain"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["complete"] is True
    assert body["unanswered"] == []
    assert body["unsure"] == ["diabetes"]
    assert body["answers"]["needle_phobia"] == "no"
    assert body["predates_explicit_answers"] is False


def test_a_draft_is_saved_clears_no_one_and_is_completed(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    client = api(world)
    saved = client.put(
        _url(world, "screening-draft"),
        {"answers": {"needle_phobia": "no"}, "condition": "Neck pain"},
        content_type="application/json",
    )
    assert saved.status_code == 200, saved.content
    draft = saved.json()
    assert (draft["status"], draft["complete"]) == ("draft", False)
    assert "epilepsy" in draft["unanswered"]
    # Saved again: the same draft, in its episode.
    again = client.put(
        _url(world, "screening-draft"),
        {"answers": {"needle_phobia": "no", "epilepsy": "unsure"}},
        content_type="application/json",
    )
    assert again.json()["id"] == draft["id"]
    assert again.json()["episode_id"] == draft["episode_id"]
    member = membership(world.bob, world.clinic).pk
    clearance = client.get(
        f"/api/v1/clearance?patient={world.patient.pk}&practitioner={member}&muscles=deltoid:left"
    ).json()
    assert clearance["verdict"] == "no_go"
    assert {r["code"] for r in clearance["reasons"]} >= {"draft"}
    done = client.post(_url(world), {"answers": all_answered()}, content_type="application/json")
    assert done.status_code == 201, done.content
    assert done.json()["id"] == draft["id"]
    assert Screening.objects.get().status == ScreeningStatus.CURRENT


def test_a_contradictory_draft_is_refused(world: World) -> None:
    response = api(world).put(
        _url(world, "screening-draft"),
        {"answers": {"pregnant": "no", "pregnancy_weeks": 12}, "condition": "Neck pain"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "pregnancy_weeks" in response.json()["detail"]
    assert not Screening.objects.exists()


def test_front_desk_cannot_save_a_draft(world: World) -> None:
    response = api(world, world.fran).put(
        _url(world, "screening-draft"), {"answers": {}}, content_type="application/json"
    )
    assert response.status_code == 403


def test_the_schema_requires_every_answer_of_a_complete_screening_only(world: World) -> None:
    schema = api(world).get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    complete = components["CompleteScreeningAnswers"]
    assert set(complete["required"]) == set(QUESTIONS)
    assert complete["properties"]["needle_phobia"]["$ref"].endswith("/Answer")
    assert not components["ScreeningAnswers"].get("required")
    assert components["Epilepsy"]["enum"] == ["none", "controlled", "uncontrolled", "unsure"]


def test_the_rules_say_what_unsure_does_and_which_techniques_they_limit(world: World) -> None:
    rules = {r["id"]: r for r in api(world, world.fran).get("/api/v1/screening-rules").json()}
    assert rules["pacemaker"]["techniques"] == ["electrical"]
    assert rules["pacemaker"]["effect"] == "block"
    assert rules["needle_phobia"]["unsure"] == "block"
    assert rules["diabetes"]["unsure"] == "caution"
    assert rules["diabetes"]["techniques"] == []
