"""The needling specs (charting/specs.py) at their limits' edges: the page's form, the API and
the service accept and refuse the same values, because all three validate into one spec."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from filiform.charting.models import AdverseEvent, Insertion, NeedlingSession, Visit
from filiform.charting.needling import (
    adverse_event_add,
    insertion_add,
    needles_count,
    session_start,
)
from filiform.charting.specs import (
    NEEDLES_PER_SITE,
    AdverseEventSpec,
    InsertionSpec,
    SessionSpec,
)
from filiform.charting.visits import visit_start
from filiform.fhir_types import UCUM, Quantity
from tests.clinical import access_for, consent_given, credential, membership, screened
from tests.conftest import World, bearer, client_for

# A deltoid insertion every clearance lets through (what the other charting tests chart).
INSERTION: dict[str, Any] = {
    "muscle": "deltoid",
    "side": "left",
    "needle_diameter_mm": "0.25",
    "needle_length_mm": 40,
    "needle_count": 1,
    "depth_mm": "15",
    "technique": "pistoning",
    "retention_seconds": 0,
    "twitch": "few",
    "tolerance": "good",
    "retest": "not_tested",
}
EVENT: dict[str, Any] = {"kind": "bruising", "severity": "mild", "timing": "after"}

INSERTION_EDGES = [
    ("needle_count", 0, False),
    ("needle_count", NEEDLES_PER_SITE[0], True),
    ("needle_count", NEEDLES_PER_SITE[1], True),
    ("needle_count", 51, False),
    ("needle_count", "many", False),
    ("needle_length_mm", 41, False),
    ("needle_diameter_mm", "0.21", False),
    ("depth_mm", "0.5", True),
    ("depth_mm", "0.4", False),
    ("depth_mm", "40", True),  # the needle's whole length
    ("depth_mm", "40.1", False),
    ("retention_seconds", 3600, True),
    ("retention_seconds", 3601, False),
    ("twitch_count", 500, True),
    ("twitch_count", 501, False),
    ("muscle", "", False),
    ("trigger_point", "x" * 30, True),
    ("trigger_point", "x" * 31, False),
    ("retest_note", "y" * 201, False),
]


@pytest.fixture
def ready(world: World) -> World:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    return world


def _session(world: World) -> tuple[Visit, NeedlingSession]:
    episode = world.patient.episodes.first()
    assert episode is not None
    bob = access_for(world.bob, world.clinic)
    visit = visit_start(
        access=bob,
        patient_id=world.patient.pk,
        episode_id=episode.pk,
        subjective="Shoulder pain 4/10",
        assessment="Active trigger points reproduce the pain",
    )
    return visit, session_start(
        access=bob, visit_id=visit.pk, session=SessionSpec.parse({"position": "prone"})
    )


def _api(world: World) -> Client:
    return Client(**bearer(world.bob, world.clinic))


def _post_json(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _page_url(name: str, world: World, visit: Visit) -> str:
    return reverse(
        f"charting:{name}", kwargs={"clinic_slug": world.clinic.slug, "visit_id": visit.pk}
    )


def _charted(session: NeedlingSession) -> int:
    return Insertion.objects.filter(session=session).count()


def _by_service(world: World, session: NeedlingSession, data: dict[str, Any]) -> bool:
    try:
        spec = InsertionSpec.parse(data)
    except ValidationError:
        return False
    insertion_add(access=access_for(world.bob, world.clinic), session_id=session.pk, insertion=spec)
    return True


def _by_api(world: World, session: NeedlingSession, data: dict[str, Any]) -> bool:
    response = _post_json(_api(world), f"/api/v1/sessions/{session.pk}/insertions", data)
    assert response.status_code in (201, 422), response.content
    return response.status_code == 201


def _by_page(world: World, visit: Visit, data: dict[str, Any]) -> bool:
    form = {name: str(value) for name, value in data.items()}
    response = client_for(world.bob).post(
        _page_url("insertion_add", world, visit), form, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200, response.status_code
    return "Added: " in response.content.decode()


@pytest.mark.parametrize(("field", "value", "accepted"), INSERTION_EDGES)
def test_form_api_and_service_take_and_refuse_the_same_insertions(
    ready: World, field: str, value: Any, accepted: bool
) -> None:
    visit, session = _session(ready)
    data = {**INSERTION, field: value}
    for side, charts in (
        ("service", lambda: _by_service(ready, session, data)),
        ("API", lambda: _by_api(ready, session, data)),
        ("page", lambda: _by_page(ready, visit, data)),
    ):
        before = _charted(session)
        assert charts() is accepted, f"the {side} {'refused' if accepted else 'took'} {value!r}"
        assert _charted(session) == before + accepted, side


def test_the_refusal_names_the_field_in_the_clinicians_words(ready: World) -> None:
    for value in (0, 51, "many"):
        with pytest.raises(ValidationError) as refused:
            InsertionSpec.parse({**INSERTION, "needle_count": value})
        assert refused.value.message_dict == {"needle_count": ["Needles at this site: 1 to 50."]}
    visit, _s = _session(ready)
    page = client_for(ready.bob).post(
        _page_url("insertion_add", ready, visit),
        {**{k: str(v) for k, v in INSERTION.items()}, "needle_count": "51"},
        HTTP_HX_REQUEST="true",
    )
    assert "Needles at this site: 1 to 50." in page.content.decode()


def test_the_api_schema_states_the_spec_limits() -> None:
    from filiform.api import api

    schema = api.get_openapi_schema()["components"]["schemas"]["InsertionIn"]["properties"]
    assert (schema["needle_count"]["minimum"], schema["needle_count"]["maximum"]) == (1, 50)
    assert (schema["retention_seconds"]["minimum"], schema["retention_seconds"]["maximum"]) == (
        0,
        3600,
    )


def test_an_insertion_gives_its_needle_and_depth_as_fhir_quantities() -> None:
    spec = InsertionSpec.parse(INSERTION)
    assert spec.needle_length() == Quantity(value=Decimal(40), unit="mm", system=UCUM, code="mm")
    assert spec.needle_diameter().value == spec.needle_diameter_mm
    assert str(spec.depth().value) == "15.0"


def test_electrical_settings_belong_to_electrical_stimulation() -> None:
    settings = {"estim_frequency_hz": "2", "estim_intensity_ma": "5", "estim_minutes": 10}
    spec = InsertionSpec.parse({**INSERTION, "technique": "electrical", **settings})
    assert spec.estim_minutes == 10
    with pytest.raises(ValidationError) as missing:
        InsertionSpec.parse({**INSERTION, "technique": "electrical"})
    assert set(missing.value.message_dict) == {
        "estim_frequency_hz",
        "estim_intensity_ma",
        "estim_minutes",
    }
    with pytest.raises(ValidationError) as stray:
        InsertionSpec.parse({**INSERTION, "estim_minutes": 10})
    assert list(stray.value.message_dict) == ["technique"]
    for field, value in (("estim_frequency_hz", "251"), ("estim_minutes", 61)):
        with pytest.raises(ValidationError, match=field):
            InsertionSpec.parse({**INSERTION, "technique": "electrical", **settings, field: value})


def test_a_session_spec_bounds_position_and_mode() -> None:
    assert SessionSpec.parse({"position": "prone"}).mode == "dry_needling"
    for bad in ({"position": "upside_down"}, {"position": "prone", "mode": "acupuncture"}, {}):
        with pytest.raises(ValidationError):
            SessionSpec.parse(bad)


EVENT_EDGES = [
    ("detail", "d" * 500, True),
    ("detail", "d" * 501, False),
    ("reported_to", "r" * 201, False),
    ("side", "right", True),
    ("side", "up", False),
    ("kind", "meteorite", False),
    ("severity", "", False),
]


def _event_by_service(world: World, visit: Visit, data: dict[str, Any]) -> bool:
    try:
        spec = AdverseEventSpec.parse(data)
    except ValidationError:
        return False
    adverse_event_add(access=access_for(world.bob, world.clinic), visit_id=visit.pk, event=spec)
    return True


def _event_by_api(world: World, visit: Visit, data: dict[str, Any]) -> bool:
    response = _post_json(_api(world), f"/api/v1/visits/{visit.pk}/adverse-events", data)
    assert response.status_code in (201, 422), response.content
    return response.status_code == 201


def _event_by_page(world: World, visit: Visit, data: dict[str, Any]) -> bool:
    form = {f"ae-{name}": value for name, value in data.items()}
    response = client_for(world.bob).post(
        _page_url("adverse_event", world, visit), form, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200, response.status_code
    return "Adverse event recorded." in response.content.decode()


@pytest.mark.parametrize(("field", "value", "accepted"), EVENT_EDGES)
def test_form_api_and_service_take_and_refuse_the_same_adverse_events(
    ready: World, field: str, value: Any, accepted: bool
) -> None:
    visit, _s = _session(ready)
    data = {**EVENT, field: value}
    for side, records in (
        ("service", lambda: _event_by_service(ready, visit, data)),
        ("API", lambda: _event_by_api(ready, visit, data)),
        ("page", lambda: _event_by_page(ready, visit, data)),
    ):
        before = AdverseEvent.objects.filter(visit=visit).count()
        assert records() is accepted, f"the {side} {'refused' if accepted else 'took'} {value!r}"
        assert AdverseEvent.objects.filter(visit=visit).count() == before + accepted, side


COUNT_EDGES = [(0, True), (200, True), (201, False), (-1, False), ("many", False)]


def _count_by_service(world: World, session: NeedlingSession, n: Any) -> bool:
    try:
        needles_count(
            access=access_for(world.bob, world.clinic), session_id=session.pk, opened=n, removed=n
        )
    except ValidationError:
        return False
    return True


def _count_by_api(world: World, session: NeedlingSession, n: Any) -> bool:
    response = _api(world).put(
        f"/api/v1/sessions/{session.pk}/counts",
        json.dumps({"opened": n, "removed": n}),
        content_type="application/json",
    )
    assert response.status_code in (200, 422), response.content
    return response.status_code == 200


def _count_by_page(world: World, visit: Visit, n: Any) -> bool:
    response = client_for(world.bob).post(
        _page_url("needles", world, visit),
        {"opened": str(n), "removed": str(n)},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200, response.status_code
    return "Needle count recorded." in response.content.decode()


@pytest.mark.parametrize(("count", "accepted"), COUNT_EDGES)
def test_form_api_and_service_take_and_refuse_the_same_needle_counts(
    ready: World, count: Any, accepted: bool
) -> None:
    visit, session = _session(ready)
    for n, (side, counts) in enumerate(
        (
            ("service", lambda: _count_by_service(ready, session, count)),
            ("API", lambda: _count_by_api(ready, session, count)),
            ("page", lambda: _count_by_page(ready, visit, count)),
        )
    ):
        session.needles_opened = session.needles_removed = 7 + n  # a count that was there
        session.save(update_fields=["needles_opened", "needles_removed"])
        assert counts() is accepted, f"the {side} {'refused' if accepted else 'took'} {count!r}"
        session.refresh_from_db()
        expected = count if accepted else 7 + n
        assert (session.needles_opened, session.needles_removed) == (expected, expected), side
