"""Sharps containers from opening to pickup, and needle-stick reports with their checklist."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from filiform.clinics.models import Location
from filiform.supplies.needlestick import (
    needlestick_checklist,
    needlestick_due,
    needlestick_list,
    needlestick_report,
)
from filiform.supplies.sharps import (
    ContainerState,
    container_alerts,
    container_fill,
    container_open,
    container_pickup,
    container_seal,
    container_state,
)
from tests.clinical import access_for, membership
from tests.conftest import World


def test_a_sharps_container_from_opening_to_pickup(world: World) -> None:
    location = Location.objects.create(clinic=world.clinic, name="Main", province="ON")
    fran = access_for(world.fran, world.clinic)
    container = container_open(access=fran, location_id=location.pk, room="Room 2", label="SC-17")
    assert container_state(container) == ContainerState.IN_USE
    container_fill(access=fran, container_id=container.pk, percent=50)
    with pytest.raises(ValidationError, match="does not empty itself"):
        container_fill(access=fran, container_id=container.pk, percent=20)
    with pytest.raises(ValidationError, match="Seal the container"):
        container_pickup(
            access=fran, container_id=container.pk, hauler="Haul Co", manifest_number="M-1"
        )
    container_fill(access=fran, container_id=container.pk, percent=80)
    alerts = container_alerts(access=access_for(world.alice, world.clinic), max_age_days=90)
    assert [a.container.pk for a in alerts] == [container.pk]
    assert "80 % full" in alerts[0].reason
    container_seal(access=fran, container_id=container.pk)
    with pytest.raises(ValidationError, match="sealed"):
        container_fill(access=fran, container_id=container.pk, percent=90)
    with pytest.raises(ValidationError, match="hauler"):
        container_pickup(access=fran, container_id=container.pk, hauler="", manifest_number="")
    picked = container_pickup(
        access=fran,
        container_id=container.pk,
        hauler="Synthetic Haulers",
        manifest_number="MAN-0042",
    )
    assert container_state(picked) == ContainerState.PICKED_UP
    assert container_alerts(access=access_for(world.alice, world.clinic), max_age_days=90) == []


def test_an_old_container_is_flagged(world: World) -> None:
    location = Location.objects.create(clinic=world.clinic, name="Main", province="ON")
    container = container_open(
        access=access_for(world.fran, world.clinic), location_id=location.pk, room="1", label="A"
    )
    later = timezone.localdate() + dt.timedelta(days=100)
    reasons = [
        a.reason
        for a in container_alerts(
            access=access_for(world.alice, world.clinic), max_age_days=90, today=later
        )
    ]
    assert reasons == ["Open for 100 days (limit 90): seal it."]
    assert container.pk


def test_needle_stick_report_checklist_and_who_sees_it(world: World) -> None:
    bob = access_for(world.bob, world.clinic)
    when = timezone.now() - dt.timedelta(hours=1)
    with pytest.raises(ValidationError, match="source patient"):
        needlestick_report(
            access=bob, occurred_at=when, needle_used=True, description="Stick on recapping"
        )
    injury = needlestick_report(
        access=bob,
        occurred_at=when,
        needle_used=True,
        description="Stick while removing a needle from the trapezius",
        source_patient_id=world.patient.pk,
    )
    assert len(injury.follow_up_dates) == 3
    with pytest.raises(ValidationError, match="only with their consent"):
        needlestick_checklist(access=bob, injury_id=injury.pk, source_tested=True)
    needlestick_checklist(
        access=bob, injury_id=injury.pk, washed=True, source_consent="given", source_tested=True
    )
    with pytest.raises(ValidationError, match="medical assessment"):
        needlestick_checklist(
            access=access_for(world.alice, world.clinic), injury_id=injury.pk, close=True
        )
    needlestick_checklist(access=bob, injury_id=injury.pk, medical_assessment_at=timezone.now())
    with pytest.raises(PermissionDenied):
        needlestick_checklist(access=bob, injury_id=injury.pk, close=True)
    closed = needlestick_checklist(
        access=access_for(world.alice, world.clinic), injury_id=injury.pk, close=True
    )
    assert closed.closed_at is not None
    # Seen by the injured person and the owner only.
    assert list(needlestick_list(access=bob)) == [injury]
    assert list(needlestick_list(access=access_for(world.alice, world.clinic))) == [injury]
    assert list(needlestick_list(access=access_for(world.uma, world.clinic))) == []
    with pytest.raises(Http404):
        needlestick_checklist(
            access=access_for(world.uma, world.clinic), injury_id=injury.pk, washed=True
        )


def test_owner_reports_for_staff_and_follow_ups_come_due(world: World) -> None:
    alice = access_for(world.alice, world.clinic)
    injury = needlestick_report(
        access=alice,
        occurred_at=timezone.now(),
        needle_used=False,
        description="Clean needle from a new pack",
        injured_membership_id=membership(world.uma, world.clinic).pk,
    )
    assert injury.injured == world.uma
    assert injury.follow_up_dates == []
    used = needlestick_report(
        access=alice,
        occurred_at=timezone.now(),
        needle_used=True,
        description="Used needle",
        source_patient_id=world.patient.pk,
    )
    six_weeks = dt.date.fromisoformat(used.follow_up_dates[0])
    assert [
        i.pk
        for i, _day in needlestick_due(
            access=access_for(world.alice, world.clinic), today=six_weeks - dt.timedelta(days=3)
        )
    ] == [used.pk]
    with pytest.raises(ValidationError, match="future"):
        needlestick_report(
            access=alice,
            occurred_at=timezone.now() + dt.timedelta(days=1),
            needle_used=False,
            description="x",
        )
    with pytest.raises(PermissionDenied):
        needlestick_report(
            access=access_for(world.bob, world.clinic),
            occurred_at=timezone.now(),
            needle_used=False,
            description="for someone else",
            injured_membership_id=membership(world.uma, world.clinic).pk,
        )


@pytest.mark.django_db(transaction=True)
def test_follow_up_reminders_go_out_a_week_before_and_on_the_day_once_each(
    world: World, smtp_server
) -> None:
    import time_machine
    from django.core.management import call_command

    from filiform.operations.schedule import schedule_due_jobs

    injury = needlestick_report(
        access=access_for(world.bob, world.clinic),
        occurred_at=timezone.now() - dt.timedelta(hours=2),
        needle_used=True,
        description="Used needle",
        source_patient_id=world.patient.pk,
    )
    first = dt.date.fromisoformat(injury.follow_up_dates[0])
    for day, expected in [
        (first - dt.timedelta(days=8), 0),
        (first - dt.timedelta(days=7), 1),
        (first, 2),
    ]:
        with time_machine.travel(f"{day.isoformat()} 15:00:00+00:00", tick=False):
            schedule_due_jobs()
            call_command("worker", "--batch", "--verbosity", "0")
            schedule_due_jobs()  # the same day again sends nothing more
            call_command("worker", "--batch", "--verbosity", "0")
        assert len(smtp_server.messages) == expected, day
    assert "bob@clinic.test" in smtp_server.messages[0]["To"]
    assert "alice@clinic.test" in smtp_server.messages[0]["To"]
