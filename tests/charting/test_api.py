"""The charting API: every endpoint with an allowed and a forbidden persona, the same rules as
the services (they are the services), bad input as 4xx JSON naming the field, nothing half-saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from filiform.audit.models import AuditAction, AuditEntry
from filiform.charting.models import Addendum, AdverseEvent, Insertion, NeedlingSession, Visit
from tests.clinical import consent_given, credential, membership, screened
from tests.conftest import World, bearer

NEEDLE: dict[str, Any] = {
    "needle_diameter_mm": "0.25",
    "needle_length_mm": 40,
    "depth_mm": "15",
    "technique": "pistoning",
    "twitch": "few",
}


def api(world: World, user) -> Client:
    return Client(**bearer(user, world.clinic))


def send(client: Client, method: str, url: str, body: Any = None) -> Any:
    response = client.generic(
        method, url, "" if body is None else _json(body), content_type="application/json"
    )
    assert response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json"), response.content
    return response


def _json(body: Any) -> str:
    import json

    return json.dumps(body)


@pytest.fixture
def ready(world: World) -> World:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    return world


def _episode_id(world: World) -> int:
    episode = world.patient.episodes.first()
    assert episode is not None
    return episode.pk


def _visit(world: World, client: Client | None = None) -> dict[str, Any]:
    response = send(
        client or api(world, world.bob),
        "POST",
        f"/api/v1/patients/{world.patient.pk}/visits",
        {
            "episode_id": _episode_id(world),
            "subjective": "Neck pain 6/10",
            "assessment": "Active trigger points in upper trapezius",
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def _session(world: World, client: Client | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    client = client or api(world, world.bob)
    visit = _visit(world, client)
    response = send(client, "POST", f"/api/v1/visits/{visit['id']}/session", {"position": "prone"})
    assert response.status_code == 201, response.content
    return visit, response.json()


def _insert(client: Client, session: dict[str, Any], target: str, **extra: Any) -> Any:
    slug, _sep, side = target.partition(":")
    return send(
        client,
        "POST",
        f"/api/v1/sessions/{session['id']}/insertions",
        {"muscle": slug, "side": side, **NEEDLE, **extra},
    )


def test_a_visit_is_charted_counted_signed_locked_and_amended(ready: World) -> None:
    bob = api(ready, ready.bob)
    visit, session = _session(ready, bob)
    assert visit["status"] == "draft"
    assert visit["version"] == 1
    assert session["clearance"]["verdict"] == "go"
    assert session["consent_version"] == 1

    first = _insert(bob, session, "upper_trapezius:right", approach="pincer")
    assert first.status_code == 201, first.content
    assert first.json()["needle_diameter_mm"] == "0.25"
    assert _insert(bob, session, "infraspinatus:right", needle_count=2).status_code == 201

    patched = send(
        bob, "PATCH", f"/api/v1/visits/{visit['id']}", {"version": 1, "objective": "ROM 60°"}
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["version"] == 2
    assert patched.json()["subjective"] == "Neck pain 6/10"  # fields not sent are kept

    full = send(bob, "GET", f"/api/v1/visits/{visit['id']}").json()
    assert full["session"]["needles_opened"] == 3
    assert full["session"]["needles_inserted"] == 3
    assert "3 needles opened but 0 removed" in full["session"]["count_problem"]
    assert [i["muscle"] for i in full["session"]["insertions"]] == [
        "upper_trapezius",
        "infraspinatus",
    ]

    counts = send(
        bob, "PUT", f"/api/v1/sessions/{session['id']}/counts", {"opened": 3, "removed": 3}
    )
    assert counts.status_code == 200, counts.content
    assert counts.json()["count_problem"] == ""

    signed = send(bob, "POST", f"/api/v1/visits/{visit['id']}/sign")
    assert signed.status_code == 200, signed.content
    body = signed.json()
    assert body["status"] == "signed"
    assert body["signed_by"] == ready.bob.display_name
    assert len(body["content_sha256"]) == 64
    assert body["session"]["ended_at"] is not None

    # Locked: every write answers 422 with the service's reason, and nothing changes.
    for method, url, payload in (
        ("PATCH", f"/api/v1/visits/{visit['id']}", {"version": 2, "plan": "changed"}),
        ("POST", f"/api/v1/sessions/{session['id']}/insertions", {"muscle": "deltoid", **NEEDLE}),
        ("PUT", f"/api/v1/sessions/{session['id']}/counts", {"opened": 4, "removed": 4}),
        ("POST", f"/api/v1/visits/{visit['id']}/session", {"position": "supine"}),
        (
            "POST",
            f"/api/v1/visits/{visit['id']}/adverse-events",
            {"kind": "bruising", "severity": "mild", "timing": "after"},
        ),
    ):
        refused = send(bob, method, url, payload)
        assert refused.status_code == 422, (method, url, refused.content)
        assert "locked" in str(refused.json()["detail"]), refused.content
    assert "Add an addendum" in str(
        send(bob, "PATCH", f"/api/v1/visits/{visit['id']}", {"version": 2, "plan": "x"}).json()
    )
    unchanged = send(bob, "GET", f"/api/v1/visits/{visit['id']}").json()
    assert unchanged["content_sha256"] == body["content_sha256"]
    assert unchanged["plan"] == ""
    assert len(unchanged["session"]["insertions"]) == 2

    addendum = send(
        bob,
        "POST",
        f"/api/v1/visits/{visit['id']}/addenda",
        {"reason": "Late entry", "text": "Patient phoned: less pain."},
    )
    assert addendum.status_code == 201, addendum.content
    assert addendum.json()["author"] == ready.bob.display_name
    again = send(bob, "GET", f"/api/v1/visits/{visit['id']}").json()
    assert [a["reason"] for a in again["addenda"]] == ["Late entry"]


def test_reads_are_audited_and_the_list_is_newest_first(ready: World) -> None:
    bob = api(ready, ready.bob)
    older, newer = _visit(ready, bob), _visit(ready, bob)
    listed = send(bob, "GET", f"/api/v1/patients/{ready.patient.pk}/visits")
    assert listed.status_code == 200, listed.content
    assert [v["id"] for v in listed.json()["items"]] == [newer["id"], older["id"]]
    assert listed.json()["items"][0]["practitioner"] == ready.bob.display_name
    assert listed.json()["items"][0]["has_session"] is False
    assert AuditEntry.objects.filter(
        action=AuditAction.READ, object_type="visit_list", patient_id=ready.patient.pk
    ).exists()
    send(bob, "GET", f"/api/v1/visits/{older['id']}")
    assert AuditEntry.objects.filter(
        action=AuditAction.READ, object_type="visit", object_id=str(older["id"])
    ).exists()


def test_two_editors_the_second_gets_409_saying_who_and_when(ready: World) -> None:
    visit = _visit(ready)
    url = f"/api/v1/visits/{visit['id']}"
    assert send(api(ready, ready.bob), "PATCH", url, {"version": 1, "objective": "ROM 60°"})
    conflict = send(api(ready, ready.alice), "PATCH", url, {"version": 1, "objective": "Other"})
    assert conflict.status_code == 409, conflict.content
    body = conflict.json()
    assert "saved this note at" in body["detail"]
    assert ready.bob.display_name in body["detail"]
    assert body["saved_by"] == ready.bob.display_name
    assert body["version"] == 2
    assert Visit.objects.get(pk=visit["id"]).objective == "ROM 60°"


def test_a_blocked_muscle_is_422_with_its_reason_and_nothing_is_saved(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob, {"anticoagulants": ["warfarin"]})
    bob = api(world, world.bob)
    _v, session = _session(world, bob)

    blocked = _insert(bob, session, "iliopsoas:left")
    assert blocked.status_code == 422
    assert "cannot be compressed" in str(blocked.json()["detail"]["clearance"])

    caution = _insert(bob, session, "deltoid:left")
    assert caution.status_code == 422
    assert "clinical justification" in str(caution.json()["detail"]["justification"])

    justified = _insert(
        bob, session, "deltoid:left", justification="INR 2.1 today; superficial, compressed."
    )
    assert justified.status_code == 201, justified.content
    assert justified.json()["clearance_reasons"]
    assert Insertion.objects.filter(session_id=session["id"]).count() == 1
    assert NeedlingSession.objects.get(pk=session["id"]).needles_opened == 1


def test_depth_beyond_the_muscles_maximum_is_422(ready: World) -> None:
    bob = api(ready, ready.bob)
    _v, session = _session(ready, bob)
    too_deep = _insert(bob, session, "rhomboids:right", depth_mm="25")
    assert too_deep.status_code == 422
    assert "no deeper than 13 mm" in str(too_deep.json()["detail"]["depth_mm"])
    assert too_deep.json()["detail"]["depth_mm"]  # the field to fix is named
    wrong_way = _insert(bob, session, "rhomboids:right", depth_mm=9, approach="sideways")
    assert wrong_way.status_code == 422
    ok = _insert(bob, session, "rhomboids:right", depth_mm=9, approach="oblique")
    assert ok.status_code == 201, ok.content
    assert (ok.json()["approach"], ok.json()["level"]) == ("oblique", "")


def test_a_no_go_clearance_refuses_the_session_with_reasons(ready: World) -> None:
    uma = api(ready, ready.uma)  # a physiotherapist without needling credentials
    visit = _visit(ready, uma)
    refused = send(uma, "POST", f"/api/v1/visits/{visit['id']}/session", {"position": "prone"})
    assert refused.status_code == 422, refused.content
    assert refused.json()["detail"]["clearance"]
    assert not NeedlingSession.objects.filter(visit_id=visit["id"]).exists()


def test_a_count_mismatch_blocks_signing_until_an_incident_records_it(ready: World) -> None:
    bob = api(ready, ready.bob)
    visit, session = _session(ready, bob)
    assert _insert(bob, session, "deltoid:left", needle_count=3).status_code == 201
    send(bob, "PUT", f"/api/v1/sessions/{session['id']}/counts", {"opened": 3, "removed": 2})
    refused = send(bob, "POST", f"/api/v1/visits/{visit['id']}/sign")
    assert refused.status_code == 422
    assert "needle unaccounted for" in str(refused.json()["detail"]["needles"])
    assert Visit.objects.get(pk=visit["id"]).status == "draft"

    too_few = send(
        bob, "PUT", f"/api/v1/sessions/{session['id']}/counts", {"opened": 1, "removed": 1}
    )
    assert too_few.status_code == 422
    assert "needles_opened" in too_few.json()["detail"]

    incident = send(
        bob,
        "POST",
        f"/api/v1/sessions/{session['id']}/incident",
        {"description": "One needle not found", "action_taken": "Searched table and floor"},
    )
    assert incident.status_code == 201, incident.content
    assert incident.json()["needles_unaccounted"] == 1
    signed = send(bob, "POST", f"/api/v1/visits/{visit['id']}/sign")
    assert signed.status_code == 200, signed.content
    assert signed.json()["session"]["incident"]["needles_unaccounted"] == 1


def test_an_incident_when_the_count_matches_is_refused(ready: World) -> None:
    bob = api(ready, ready.bob)
    _v, session = _session(ready, bob)
    refused = send(
        bob,
        "POST",
        f"/api/v1/sessions/{session['id']}/incident",
        {"description": "x", "action_taken": "y"},
    )
    assert refused.status_code == 422
    assert "no needle unaccounted for" in str(refused.json()["detail"])


def test_adverse_events_plans_and_entered_in_error(ready: World) -> None:
    bob = api(ready, ready.bob)
    visit = _visit(ready, bob)
    event = send(
        bob,
        "POST",
        f"/api/v1/visits/{visit['id']}/adverse-events",
        {"kind": "bruising", "severity": "mild", "timing": "after", "muscle": "deltoid"},
    )
    assert event.status_code == 201, event.content
    assert event.json()["kind"] == "bruising"
    needs_action = send(
        bob,
        "POST",
        f"/api/v1/visits/{visit['id']}/adverse-events",
        {"kind": "fainting", "severity": "significant", "timing": "during"},
    )
    assert needs_action.status_code == 422
    assert "action_taken" in needs_action.json()["detail"]
    unknown = send(
        bob,
        "POST",
        f"/api/v1/visits/{visit['id']}/adverse-events",
        {"kind": "bruising", "severity": "mild", "timing": "after", "muscle": "elbow_of_doom"},
    )
    assert unknown.status_code == 422
    assert "not a muscle" in str(unknown.json()["detail"]["muscle"])
    assert AdverseEvent.objects.filter(visit_id=visit["id"]).count() == 1

    plan = send(
        bob,
        "PUT",
        f"/api/v1/episodes/{_episode_id(ready)}/plan",
        {
            "goals": "Return to running",
            "components": ["exercise", "dry_needling"],
            "frequency": "1x/week",
            "expected_weeks": 6,
        },
    )
    assert plan.status_code == 200, plan.content
    assert plan.json()["components"] == ["exercise", "dry_needling"]
    bad_plan = send(
        bob,
        "PUT",
        f"/api/v1/episodes/{_episode_id(ready)}/plan",
        {"goals": "x", "components": ["exercise"], "expected_weeks": 0},
    )
    assert bad_plan.status_code == 422
    assert "expected_weeks" in bad_plan.json()["detail"]

    marked = send(
        bob, "POST", f"/api/v1/visits/{visit['id']}/entered-in-error", {"reason": "Wrong patient"}
    )
    assert marked.status_code == 200, marked.content
    assert marked.json()["status"] == "entered_in_error"
    assert marked.json()["error_reason"] == "Wrong patient"
    locked = send(bob, "PATCH", f"/api/v1/visits/{visit['id']}", {"version": 1, "plan": "x"})
    assert locked.status_code == 422
    assert "entered in error" in str(locked.json()["detail"])


def _every_endpoint(world: World) -> list[tuple[str, str, dict[str, Any]]]:
    visit, session = _session(world)
    v, s = visit["id"], session["id"]
    return [
        ("GET", f"/api/v1/patients/{world.patient.pk}/visits", {}),
        (
            "POST",
            f"/api/v1/patients/{world.patient.pk}/visits",
            {"episode_id": _episode_id(world)},
        ),
        ("GET", f"/api/v1/visits/{v}", {}),
        ("PATCH", f"/api/v1/visits/{v}", {"version": 1, "plan": "taken over"}),
        ("POST", f"/api/v1/visits/{v}/sign", {}),
        ("POST", f"/api/v1/visits/{v}/addenda", {"reason": "r", "text": "t"}),
        ("POST", f"/api/v1/visits/{v}/entered-in-error", {"reason": "r"}),
        ("POST", f"/api/v1/visits/{v}/session", {"position": "prone"}),
        (
            "POST",
            f"/api/v1/sessions/{s}/insertions",
            {"muscle": "deltoid", "side": "left", **NEEDLE},
        ),
        ("PUT", f"/api/v1/sessions/{s}/counts", {"opened": 1, "removed": 0}),
        ("POST", f"/api/v1/sessions/{s}/incident", {"description": "d", "action_taken": "a"}),
        (
            "POST",
            f"/api/v1/visits/{v}/adverse-events",
            {"kind": "bruising", "severity": "mild", "timing": "after"},
        ),
        (
            "PUT",
            f"/api/v1/episodes/{_episode_id(world)}/plan",
            {"goals": "g", "components": ["exercise"]},
        ),
    ]


@pytest.mark.parametrize(("persona", "status"), [("fran", 403), ("bill", 403), ("olga", 404)])
def test_front_desk_billing_and_other_clinics_are_refused_everywhere(
    ready: World, persona: str, status: int
) -> None:
    endpoints = _every_endpoint(ready)
    user = getattr(ready, persona)
    client = Client(**bearer(user, ready.other_clinic if persona == "olga" else ready.clinic))
    before = (
        Visit.objects.count(),
        Insertion.objects.count(),
        AdverseEvent.objects.count(),
        Addendum.objects.count(),
        list(Visit.objects.values_list("status", "version", "plan")),
        list(NeedlingSession.objects.values_list("needles_opened", "needles_removed")),
    )
    for method, url, payload in endpoints:
        response = send(client, method, url, payload or None)
        assert response.status_code == status, (persona, method, url, response.content)
        assert "Zanzibarian" not in response.content.decode()
    after = (
        Visit.objects.count(),
        Insertion.objects.count(),
        AdverseEvent.objects.count(),
        Addendum.objects.count(),
        list(Visit.objects.values_list("status", "version", "plan")),
        list(NeedlingSession.objects.values_list("needles_opened", "needles_removed")),
    )
    assert after == before


def test_only_the_charting_clinician_signs(ready: World) -> None:
    visit = _visit(ready)
    refused = send(api(ready, ready.alice), "POST", f"/api/v1/visits/{visit['id']}/sign")
    assert refused.status_code == 422
    assert "Only the clinician" in str(refused.json()["detail"])


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"needle_diameter_mm": "0.9"}, "needle_diameter_mm"),
        ({"needle_length_mm": 41}, "needle_length_mm"),
        ({"depth_mm": "60"}, "depth_mm"),
        ({"depth_mm": "abc"}, "depth_mm"),
        ({"technique": "hammering"}, "technique"),
        ({"technique": "electrical"}, "estim"),
        ({"needle_count": 0}, "needle_count"),
        ({"twitch": "lots"}, "twitch"),
        ({"muscle": "elbow_of_doom"}, "not a muscle"),
        ({"side": "up"}, "side is left or right"),
        ({"trigger_point": "a\u0000b"}, "trigger_point"),
        ({"needle_length_mm": 10**30}, "needle_length_mm"),
    ],
)
def test_bad_insertions_are_422_naming_the_field(
    ready: World, extra: dict[str, Any], field: str
) -> None:
    bob = api(ready, ready.bob)
    _v, session = _session(ready, bob)
    response = _insert(bob, session, "deltoid:left", **extra)
    assert response.status_code == 422, response.content
    assert field in str(response.json()["detail"])
    assert not Insertion.objects.filter(session_id=session["id"]).exists()
    assert NeedlingSession.objects.get(pk=session["id"]).needles_opened == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "episode_id"),
        ({"episode_id": 10**12}, "episode_id"),
        ({"episode_id": "one"}, "episode_id"),
        ({"episode_id": 1, "subjective": "x" * 20_001}, "subjective"),
    ],
)
def test_bad_visits_are_422_naming_the_field(
    ready: World, body: dict[str, Any], field: str
) -> None:
    response = send(
        api(ready, ready.bob), "POST", f"/api/v1/patients/{ready.patient.pk}/visits", body
    )
    assert response.status_code == 422, response.content
    assert field in str(response.json()["detail"])
    assert not Visit.objects.exists()


def test_malformed_json_and_unknown_ids(ready: World) -> None:
    bob = api(ready, ready.bob)
    broken = bob.post(
        f"/api/v1/patients/{ready.patient.pk}/visits", "{not json", content_type="application/json"
    )
    assert broken.status_code in (400, 422)
    assert broken["Content-Type"].startswith("application/json")
    assert send(bob, "GET", "/api/v1/visits/999999").status_code == 404
    assert send(bob, "POST", "/api/v1/visits/999999/sign").status_code == 404
    assert (
        send(bob, "PUT", "/api/v1/sessions/999999/counts", {"opened": 0, "removed": 0}).status_code
        == 404
    )


def test_the_schema_declares_the_conflict_and_the_errors() -> None:
    from filiform.api import api as ninja_api

    paths = ninja_api.get_openapi_schema()["paths"]
    patch = paths["/api/v1/visits/{visit_id}"]["patch"]["responses"]
    assert {200, 401, 403, 404, 409, 422} <= set(patch)
    insert = paths["/api/v1/sessions/{session_id}/insertions"]["post"]["responses"]
    assert {201, 403, 404, 422} <= set(insert)
