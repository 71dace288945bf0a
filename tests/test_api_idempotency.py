"""Idempotency-Key on the API's POSTs (filiform/api_idempotency.py): a retry answers the first
result and creates nothing twice; another request under the key is refused; without the key a
POST behaves as before."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from filiform.charting.models import Insertion, Visit
from filiform.idempotency.models import IdempotentRequest
from filiform.patients.models import Patient
from tests.charting.test_api import NEEDLE, _episode_id, _session
from tests.clinical import consent_given, credential, membership, screened
from tests.conftest import World, bearer

NEW_PATIENT = {
    "family_name": "Quartz",
    "given_names": "Ida",
    "birth_date": "1979-02-03",
    "gender": "female",
}


@pytest.fixture
def ready(world: World) -> World:
    """Bob may needle the patient today (as in tests/charting/test_api.py)."""
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    return world


def post(world: World, user: Any, path: str, body: Any, key: str | None = None) -> Any:
    headers = dict(bearer(user, world.clinic))
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    response = Client().post(
        f"/api/v1{path}", json.dumps(body), content_type="application/json", **headers
    )
    assert response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json"), response.content
    return response


def _visit_body(world: World) -> dict[str, Any]:
    return {"episode_id": _episode_id(world), "subjective": "Neck pain 6/10"}


def test_a_retried_registration_answers_the_first_result_and_registers_one(world: World) -> None:
    first = post(world, world.fran, "/patients", NEW_PATIENT, key="reg-7f3a")
    # The client never saw that answer and sends the same request again.
    again = post(world, world.fran, "/patients", NEW_PATIENT, key="reg-7f3a")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Patient.objects.filter(family_name="Quartz").count() == 1


def test_a_retried_visit_creates_one_visit_and_without_a_key_each_post_creates(
    ready: World,
) -> None:
    path = f"/patients/{ready.patient.pk}/visits"
    first = post(ready, ready.bob, path, _visit_body(ready), key="visit-1")
    again = post(ready, ready.bob, path, _visit_body(ready), key="visit-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Visit.objects.filter(patient=ready.patient).count() == 1
    # No key: as before, every POST is a new visit.
    post(ready, ready.bob, path, _visit_body(ready))
    post(ready, ready.bob, path, _visit_body(ready))
    assert Visit.objects.filter(patient=ready.patient).count() == 3


def test_a_retried_insertion_is_charted_once(ready: World) -> None:
    bob = Client(**bearer(ready.bob, ready.clinic))
    _visit, session = _session(ready, bob)
    path = f"/sessions/{session['id']}/insertions"
    body = {"muscle": "infraspinatus", "side": "right", **NEEDLE}
    first = post(ready, ready.bob, path, body, key="needle-1")
    # Key order and spacing do not make it another request.
    again = post(ready, ready.bob, path, dict(reversed(list(body.items()))), key="needle-1")
    assert (first.status_code, again.status_code) == (201, 201), again.content
    assert again.json() == first.json()
    assert Insertion.objects.filter(session_id=session["id"]).count() == 1


def test_the_same_key_with_another_request_is_refused(world: World) -> None:
    assert post(world, world.fran, "/patients", NEW_PATIENT, key="k-1").status_code == 201
    other = {**NEW_PATIENT, "given_names": "Ada"}
    refused = post(world, world.fran, "/patients", other, key="k-1")
    assert refused.status_code == 422
    assert "Idempotency-Key" in refused.json()["detail"]
    assert not Patient.objects.filter(given_names="Ada").exists()


def test_a_key_belongs_to_one_person(world: World) -> None:
    assert post(world, world.alice, "/patients", NEW_PATIENT, key="same").status_code == 201
    # The front desk's "same" is another key: not the owner's answer, not refused.
    other = {**NEW_PATIENT, "given_names": "Ada"}
    theirs = post(world, world.fran, "/patients", other, key="same")
    assert theirs.status_code == 201
    assert theirs.json()["given_names"] == "Ada"
    again = post(world, world.fran, "/patients", other, key="same")
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == theirs.json()["id"]


def test_a_refused_request_keeps_no_answer_so_the_corrected_one_runs(ready: World) -> None:
    path = f"/patients/{ready.patient.pk}/visits"
    wrong = post(ready, ready.bob, path, {"episode_id": 2**40}, key="fix-me")
    assert wrong.status_code in (404, 422)
    first = post(ready, ready.bob, path, _visit_body(ready), key="fix-me")
    assert first.status_code == 201
    again = post(ready, ready.bob, path, _visit_body(ready), key="fix-me")
    assert again["Idempotent-Replayed"] == "true"
    assert Visit.objects.filter(patient=ready.patient).count() == 1


def test_a_key_taken_by_a_request_still_running_answers_409(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race: the first request's key commits between the second's look-up and its claim.
    # On PostgreSQL the second's insert waits on the unique index, then finds the key taken.
    assert post(world, world.fran, "/patients", NEW_PATIENT, key="race").status_code == 201
    monkeypatch.setattr("filiform.api_idempotency.answered_request", lambda **_kw: None)
    raced = post(world, world.fran, "/patients", NEW_PATIENT, key="race")
    assert raced.status_code == 409
    assert "still running" in raced.json()["detail"]
    assert Patient.objects.filter(family_name="Quartz").count() == 1


@pytest.mark.parametrize("key", ["", "with space", "é-accent", "x" * 256])
def test_a_malformed_key_is_refused(world: World, key: str) -> None:
    refused = post(world, world.fran, "/patients", NEW_PATIENT, key=key)
    assert refused.status_code == 422
    assert "Idempotency-Key" in refused.json()["detail"]
    assert not Patient.objects.filter(family_name="Quartz").exists()


def test_a_key_expires_after_24_hours(world: World) -> None:
    first = post(world, world.fran, "/patients", NEW_PATIENT, key="day-1")
    with time_machine.travel(timezone.now() + dt.timedelta(hours=24, minutes=1)):
        later = post(world, world.fran, "/patients", {**NEW_PATIENT, "given_names": "Ada"}, "day-1")
    assert later.status_code == 201
    assert later.json()["id"] != first.json()["id"]
    assert IdempotentRequest.objects.count() == 1


def test_every_post_documents_the_key_and_the_409() -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    posts = {path: item["post"] for path, item in schema["paths"].items() if "post" in item}
    assert posts
    for path, operation in posts.items():
        headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert headers == ["Idempotency-Key"], path
        own_key = path.endswith(("/payments", "/refunds", "/credits", "/write-offs"))
        assert own_key or "409" in operation["responses"], path
