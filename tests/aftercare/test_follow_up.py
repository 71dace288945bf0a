"""The front desk's call list: who is on it, when, and how a call takes them off it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.http import Http404

from filiform.aftercare.alerts import alerts_open
from filiform.aftercare.check_ins import check_in_record_by_phone
from filiform.aftercare.follow_up import follow_up_call_record, follow_up_queue
from filiform.aftercare.models import CheckIn, CheckInStatus
from filiform.aftercare.triage import CheckInAnswers, Symptom
from filiform.clinics.access import AccessDenied
from tests.aftercare.needled import cleared, needled_visit
from tests.clinical import access_for
from tests.conftest import World

START = dt.datetime(2026, 4, 6, 14, 0, tzinfo=dt.UTC)


def queue_ids(world: World) -> list[int]:
    return [
        item.check_in.pk for item in follow_up_queue(access=access_for(world.fran, world.clinic))
    ]


def test_no_email_patients_are_called_once_the_check_in_is_due(world: World) -> None:
    cleared(world)  # the factory patient has no e-mail address
    with time_machine.travel(START, tick=False) as clock:
        visit = needled_visit(world)
        check_in = CheckIn.objects.get(visit=visit)
        assert check_in.status == CheckInStatus.CALL
        assert queue_ids(world) == []  # not due yet
        clock.shift(dt.timedelta(hours=24, minutes=1))
        [item] = follow_up_queue(access=access_for(world.fran, world.clinic))
        assert (item.check_in.pk, item.why, item.attempts) == (check_in.pk, "no_email", 0)


def test_unanswered_check_ins_wait_the_clinics_time_then_go_on_the_list(world: World) -> None:
    world.patient.email, world.patient.email_ok = "q@p.test", True
    world.patient.save()
    cleared(world)
    world.clinic.check_in_no_answer_hours = 12
    world.clinic.save()
    with time_machine.travel(START, tick=False) as clock:
        visit = needled_visit(world)
        CheckIn.objects.filter(visit=visit).update(status=CheckInStatus.SENT)
        clock.shift(dt.timedelta(hours=24 + 11))
        assert queue_ids(world) == []
        clock.shift(dt.timedelta(hours=1, minutes=1))
        [item] = follow_up_queue(access=access_for(world.fran, world.clinic))
        assert item.why == "no_answer"


def test_calls_keep_or_take_a_patient_off_the_list(world: World) -> None:
    cleared(world)
    fran = access_for(world.fran, world.clinic)
    with time_machine.travel(START, tick=False) as clock:
        check_in = CheckIn.objects.get(visit=needled_visit(world))
        clock.shift(dt.timedelta(hours=25))
        follow_up_call_record(access=fran, check_in_id=check_in.pk, outcome="no_answer")
        follow_up_call_record(
            access=fran, check_in_id=check_in.pk, outcome="left_message", note="Voicemail"
        )
        [item] = follow_up_queue(access=fran)
        assert item.attempts == 2
        assert item.last_call is not None
        assert item.last_call.outcome == "left_message"
        follow_up_call_record(access=fran, check_in_id=check_in.pk, outcome="reached_well")
        assert queue_ids(world) == []


def test_a_concern_on_the_phone_needs_a_note_and_reaches_the_clinician(world: World) -> None:
    cleared(world)
    fran = access_for(world.fran, world.clinic)
    check_in = CheckIn.objects.get(visit=needled_visit(world))
    with pytest.raises(ValidationError, match="concern"):
        follow_up_call_record(access=fran, check_in_id=check_in.pk, outcome="reached_concern")
    with pytest.raises(ValidationError, match="how the call went"):
        follow_up_call_record(access=fran, check_in_id=check_in.pk, outcome="went fine")
    follow_up_call_record(
        access=fran,
        check_in_id=check_in.pk,
        outcome="reached_concern",
        note="Still very sore at the shoulder, asks to be called back",
    )
    [alert] = alerts_open(access=access_for(world.bob, world.clinic))
    assert (alert.level, alert.reasons) == ("amber", ["call_concern"])


def test_answers_taken_on_the_phone_are_triaged_like_the_patients_own(world: World) -> None:
    cleared(world)
    check_in = CheckIn.objects.get(visit=needled_visit(world, ("upper_trapezius:right",)))
    answered, result = check_in_record_by_phone(
        access=access_for(world.fran, world.clinic),
        check_in_id=check_in.pk,
        answers=CheckInAnswers(
            soreness=2, compared="better", bruising="none", symptoms=[Symptom.CHEST_PAIN]
        ),
    )
    assert (result.level, answered.answered_via) == ("red", "phone")
    assert queue_ids(world) == []
    with pytest.raises(ValidationError, match="already answered"):
        check_in_record_by_phone(
            access=access_for(world.fran, world.clinic),
            check_in_id=check_in.pk,
            answers=CheckInAnswers(soreness=0, compared="better", bruising="none"),
        )


def test_the_call_list_is_for_the_front_desk_of_the_clinic_only(world: World) -> None:
    cleared(world)
    check_in = CheckIn.objects.get(visit=needled_visit(world))
    with pytest.raises(AccessDenied):
        follow_up_queue(access=access_for(world.bill, world.clinic))
    with pytest.raises(AccessDenied):
        follow_up_call_record(
            access=access_for(world.bill, world.clinic),
            check_in_id=check_in.pk,
            outcome="reached_well",
        )
    with pytest.raises(Http404):
        follow_up_call_record(
            access=access_for(world.olga, world.other_clinic),
            check_in_id=check_in.pk,
            outcome="reached_well",
        )
