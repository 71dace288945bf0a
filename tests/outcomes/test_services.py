"""Recording measurements and reading a patient's progress, through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from filiform.audit.models import AuditEntry
from filiform.clinics.access import AccessDenied
from filiform.outcomes.models import Measurement
from filiform.outcomes.selectors import patient_progress
from filiform.outcomes.services import measurement_enter_in_error, measurement_record
from tests.aftercare.needled import cleared, needled_visit
from tests.clinical import access_for
from tests.conftest import World

NDI_FULL = [2, 1, 3, 0, 2, 1, 2, 3, 1, 2]  # sum 17 of 50: 34 %


def days_ago(n: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)


@pytest.fixture
def ready(world: World) -> World:
    cleared(world)
    return world


def record(world: World, instrument: str, answers: object, *, ago: int = 0) -> Measurement:
    return measurement_record(
        access=access_for(world.bob, world.clinic),
        patient_id=world.patient.pk,
        instrument=instrument,
        answers=answers,
        taken_at=days_ago(ago),
    )


def test_a_measurement_keeps_its_answers_and_score_and_is_audited(ready: World) -> None:
    m = record(ready, "ndi", {"items": NDI_FULL})
    assert m.value == Decimal("34.0")
    assert m.scorable
    assert m.band
    assert m.answers == {"items": NDI_FULL}
    assert m.recorded_by == ready.bob
    assert m.episode == ready.patient.episodes.get()
    assert AuditEntry.objects.filter(object_type="measurement", object_id=str(m.pk)).exists()


def test_too_few_items_is_stored_as_not_scorable_with_why(ready: World) -> None:
    m = record(ready, "ndi", {"items": [1, None, None, None, 2, 3, None, 1, 0, 2]})
    assert m.value is None
    assert not m.scorable
    assert "NDI" in m.why_not


@pytest.mark.parametrize(
    ("instrument", "answers"),
    [
        ("ndi", {"items": [*NDI_FULL[:9], 6]}),
        ("nprs", {"rating": 11}),
        ("psfs", {"activities": [{"name": "Run", "rating": 3}, {"name": "Lift", "rating": 4}]}),
        ("bmi", {"value": 3}),
        ("nprs", "seven"),
    ],
)
def test_bad_answers_are_refused_and_nothing_is_saved(
    ready: World, instrument: str, answers: object
) -> None:
    with pytest.raises(ValidationError):
        record(ready, instrument, answers)
    assert not Measurement.objects.exists()


def test_a_measure_cannot_be_dated_in_the_future(ready: World) -> None:
    with pytest.raises(ValidationError, match="future"):
        record(ready, "nprs", {"rating": 3}, ago=-2)


def test_only_clinicians_of_the_clinic_record(ready: World) -> None:
    for user, error in ((ready.fran, AccessDenied), (ready.bill, AccessDenied)):
        with pytest.raises(error):
            measurement_record(
                access=access_for(user, ready.clinic),
                patient_id=ready.patient.pk,
                instrument="nprs",
                answers={"rating": 3},
            )
    with pytest.raises(Http404):
        measurement_record(
            access=access_for(ready.olga, ready.other_clinic),
            patient_id=ready.patient.pk,
            instrument="nprs",
            answers={"rating": 3},
        )


def test_progress_has_baseline_latest_change_and_mcid(ready: World) -> None:
    for ago, rating in ((42, 7), (28, 6), (14, 5), (1, 4)):
        record(ready, "nprs", {"rating": rating}, ago=ago)
    record(ready, "ndi", {"items": NDI_FULL}, ago=42)
    needled_visit(ready)
    progress = patient_progress(
        access=access_for(ready.bob, ready.clinic), patient_id=ready.patient.pk
    )
    nprs = next(s for s in progress.series if s.instrument == "nprs")
    assert nprs.baseline is not None
    assert nprs.latest is not None
    assert (nprs.baseline.value, nprs.latest.value) == (Decimal(7), Decimal(4))
    assert nprs.change == Decimal(3)
    assert nprs.reached_mcid is True
    ndi = next(s for s in progress.series if s.instrument == "ndi")
    assert ndi.latest is None  # one measurement: no change yet
    assert ndi.reached_mcid is None
    assert len(progress.needling_days) == 1
    assert progress.visits == 1


def test_entered_in_error_leaves_the_series(ready: World) -> None:
    bob = access_for(ready.bob, ready.clinic)
    record(ready, "nprs", {"rating": 7}, ago=20)
    wrong = record(ready, "nprs", {"rating": 1}, ago=2)
    measurement_enter_in_error(access=bob, measurement_id=wrong.pk, reason="Wrong patient")
    with pytest.raises(ValidationError, match="already"):
        measurement_enter_in_error(access=bob, measurement_id=wrong.pk, reason="again")
    progress = patient_progress(access=bob, patient_id=ready.patient.pk)
    [nprs] = progress.series
    assert [p.value for p in nprs.points] == [Decimal(7)]
    assert Measurement.objects.get(pk=wrong.pk).error_reason == "Wrong patient"
