"""The clearance, screening and screening-rule endpoints: allowed and forbidden personas, bad
input as 4xx JSON, nothing half-saved."""

from __future__ import annotations

from django.test import Client

from filiform.screening.models import RuleChoice, Screening
from tests.clinical import all_answered, consent_given, credential, membership, screened
from tests.conftest import World, bearer


def api(world: World, user) -> Client:
    client = Client(**bearer(user, world.clinic))
    return client


def _clearance_url(world: World, practitioner, *muscles: str) -> str:
    query = "&".join(f"muscles={m}" for m in muscles)
    member = membership(practitioner, world.clinic).pk
    return f"/api/v1/clearance?patient={world.patient.pk}&practitioner={member}&{query}"


def test_clearance_endpoint_gives_verdicts_and_reasons(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob, {"anticoagulants": ["warfarin"]})
    response = api(world, world.bob).get(
        _clearance_url(world, world.bob, "iliopsoas:left", "deltoid:right")
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["verdict"] == "no_go"
    psoas, deltoid = body["muscles"]
    assert psoas["verdict"] == "no_go"
    assert "cannot be compressed" in psoas["reasons"][0]["text"]
    assert deltoid["verdict"] == "caution"


def test_front_desk_sees_the_verdict_without_screening_details(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob, {"anticoagulants": ["warfarin"]})
    body = api(world, world.fran).get(_clearance_url(world, world.bob, "iliopsoas:left")).json()
    assert body["muscles"][0]["verdict"] == "no_go"
    assert "warfarin" not in str(body).lower()
    assert "compress" not in str(body)
    # …and cannot open the screening itself.
    assert (
        api(world, world.fran).get(f"/api/v1/patients/{world.patient.pk}/screenings").status_code
        == 403
    )


def test_unknown_muscle_or_other_clinics_patient(world: World) -> None:
    client = api(world, world.bob)
    response = client.get(_clearance_url(world, world.bob, "elbow_of_doom:left"))
    assert response.status_code == 422
    assert "not a muscle" in str(response.json()["detail"])
    member = membership(world.bob, world.clinic).pk
    other = client.get(f"/api/v1/clearance?patient={world.other_patient.pk}&practitioner={member}")
    assert other.status_code == 404


def test_screening_is_recorded_through_the_api_and_listed(world: World) -> None:
    client = api(world, world.bob)
    url = f"/api/v1/patients/{world.patient.pk}/screenings"
    response = client.post(
        url,
        {
            "answers": all_answered(
                {
                    "diabetes": True,
                    "lymphoedema": [{"limb": "upper", "side": "left"}],
                    "anticoagulants": ["apixaban"],
                    "medications": "apixaban 5 mg twice daily",
                }
            ),
            "condition": "Left shoulder pain",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["answers"]["lymphoedema_limbs"] == [{"limb": "upper", "side": "left"}]
    assert created["episode_condition"] == "Left shoulder pain"
    listed = client.get(url).json()
    assert [s["id"] for s in listed] == [created["id"]]
    again = client.post(
        url,
        {"answers": all_answered(), "episode_id": created["episode_id"]},
        content_type="application/json",
    )
    assert again.status_code == 201
    statuses = [s["status"] for s in client.get(url).json()]
    assert statuses == ["current", "superseded"]
    confirmed = client.post(f"{url}/medications-confirmed")
    assert confirmed.status_code == 201
    assert len(confirmed.json()["medications_confirmed_at"]) == 1


def test_contradictory_answers_are_refused_and_nothing_is_saved(world: World) -> None:
    client = api(world, world.bob)
    url = f"/api/v1/patients/{world.patient.pk}/screenings"
    for answers in (
        {"pregnancy_weeks": 12},
        {"anticoagulants": ["other"]},
        {"recent_surgery": [{"region": "shoulder_arm", "side": "left", "on": "2099-01-01"}]},
        {"epilepsy": "mostly"},
    ):
        response = client.post(
            url,
            {"answers": all_answered(answers), "condition": "Neck pain"},
            content_type="application/json",
        )
        assert response.status_code == 422, (answers, response.content)
        assert response.json()["detail"]
    assert not Screening.objects.exists()
    no_episode = client.post(url, {"answers": all_answered()}, content_type="application/json")
    assert no_episode.status_code == 422
    assert "episode" in str(no_episode.json()["detail"])


def test_pregnancy_for_a_child_contradicts_the_date_of_birth(world: World) -> None:
    world.patient.birth_date = world.patient.birth_date.replace(year=2020)
    world.patient.save()
    response = api(world, world.bob).post(
        f"/api/v1/patients/{world.patient.pk}/screenings",
        {"answers": all_answered({"pregnant": True}), "condition": "Back pain"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "date of birth" in str(response.json()["detail"])


def test_entered_in_error_keeps_the_record(world: World) -> None:
    screening = screened(world.patient, world.bob)
    client = api(world, world.bob)
    url = f"/api/v1/screenings/{screening.pk}/entered-in-error"
    assert client.post(url, {"reason": ""}, content_type="application/json").status_code == 422
    response = client.post(url, {"reason": "Wrong patient"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["status"] == "entered_in_error"
    assert Screening.objects.filter(pk=screening.pk).exists()


def test_only_owners_change_screening_rules(world: World) -> None:
    url = "/api/v1/screening-rules/diabetes"
    assert (
        api(world, world.bob)
        .put(url, {"effect": "block"}, content_type="application/json")
        .status_code
        == 403
    )
    response = api(world, world.alice).put(
        url, {"effect": "block", "note": "Clinic policy"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["effect"] == "block"
    assert response.json()["default_effect"] == "caution"
    unknown = api(world, world.alice).put(
        "/api/v1/screening-rules/no_such_rule", {"effect": "off"}, content_type="application/json"
    )
    assert unknown.status_code == 404
    rules = api(world, world.fran).get("/api/v1/screening-rules").json()
    assert {r["id"]: r["effect"] for r in rules}["diabetes"] == "block"
    # Back to the default: the clinic's choice is removed.
    api(world, world.alice).put(url, {"effect": "caution"}, content_type="application/json")
    assert not RuleChoice.objects.exists()


def test_episode_end_over_the_api(world: World) -> None:
    screened(world.patient, world.bob)
    episode = world.patient.episodes.get()
    url = f"/api/v1/episodes/{episode.pk}/end"
    assert api(world, world.fran).post(url, {}, content_type="application/json").status_code == 403
    bad = api(world, world.bob).post(
        url, {"ended_on": "1999-01-01"}, content_type="application/json"
    )
    assert bad.status_code == 422
    done = api(world, world.bob).post(url, {}, content_type="application/json")
    assert done.status_code == 200
    assert done.json()["ended_on"]
