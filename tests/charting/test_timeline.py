"""The patient timeline on the patient page: clinicians see the record, front desk the dates."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from filiform.accounts.models import User
from filiform.audit.models import AuditEntry
from filiform.charting.models import Visit
from filiform.charting.needling import (
    adverse_event_add,
    insertion_add,
    needle_incident_raise,
    needles_count,
    session_start,
)
from filiform.charting.specs import AdverseEventSpec, InsertionSpec, SessionSpec
from filiform.charting.timeline import patient_timeline, patient_visit_dates
from filiform.charting.visits import (
    addendum_add,
    visit_enter_in_error,
    visit_sign,
    visit_start,
)
from filiform.clinics.access import AccessDenied
from tests.aftercare.needled import approach_for
from tests.clinical import access_for, consent_given, credential, membership, screened
from tests.conftest import World, client_for

NEEDLE: dict[str, Any] = {
    "needle_diameter_mm": "0.25",
    "needle_length_mm": 40,
    "depth_mm": "15",
    "technique": "pistoning",
    "twitch": "few",
    "tolerance": "good",
}


@pytest.fixture
def ready(world: World) -> World:
    credential(membership(world.bob, world.clinic))
    credential(membership(world.alice, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    return world


def chart_visit(
    world: World,
    *,
    user: User | None = None,
    muscles: tuple[str, ...] = ("upper_trapezius:right", "infraspinatus:right"),
    assessment: str = "Myofascial pain, right upper trapezius",
    position: str = "prone",
    event: dict[str, str] | None = None,
    missing_needle: bool = False,
    sign: bool = True,
    addendum: str = "",
    session: bool = True,
) -> Visit:
    """A visit charted through the services, the way the pages and the API do it."""
    access = access_for(user or world.bob, world.clinic)
    episode = world.patient.episodes.first()
    assert episode is not None
    visit = visit_start(
        access=access,
        patient_id=world.patient.pk,
        episode_id=episode.pk,
        subjective="Neck pain 6/10 after long days at the desk",
        objective="Taut band right upper trapezius, reproduces the headache",
        assessment=assessment,
        plan="Needling, then stretches at home; review in a week",
    )
    if session:
        started = session_start(
            access=access, visit_id=visit.pk, session=SessionSpec.parse({"position": position})
        )
        for muscle in muscles:
            name, _sep, side = muscle.partition(":")
            insertion_add(
                access=access,
                session_id=started.pk,
                insertion=InsertionSpec.parse(
                    {"muscle": name, "side": side, "approach": approach_for(name), **NEEDLE}
                ),
            )
        started.refresh_from_db()
        opened = started.needles_opened
        needles_count(
            access=access,
            session_id=started.pk,
            opened=opened,
            removed=opened - 1 if missing_needle else opened,
        )
        if missing_needle:
            needle_incident_raise(
                access=access,
                session_id=started.pk,
                description="One needle not found at the count",
                action_taken="Room and linen searched; patient checked",
            )
    if event:
        adverse_event_add(access=access, visit_id=visit.pk, event=AdverseEventSpec.parse(event))
    if sign:
        visit_sign(access=access, visit_id=visit.pk)
    if addendum:
        addendum_add(access=access, visit_id=visit.pk, reason="Late entry", text=addendum)
    return Visit.objects.get(pk=visit.pk)


def _page(world: World, user: User) -> str:
    url = reverse("patients:detail", args=[world.clinic.slug, world.patient.pk])
    response = client_for(user).get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_clinician_sees_each_visit_with_its_session_events_chart_and_addenda(
    ready: World,
) -> None:
    first = chart_visit(
        ready,
        assessment="Improving: headaches twice a week\nSecond line not shown",
        event={"kind": "bruising", "severity": "mild", "timing": "after"},
        addendum="Patient phoned: the bruise faded in two days.",
    )
    second = chart_visit(
        ready, muscles=("deltoid:left",), assessment="Shoulder: painful arc", sign=False
    )
    html = _page(ready, ready.bob)
    assert html.index(reverse("charting:visit", args=[ready.clinic.slug, second.pk])) < html.index(
        reverse("charting:visit", args=[ready.clinic.slug, first.pk])
    ), "newest first"
    assert "Improving: headaches twice a week" in html
    assert "Second line not shown" not in html
    assert "Upper trapezius (right)" in html
    assert "Infraspinatus (right)" in html
    assert "Deltoid (left)" in html
    assert "Bruising" in html
    assert "Mild" in html
    assert "Patient phoned: the bruise faded in two days." in html
    assert ">Signed<" in html
    assert ">Draft<" in html
    assert reverse("charting:visit_new", args=[ready.clinic.slug, ready.patient.pk]) in html
    assert reverse("charting_records:visit_note_pdf", args=[ready.clinic.slug, first.pk]) in html
    # The chart is drawn once for the page; each visit adds its own marks.
    assert html.count('id="timeline-chart-back"') == 1
    assert html.count('<use href="#timeline-chart-back"/>') == 2
    assert html.count('class="mark"') == 3
    assert html.count('class="body-chart"') == 1


def test_incidents_and_entered_in_error_show_on_the_timeline(ready: World) -> None:
    chart_visit(ready, missing_needle=True)
    wrong = chart_visit(ready, sign=False, session=False, assessment="Wrong patient")
    visit_enter_in_error(
        access=access_for(ready.bob, ready.clinic),
        visit_id=wrong.pk,
        reason="Charted on the wrong patient",
    )
    html = _page(ready, ready.bob)
    assert "1 needle unaccounted for" in html
    assert "Entered in error" in html
    assert "Charted on the wrong patient" in html


def test_front_desk_sees_dates_and_status_only(ready: World) -> None:
    visit = chart_visit(ready, event={"kind": "bruising", "severity": "mild", "timing": "after"})
    html = _page(ready, ready.fran)
    assert (
        visit.started_at.astimezone(ZoneInfo(ready.clinic.time_zone)).strftime("%Y-%m-%d") in html
    )
    assert "Signed" in html
    for clinical in ("Myofascial pain", "Upper trapezius", "Bruising", "mini-chart"):
        assert clinical not in html
    assert reverse("charting:visit_new", args=[ready.clinic.slug, ready.patient.pk]) not in html
    assert reverse("charting:visit", args=[ready.clinic.slug, visit.pk]) not in html
    with pytest.raises(AccessDenied):
        patient_timeline(access=access_for(ready.fran, ready.clinic), patient_id=ready.patient.pk)
    dates = patient_visit_dates(
        access=access_for(ready.bill, ready.clinic), patient_id=ready.patient.pk
    )
    assert [(d.pk, d.status) for d in dates] == [(visit.pk, "signed")]


def test_the_timeline_read_is_audited_and_other_clinics_see_nothing(ready: World) -> None:
    from django.http import Http404

    chart_visit(ready)
    patient_timeline(access=access_for(ready.bob, ready.clinic), patient_id=ready.patient.pk)
    entry = AuditEntry.objects.filter(object_type="patient_timeline").latest("seq")
    assert entry.patient_id == ready.patient.pk
    assert entry.actor_id == ready.bob.pk
    assert entry.detail == {"visits": 1}
    with pytest.raises(Http404):
        patient_timeline(
            access=access_for(ready.olga, ready.other_clinic), patient_id=ready.patient.pk
        )


def test_the_query_count_does_not_grow_with_the_number_of_visits(ready: World) -> None:
    access = access_for(ready.bob, ready.clinic)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            timeline = patient_timeline(access=access, patient_id=ready.patient.pk)
            for entry in timeline.entries:  # what the template touches
                _ = [
                    entry.visit.practitioner.user.display_name,
                    entry.visit.episode.condition,
                    entry.visit.signed_by,
                    entry.incident,
                    list(entry.visit.adverse_events.all()),
                    [a.author.display_name for a in entry.visit.addenda.all()],
                ]
        return len(captured)

    event = {"kind": "bleeding", "severity": "mild", "timing": "during"}
    chart_visit(ready, event=event, addendum="Late note")
    few = queries()
    for _n in range(5):
        chart_visit(ready, event=event, addendum="Late note", missing_needle=True)
    chart_visit(ready, sign=False, session=False)
    assert queries() == few
    assert few <= 14, f"{few} queries for the timeline"  # 5 of them write the audit entry


def test_the_patient_page_stays_within_its_query_budget(ready: World) -> None:
    event = {"kind": "bruising", "severity": "mild", "timing": "after"}
    chart_visit(ready, event=event, addendum="More", missing_needle=True)
    client = client_for(ready.bob)
    url = reverse("patients:detail", args=[ready.clinic.slug, ready.patient.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _n in range(6):
        chart_visit(ready, event=event, addendum="More", missing_needle=True)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
