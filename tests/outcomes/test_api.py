"""The outcomes API: every endpoint with the persona it is for and those it refuses, another
clinic's ids as 404, bad answers as 422 naming the item with nothing saved, a too-short
questionnaire saved as not scorable with the reason, and FHIR shapes that validate."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filiform.outcomes.models import Measurement, MeasureRequest
from tests.clinical import screened
from tests.conftest import World, bearer

pytestmark = pytest.mark.django_db

NDI = [2, 1, 3, 0, 2, 1, 2, 3, 1, 2]  # 17 of 50: 34 %


def api(world: World, user: Any, clinic: Any = None) -> Client:
    return Client(**bearer(user, clinic or world.clinic))


def send(client: Client, method: str, url: str, body: Any = None) -> Any:
    response = client.generic(
        method, url, "" if body is None else json.dumps(body), content_type="application/json"
    )
    assert response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json"), response.content
    return response


def detail(response: Any) -> Any:
    return response.json()["detail"]


@pytest.fixture
def ready(world: World) -> World:
    screened(world.patient, world.bob)
    return world


def measurements_url(world: World) -> str:
    return f"/api/v1/patients/{world.patient.pk}/measurements"


def post_measure(world: World, instrument: str, answers: Any, user: Any = None, **more: Any) -> Any:
    return send(
        api(world, user or world.bob),
        "POST",
        measurements_url(world),
        {"instrument": instrument, "answers": answers, **more},
    )


def ago(days: int) -> str:
    return (timezone.now() - dt.timedelta(days=days)).isoformat()


# --- instruments ---------------------------------------------------------------------------


def test_instruments_list_structure_range_and_mcid(ready: World) -> None:
    response = send(api(ready, ready.fran), "GET", "/api/v1/outcomes/instruments")
    assert response.status_code == 200
    found = {i["code"]: i for i in response.json()}
    assert list(found) == ["nprs", "psfs", "ndi", "odi", "quickdash", "lefs", "rom", "ppt"]
    nprs = found["nprs"]
    assert (nprs["minimum"], nprs["maximum"], nprs["direction"]) == (0, 10, "lower_is_better")
    assert nprs["ucum"] == "{score}"
    assert nprs["mcid"]["points"] == 2
    assert nprs["mcid"]["percent"] == 30
    assert "Farrar" in nprs["mcid"]["source"]
    ndi = found["ndi"]
    assert ndi["items"] == 10
    assert ndi["min_answered"] == 8
    assert ndi["item_labels"] == [f"Item {n}" for n in range(1, 11)]
    assert ndi["texts_loaded"] is False
    assert found["lefs"]["direction"] == "higher_is_better"
    assert found["rom"]["mcid"] is None


def test_the_owner_loads_licensed_wording_and_everyone_then_reads_it(ready: World) -> None:
    texts = [f"Licensed wording {n}" for n in range(1, 11)]
    url = "/api/v1/outcomes/instruments/ndi/texts"
    loaded = send(api(ready, ready.alice), "PUT", url, {"texts": texts})
    assert loaded.status_code == 200, loaded.content
    assert loaded.json()["item_labels"] == texts
    assert loaded.json()["texts_loaded"] is True
    listed = send(api(ready, ready.bob), "GET", "/api/v1/outcomes/instruments").json()
    assert next(i for i in listed if i["code"] == "ndi")["item_labels"] == texts

    # The questionnaire response names the items in the clinic's wording.
    created = post_measure(ready, "ndi", {"items": NDI}).json()
    assert created["questionnaire_response"]["item"][0]["text"] == "Licensed wording 1"


def test_loading_texts_is_for_owners_and_checked(ready: World) -> None:
    url = "/api/v1/outcomes/instruments/ndi/texts"
    refused = send(api(ready, ready.bob), "PUT", url, {"texts": ["x"] * 10})
    assert refused.status_code == 403
    too_few = send(api(ready, ready.alice), "PUT", url, {"texts": ["x"] * 9})
    assert too_few.status_code == 422
    assert "texts" in detail(too_few)
    unknown = send(
        api(ready, ready.alice), "PUT", "/api/v1/outcomes/instruments/dash/texts", {"texts": []}
    )
    assert unknown.status_code == 422
    assert "instrument" in detail(unknown)
    no_items = send(
        api(ready, ready.alice), "PUT", "/api/v1/outcomes/instruments/rom/texts", {"texts": ["a"]}
    )
    assert no_items.status_code == 422


# --- recording -----------------------------------------------------------------------------


def test_a_clinician_records_a_measure_and_gets_score_and_fhir(ready: World) -> None:
    response = post_measure(ready, "ndi", {"items": NDI}, taken_at=ago(1))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["score"] == {
        "value": 34.0,
        "unit": "%",
        "scorable": True,
        "why_not": "",
        "band": "moderate",  # 17 raw: 15-24 is moderate
        "band_label": "Moderate disability",
        "detail": body["score"]["detail"],
    }
    assert body["source"] == "clinician"
    assert body["recorded_by"] == ready.bob.display_name
    assert body["episode_id"] == ready.patient.episodes.get().pk
    observation = Observation.model_validate(body["observation"])
    assert observation.status == "final"
    assert body["observation"]["valueQuantity"]["value"] == 34.0
    response_ = QuestionnaireResponse.model_validate(body["questionnaire_response"])
    assert len(response_.item or []) == 10
    assert Measurement.objects.get().value == 34


def test_a_questionnaire_with_too_few_items_is_saved_as_not_scorable(ready: World) -> None:
    response = post_measure(ready, "ndi", {"items": [1, None, None, None, 2, 3, None, 1, 0, 2]})
    assert response.status_code == 201, response.content
    score = response.json()["score"]
    assert score["scorable"] is False
    assert score["value"] is None
    assert "at least 8 of 10" in score["why_not"]
    assert "dataAbsentReason" in response.json()["observation"]
    assert Measurement.objects.get().scorable is False


@pytest.mark.parametrize(
    ("instrument", "answers", "field"),
    [
        ("ndi", {"items": [1] * 11}, "items"),  # 11 values for 10 items
        ("ndi", {"items": [1, 1, 6, 1, 1, 1, 1, 1, 1, 1]}, "items.2"),
        ("nprs", {"rating": 11}, "rating"),
        ("nprs", {"rating": -1}, "rating"),
        (
            "psfs",
            {"activities": [{"name": "Walking", "rating": 5}, {"name": "Lifting", "rating": 4}]},
            "activities",
        ),
        (
            "rom",
            {
                "joint": "shoulder",
                "movement": "flexion",
                "side": "left",
                "mode": "active",
                "degrees": 250,
            },
            "degrees",
        ),
        ("ppt", {"site": "Upper trapezius", "trials": [3, 4, 25]}, "trials.2"),
        ("dash", {"items": [1] * 30}, "instrument"),
    ],
)
def test_bad_answers_are_refused_naming_the_item_and_nothing_is_saved(
    ready: World, instrument: str, answers: Any, field: str
) -> None:
    response = post_measure(ready, instrument, answers)
    assert response.status_code == 422, response.content
    assert field in detail(response), detail(response)
    assert detail(response)[field]
    assert not Measurement.objects.exists()


def test_a_measure_in_the_future_or_of_another_visit_is_refused(ready: World) -> None:
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    assert post_measure(ready, "nprs", {"rating": 4}, taken_at=future).status_code == 422
    unknown_visit = post_measure(ready, "nprs", {"rating": 4}, visit_id=999_999)
    assert unknown_visit.status_code == 422
    assert "visit_id" in detail(unknown_visit)
    assert not Measurement.objects.exists()


def test_a_time_without_an_offset_is_clinic_time(ready: World) -> None:
    response = post_measure(ready, "nprs", {"rating": 4}, taken_at="2024-03-05T09:30:00")
    assert response.status_code == 201, response.content
    taken = Measurement.objects.get().taken_at
    assert taken == dt.datetime(2024, 3, 5, 14, 30, tzinfo=dt.UTC)  # Toronto, EST (UTC-5)


@pytest.mark.parametrize("persona", ["fran", "bill"])
def test_front_desk_and_billing_neither_record_nor_read_measurements(
    ready: World, persona: str
) -> None:
    post_measure(ready, "nprs", {"rating": 5})
    m = Measurement.objects.get()
    user = getattr(ready, persona)
    assert post_measure(ready, "nprs", {"rating": 5}, user=user).status_code == 403
    client = api(ready, user)
    assert send(client, "GET", measurements_url(ready)).status_code == 403
    assert send(client, "GET", f"/api/v1/measurements/{m.pk}").status_code == 403
    progress = f"/api/v1/patients/{ready.patient.pk}/progress"
    assert send(client, "GET", progress).status_code == 403
    eie = send(client, "POST", f"/api/v1/measurements/{m.pk}/entered-in-error", {"reason": "x"})
    assert eie.status_code == 403
    assert Measurement.objects.count() == 1


def test_another_clinics_patient_and_measurement_are_not_found(ready: World) -> None:
    post_measure(ready, "nprs", {"rating": 5})
    m = Measurement.objects.get()
    olga = api(ready, ready.olga, ready.other_clinic)
    other = send(olga, "POST", measurements_url(ready), {"instrument": "nprs", "answers": {}})
    assert other.status_code == 404
    assert send(olga, "GET", measurements_url(ready)).status_code == 404
    assert send(olga, "GET", f"/api/v1/measurements/{m.pk}").status_code == 404
    eie = send(olga, "POST", f"/api/v1/measurements/{m.pk}/entered-in-error", {"reason": "x"})
    assert eie.status_code == 404
    progress = send(olga, "GET", f"/api/v1/patients/{ready.patient.pk}/progress")
    assert progress.status_code == 404
    assert Measurement.objects.get().status == "final"


# --- reading -------------------------------------------------------------------------------


def test_a_patients_measurements_newest_first_with_fhir_filtered_by_instrument(
    ready: World,
) -> None:
    post_measure(ready, "nprs", {"rating": 7}, taken_at=ago(10))
    post_measure(ready, "ndi", {"items": NDI}, taken_at=ago(9))
    post_measure(
        ready,
        "rom",
        {
            "joint": "cervical",
            "movement": "rotation",
            "side": "left",
            "mode": "active",
            "degrees": 60,
        },
        taken_at=ago(8),
    )
    listed = send(api(ready, ready.bob), "GET", measurements_url(ready))
    assert listed.status_code == 200
    rows = listed.json()
    assert [r["instrument"] for r in rows] == ["rom", "ndi", "nprs"]
    for row in rows:
        Observation.model_validate(row["observation"])
    assert rows[0]["questionnaire_response"] is None
    QuestionnaireResponse.model_validate(rows[1]["questionnaire_response"])
    assert rows[0]["subject"] == "cervical/rotation/left/active"

    only = send(api(ready, ready.bob), "GET", measurements_url(ready) + "?instrument=nprs").json()
    assert [r["score"]["value"] for r in only] == [7]
    bad = send(api(ready, ready.bob), "GET", measurements_url(ready) + "?instrument=dash")
    assert bad.status_code == 422


def test_one_measurement_and_marking_it_entered_in_error_once(ready: World) -> None:
    created = post_measure(ready, "nprs", {"rating": 6}).json()
    url = f"/api/v1/measurements/{created['id']}"
    one = send(api(ready, ready.uma), "GET", url)
    assert one.status_code == 200
    assert one.json()["score"]["value"] == 6

    no_reason = send(api(ready, ready.bob), "POST", url + "/entered-in-error", {"reason": ""})
    assert no_reason.status_code == 422
    marked = send(api(ready, ready.bob), "POST", url + "/entered-in-error", {"reason": "Typo"})
    assert marked.status_code == 200, marked.content
    assert marked.json()["status"] == "entered_in_error"
    assert marked.json()["error_reason"] == "Typo"
    assert marked.json()["observation"]["status"] == "entered-in-error"
    again = send(api(ready, ready.bob), "POST", url + "/entered-in-error", {"reason": "Typo"})
    assert again.status_code == 422
    assert "already" in json.dumps(detail(again))
    missing = send(api(ready, ready.bob), "GET", "/api/v1/measurements/999999")
    assert missing.status_code == 404


def test_progress_gives_baseline_latest_change_and_mcid(ready: World) -> None:
    post_measure(ready, "nprs", {"rating": 8}, taken_at=ago(20))
    post_measure(ready, "nprs", {"rating": 7}, taken_at=ago(10))
    wrong = post_measure(ready, "nprs", {"rating": 1}, taken_at=ago(5)).json()
    send(
        api(ready, ready.bob),
        "POST",
        f"/api/v1/measurements/{wrong['id']}/entered-in-error",
        {"reason": "Wrong patient"},
    )
    post_measure(ready, "nprs", {"rating": 5}, taken_at=ago(1))
    post_measure(ready, "lefs", {"items": [2] * 20}, taken_at=ago(20))
    post_measure(ready, "lefs", {"items": [2] * 15 + [3] * 5}, taken_at=ago(1))
    url = f"/api/v1/patients/{ready.patient.pk}/progress"
    response = send(api(ready, ready.bob), "GET", url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["episode"]["id"] == ready.patient.episodes.get().pk
    series = {s["instrument"]: s for s in body["series"]}
    nprs = series["nprs"]
    assert [p["value"] for p in nprs["points"]] == [8, 7, 5]  # the error left out
    assert (nprs["baseline"]["value"], nprs["latest"]["value"]) == (8, 5)
    assert nprs["change"] == 3
    assert nprs["reached_mcid"] is True
    lefs = series["lefs"]
    assert (lefs["change"], lefs["reached_mcid"]) == (5, False)  # 40 to 45: MCID is 9

    episode = ready.patient.episodes.get().pk
    chosen = send(api(ready, ready.bob), "GET", f"{url}?episode_id={episode}")
    assert chosen.status_code == 200
    unknown = send(api(ready, ready.bob), "GET", f"{url}?episode_id=999999")
    assert unknown.status_code == 404


# --- questionnaires sent to the patient ----------------------------------------------------


def test_the_front_desk_sends_questionnaires_before_a_visit(ready: World) -> None:
    ready.patient.email, ready.patient.email_ok = "quill@patient.test", True
    ready.patient.save()
    url = f"/api/v1/patients/{ready.patient.pk}/measure-requests"
    response = send(api(ready, ready.fran), "POST", url, {"instruments": ["nprs", "ndi"]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["instruments"] == ["nprs", "ndi"]
    assert body["delivery_channel"] == "email"
    assert MeasureRequest.objects.get().pk == body["id"]

    rom = send(api(ready, ready.fran), "POST", url, {"instruments": ["rom"]})
    assert rom.status_code == 422
    assert "instruments" in detail(rom)
    unknown = send(api(ready, ready.fran), "POST", url, {"instruments": ["dash"]})
    assert unknown.status_code == 422
    none = send(api(ready, ready.fran), "POST", url, {"instruments": []})
    assert none.status_code == 422
    assert send(api(ready, ready.bill), "POST", url, {"instruments": ["nprs"]}).status_code == 403
    assert MeasureRequest.objects.count() == 1


def test_without_an_e_mail_the_request_says_to_measure_in_the_clinic(ready: World) -> None:
    url = f"/api/v1/patients/{ready.patient.pk}/measure-requests"
    response = send(api(ready, ready.fran), "POST", url, {"instruments": ["nprs"]})
    assert response.status_code == 422
    assert "in the clinic" in json.dumps(detail(response))


# --- clinic outcomes -----------------------------------------------------------------------


def test_clinic_outcomes_are_for_the_owner(ready: World) -> None:
    post_measure(ready, "nprs", {"rating": 8}, taken_at=ago(20))
    post_measure(ready, "nprs", {"rating": 5}, taken_at=ago(2))
    response = send(api(ready, ready.alice), "GET", "/api/v1/outcomes/clinic")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["episodes"], body["reached"], body["share"]) == (1, 1, 100.0)
    [practitioner] = body["by_practitioner"]
    assert practitioner["label"] == "No visits charted"
    assert practitioner["mean_change"] == 3.0
    assert [r["key"] for r in body["by_region"]] == ["not_needled"]
    assert [b["sessions"] for b in body["by_needling_sessions"]] == [
        "0",
        "1",
        "2",
        "3",
        "4",
        "5",
        "6+",
    ]
    assert body["by_needling_sessions"][0] == {"sessions": "0", "episodes": 1, "mean_change": 3.0}

    since = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    later = send(api(ready, ready.alice), "GET", f"/api/v1/outcomes/clinic?since={since}")
    assert later.json()["episodes"] == 0
    assert later.json()["share"] is None
    backwards = send(
        api(ready, ready.alice), "GET", "/api/v1/outcomes/clinic?since=2025-02-01&until=2025-01-01"
    )
    assert backwards.status_code == 422
    assert (
        send(api(ready, ready.alice), "GET", "/api/v1/outcomes/clinic?since=5").status_code == 422
    )
    for user in (ready.bob, ready.fran, ready.bill):
        assert send(api(ready, user), "GET", "/api/v1/outcomes/clinic").status_code == 403


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=22) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=30,
)
FIELDS = st.sampled_from(
    [
        "rating",
        "items",
        "activities",
        "name",
        "joint",
        "movement",
        "side",
        "mode",
        "degrees",
        "site",
        "trials",
    ]
)

NUMBER = st.integers(min_value=-3, max_value=300) | st.floats(min_value=-1, max_value=300)
PLAUSIBLE = st.one_of(
    st.fixed_dictionaries({"rating": st.none() | st.integers(min_value=-2, max_value=12)}),
    st.fixed_dictionaries(
        {
            "items": st.lists(
                st.none() | st.integers(min_value=-1, max_value=6), min_size=9, max_size=21
            )
        }
    ),
    st.fixed_dictionaries(
        {
            "activities": st.lists(
                st.fixed_dictionaries(
                    {
                        "name": st.text(max_size=12),
                        "rating": st.integers(min_value=-1, max_value=11),
                    }
                ),
                max_size=6,
            )
        }
    ),
    st.fixed_dictionaries(
        {"site": st.text(max_size=12), "trials": st.lists(NUMBER, min_size=2, max_size=4)}
    ),
    st.fixed_dictionaries(
        {
            "joint": st.sampled_from(["shoulder", "cervical", "knee", "lumbar", "elbow"]),
            "movement": st.sampled_from(["flexion", "rotation", "extension", "abduction"]),
            "side": st.sampled_from(["left", "right", ""]),
            "mode": st.sampled_from(["active", "passive"]),
            "degrees": NUMBER,
        }
    ),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    instrument=st.sampled_from(["nprs", "psfs", "ndi", "odi", "quickdash", "lefs", "rom", "ppt"]),
    answers=st.dictionaries(FIELDS, JSON, max_size=5) | PLAUSIBLE,
)
def test_any_answers_are_scored_or_refused_never_a_500(
    ready: World, instrument: str, answers: dict[str, Any]
) -> None:
    before = Measurement.objects.count()
    response = post_measure(ready, instrument, answers)
    assert response.status_code in (201, 422), response.content
    if response.status_code == 201:
        body = response.json()
        Observation.model_validate(body["observation"])
        if body["questionnaire_response"] is not None:
            QuestionnaireResponse.model_validate(body["questionnaire_response"])
        value = body["score"]["value"]
        assert value is None or 0 <= value <= 210
    else:
        assert Measurement.objects.count() == before
