"""The dashboard: notes left unsigned past the clinic's limit, and the owners' safety events."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from filiform.audit.models import AuditEntry
from filiform.charting.models import Visit
from filiform.charting.timeline import unsigned_notes
from filiform.charting.visits import visit_enter_in_error
from tests.charting.test_timeline import chart_visit, ready
from tests.clinical import access_for, consent_given, credential, membership, screened
from tests.conftest import World, client_for

__all__ = ["ready"]

START = dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC)


def _dashboard(world: World, user) -> str:
    response = client_for(user).get(reverse("clinics:dashboard", args=[world.clinic.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _link(world: World, visit: Visit) -> str:
    return reverse("charting:visit", args=[world.clinic.slug, visit.pk])


def _cleared(world: World) -> World:
    credential(membership(world.bob, world.clinic))
    credential(membership(world.alice, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    return world


@pytest.fixture
def drafts(world: World) -> tuple[World, Visit, Visit]:
    """Bob's and Alice's unsigned notes, charted at START."""
    with time_machine.travel(START, tick=False):
        _cleared(world)
        bobs = chart_visit(world, sign=False)
        alices = chart_visit(world, user=world.alice, sign=False, muscles=("deltoid:left",))
    return world, bobs, alices


def test_an_unsigned_note_appears_once_the_clinic_limit_has_passed(drafts) -> None:
    world, bobs, _alices = drafts
    with time_machine.travel(START + dt.timedelta(hours=23, minutes=59), tick=False):
        html = _dashboard(world, world.bob)
        assert "Unsigned notes" not in html
    with time_machine.travel(START + dt.timedelta(hours=24, minutes=1), tick=False):
        html = _dashboard(world, world.bob)
        assert "Unsigned notes" in html
        assert _link(world, bobs) in html
        assert world.patient.display_name in html


def test_the_limit_is_the_clinics_own(drafts) -> None:
    world, bobs, _alices = drafts
    world.clinic.unsigned_note_hours = 48
    world.clinic.save()
    with time_machine.travel(START + dt.timedelta(hours=30), tick=False):
        assert _link(world, bobs) not in _dashboard(world, world.bob)
    with time_machine.travel(START + dt.timedelta(hours=49), tick=False):
        assert _link(world, bobs) in _dashboard(world, world.bob)


def test_a_clinician_sees_their_own_notes_and_an_owner_sees_everyones(drafts) -> None:
    world, bobs, alices = drafts
    with time_machine.travel(START + dt.timedelta(days=2), tick=False):
        bob_sees = _dashboard(world, world.bob)
        assert _link(world, bobs) in bob_sees
        assert _link(world, alices) not in bob_sees
        owner_sees = _dashboard(world, world.alice)
        assert _link(world, bobs) in owner_sees
        assert _link(world, alices) in owner_sees
        assert world.bob.display_name in owner_sees  # whose note it is
        for user in (world.fran, world.bill, world.uma):
            assert "Unsigned notes" not in _dashboard(world, user)
        entry = AuditEntry.objects.filter(object_type="unsigned_notes").latest("seq")
        assert entry.actor_id == world.alice.pk
        assert sorted(entry.detail["visits"]) == sorted([bobs.pk, alices.pk])


def test_signed_and_entered_in_error_notes_are_not_listed(world: World) -> None:
    with time_machine.travel(START, tick=False):
        _cleared(world)
        chart_visit(world)  # signed
        wrong = chart_visit(world, sign=False, session=False)
        visit_enter_in_error(
            access=access_for(world.bob, world.clinic), visit_id=wrong.pk, reason="Duplicate"
        )
    with time_machine.travel(START + dt.timedelta(days=3), tick=False):
        assert unsigned_notes(access=access_for(world.bob, world.clinic)) == []
        assert unsigned_notes(access=access_for(world.alice, world.clinic)) == []


def test_owners_see_the_latest_significant_events_and_needle_incidents(ready: World) -> None:
    mild = chart_visit(ready, event={"kind": "bruising", "severity": "mild", "timing": "after"})
    significant = chart_visit(
        ready,
        event={
            "kind": "worse_symptoms",
            "severity": "significant",
            "timing": "after",
            "action_taken": "Advised rest; GP review arranged",
        },
    )
    incident = chart_visit(ready, missing_needle=True)
    owner_sees = _dashboard(ready, ready.alice)
    assert "Safety events to follow up" in owner_sees
    assert _link(ready, significant) in owner_sees
    assert "Worse symptoms" in owner_sees
    assert "Advised rest; GP review arranged" in owner_sees
    assert _link(ready, incident) in owner_sees
    assert "Room and linen searched" in owner_sees
    assert _link(ready, mild) not in owner_sees
    for user in (ready.bob, ready.fran):
        assert "Safety events to follow up" not in _dashboard(ready, user)
    assert AuditEntry.objects.filter(object_type="safety_events", actor_id=ready.alice.pk).exists()


def test_a_quiet_clinic_shows_neither_panel(world: World) -> None:
    html = _dashboard(world, world.alice)
    assert "Unsigned notes" not in html
    assert "Safety events" not in html
    assert not AuditEntry.objects.filter(
        object_type__in=["unsigned_notes", "safety_events"]
    ).exists()
