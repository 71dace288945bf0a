"""Safety reports: needles per practitioner per month, adverse events per 1,000 sessions beside
the published rates, and the page that plots them."""

from __future__ import annotations

import re

from django.utils import timezone

from filiform.charting.needling import adverse_event_add, insertion_add, session_start
from filiform.charting.specs import AdverseEventSpec, InsertionSpec, SessionSpec
from filiform.charting.visits import visit_start
from filiform.supplies.reports import (
    PUBLISHED_PER_1000,
    adverse_event_rates,
    needles_per_practitioner,
)
from tests.clinical import access_for, consent_given, credential, membership, screened
from tests.conftest import World, client_for


def _sessions(world: World, count: int) -> list[int]:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    bob = access_for(world.bob, world.clinic)
    episode = world.patient.episodes.get()
    visits = []
    for n in range(count):
        visit = visit_start(access=bob, patient_id=world.patient.pk, episode_id=episode.pk)
        session = session_start(
            access=bob, visit_id=visit.pk, session=SessionSpec.parse({"position": "prone"})
        )
        insertion_add(
            access=bob,
            session_id=session.pk,
            insertion=InsertionSpec.parse(
                {
                    "muscle": "deltoid",
                    "side": "left",
                    "needle_diameter_mm": "0.25",
                    "needle_length_mm": 40,
                    "needle_count": n + 1,
                    "depth_mm": "10",
                    "technique": "static",
                }
            ),
        )
        visits.append(visit.pk)
    return visits


def test_rates_per_1000_sessions_with_the_published_ones(world: World) -> None:
    visits = _sessions(world, 4)
    bob = access_for(world.bob, world.clinic)
    adverse_event_add(
        access=bob,
        visit_id=visits[0],
        event=AdverseEventSpec.parse({"kind": "bruising", "severity": "mild", "timing": "after"}),
    )
    adverse_event_add(
        access=bob,
        visit_id=visits[1],
        event=AdverseEventSpec.parse({"kind": "bruising", "severity": "mild", "timing": "after"}),
    )
    adverse_event_add(
        access=bob,
        visit_id=visits[2],
        event=AdverseEventSpec.parse(
            {
                "kind": "fainting",
                "severity": "significant",
                "timing": "during",
                "action_taken": "Lay down",
            }
        ),
    )
    since = timezone.localdate().replace(day=1)
    sessions, rates = adverse_event_rates(access=access_for(world.alice, world.clinic), since=since)
    assert sessions == 4
    by_kind = {r.kind: r for r in rates}
    assert by_kind["bruising"].per_1000 == 500.0
    assert by_kind["bruising"].published == {"Brady 2014": 75.5, "Boyce 2020": 77.0}
    assert by_kind["fainting"].significant == 1
    assert by_kind["fainting"].per_1000 == 250.0
    assert "headache" in by_kind  # published even when the clinic has none
    assert by_kind["headache"].per_1000 == 0.0
    uses = needles_per_practitioner(access=access_for(world.alice, world.clinic), since=since)
    assert [(u.practitioner.split()[0], u.needles) for u in uses] == [("Bob", 1 + 2 + 3 + 4)]


def test_report_page_plots_for_owners_only(world: World) -> None:
    _sessions(world, 2)
    page = client_for(world.alice).get(f"/c/{world.clinic.slug}/reports/safety/").content.decode()
    assert page.count("<svg") >= 2
    assert "Brady 2014" in page
    assert re.search(r"3 needles", page)
    assert client_for(world.bob).get(f"/c/{world.clinic.slug}/reports/safety/").status_code == 403
    assert set(PUBLISHED_PER_1000["Brady 2014"]) >= {"bruising", "bleeding"}


def test_a_study_that_did_not_report_an_event_is_not_drawn_as_zero() -> None:
    from filiform.supplies.reports import EventRate, rates_plot

    svg = str(rates_plot([EventRate("headache", "Headache", 0, 0, 0, 0.0, {"Brady 2014": 1.4})]))
    assert "not reported" in svg  # Boyce 2020 gives no headache rate
    assert "1.4 per 1,000" in svg
