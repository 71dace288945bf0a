"""The kept-record base (filiform/clinics/records.py): never deleted, and one enter_in_error
for every clinical record — its reason rules at their edges, once only, stamped and audited."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client

from filiform.audit.models import AuditEntry
from filiform.charting.models import Visit
from filiform.charting.signals import visit_entered_in_error
from filiform.charting.visits import visit_enter_in_error, visit_start
from filiform.clinics.records import (
    MAX_REASON,
    RecordNeverDeleted,
    enter_in_error,
    kept_records_removed,
)
from filiform.outcomes.models import Measurement
from filiform.outcomes.services import measurement_record
from filiform.practitioners.models import Registration
from filiform.screening.models import Screening
from tests.clinical import access_for, credential, membership, screened
from tests.conftest import World, bearer


@pytest.fixture
def screening(world: World) -> Screening:
    return screened(world.patient, world.bob)


def _mark(world: World, record: Any, reason: str) -> Any:
    return enter_in_error(access=access_for(world.bob, world.clinic), record=record, reason=reason)


def _refusal(world: World, record: Any, reason: str) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as refused:
        _mark(world, record, reason)
    return refused.value.message_dict


def test_a_clinical_record_refuses_delete_one_by_one_and_in_bulk(screening: Screening) -> None:
    with pytest.raises(RecordNeverDeleted):
        screening.delete()
    with pytest.raises(RecordNeverDeleted), transaction.atomic():
        Screening.objects.filter(pk=screening.pk).delete()
    assert Screening.objects.filter(pk=screening.pk).exists()


def test_a_whole_clinic_going_away_may_remove_kept_rows(world: World) -> None:
    first, second = screened(world.patient, world.bob), screened(world.patient, world.bob)
    with kept_records_removed("test: the clinic is removed"):
        Screening.objects.filter(pk=first.pk).delete()
    assert list(Screening.objects.all()) == [second]
    with pytest.raises(RecordNeverDeleted), transaction.atomic():  # only inside the block
        Screening.objects.filter(pk=second.pk).delete()


@pytest.mark.parametrize("reason", ["", "   ", "\x00", " \x00\n "])
def test_no_reason_is_refused_with_the_records_own_words(
    world: World, screening: Screening, reason: str
) -> None:
    assert _refusal(world, screening, reason) == {
        "reason": ["Say why this screening was entered in error."]
    }
    screening.refresh_from_db()
    assert not screening.is_entered_in_error


def test_a_reason_of_300_characters_is_kept_whole(world: World, screening: Screening) -> None:
    reason = "w" * MAX_REASON
    assert MAX_REASON == 300
    _mark(world, screening, f"  {reason}\n")
    screening.refresh_from_db()
    assert screening.error_reason == reason


def test_a_reason_of_301_characters_is_refused_not_cut(world: World, screening: Screening) -> None:
    refusal = _refusal(world, screening, "w" * 301)
    assert refusal == {"reason": ["Say why in at most 300 characters (this is 301)."]}
    screening.refresh_from_db()
    assert (screening.status, screening.error_reason) == ("current", "")


def test_nul_characters_are_removed_before_the_length_is_counted(
    world: World, screening: Screening
) -> None:
    _mark(world, screening, "Wrong\x00 patient" + "\x00" * 300)
    screening.refresh_from_db()
    assert screening.error_reason == "Wrong patient"


def test_the_mark_is_made_once_and_audited_once(world: World, screening: Screening) -> None:
    _mark(world, screening, "Wrong patient")
    with pytest.raises(ValidationError, match="already marked as entered in error"):
        _mark(world, screening, "Still the wrong patient")
    screening.refresh_from_db()
    assert screening.error_reason == "Wrong patient"
    [entry] = AuditEntry.objects.filter(
        object_type="screening", object_id=str(screening.pk), detail__entered_in_error=True
    )
    assert (entry.action, entry.actor_email, entry.patient_id) == (
        "update",
        "bob@clinic.test",
        world.patient.pk,
    )


def test_a_credential_is_stamped_with_who_when_and_why(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    registration = Registration.objects.get()
    _mark(world, registration, " Typed another clinician's number ")
    registration.refresh_from_db()
    assert registration.entered_in_error_by == world.bob
    assert registration.entered_in_error_at is not None
    assert registration.entered_in_error_reason == "Typed another clinician's number"
    refusal = _refusal(world, registration, "again")
    assert refusal == {"reason": ["This entry is already marked as entered in error."]}
    entry = AuditEntry.objects.get(object_type="registration", object_id=str(registration.pk))
    assert entry.detail == {
        "entered_in_error": True,
        "practitioner": "bob@clinic.test",
        "status": "entered-in-error",
    }
    with pytest.raises(RecordNeverDeleted):
        registration.delete()


def test_the_visit_hook_still_tells_the_other_apps(world: World, screening: Screening) -> None:
    bob = access_for(world.bob, world.clinic)
    visit = visit_start(access=bob, patient_id=world.patient.pk, episode_id=screening.episode_id)
    heard: list[Visit] = []

    def receiver(sender: type[Visit], visit: Visit, **kwargs: Any) -> None:
        heard.append(visit)

    visit_entered_in_error.connect(receiver, dispatch_uid="test-records")
    try:
        visit_enter_in_error(access=bob, visit_id=visit.pk, reason="Duplicate visit")
    finally:
        visit_entered_in_error.disconnect(dispatch_uid="test-records")
    assert [v.pk for v in heard] == [visit.pk]
    visit.refresh_from_db()
    assert (visit.status, visit.error_reason) == ("entered-in-error", "Duplicate visit")
    with pytest.raises(RecordNeverDeleted):
        visit.delete()


def test_screenings_store_fhir_s_code_and_the_api_shows_the_old_spelling(
    world: World, screening: Screening
) -> None:
    _mark(world, screening, "Wrong patient")
    stored = Screening.objects.filter(pk=screening.pk).values_list("status", flat=True).get()
    assert stored == "entered-in-error"  # QuestionnaireResponse.status
    response = Client(**bearer(world.bob, world.clinic)).get(f"/api/v1/screenings/{screening.pk}")
    assert response.json()["status"] == "entered_in_error"


@pytest.mark.parametrize(
    ("migration", "model"),
    [
        ("filiform.outcomes.migrations.0002_status_fhir_codes", Measurement),
        ("filiform.screening.migrations.0004_status_fhir_codes", Screening),
        ("filiform.charting.migrations.0006_visit_status_fhir_code", Visit),
    ],
)
def test_the_data_migrations_rename_the_stored_status_both_ways(
    world: World, screening: Screening, migration: str, model: type[Any]
) -> None:
    rename = importlib.import_module(migration)._rename
    if model is Measurement:
        record: Any = measurement_record(
            access=access_for(world.bob, world.clinic),
            patient_id=world.patient.pk,
            instrument="nprs",
            answers={"rating": 6},
        )
    elif model is Visit:
        record = visit_start(
            access=access_for(world.bob, world.clinic),
            patient_id=world.patient.pk,
            episode_id=screening.episode_id,
        )
    else:
        record = screening
    model.objects.filter(pk=record.pk).update(status="entered_in_error")  # as stored before
    rename("entered_in_error", "entered-in-error")(django_apps, None)
    assert model.objects.values_list("status", flat=True).get(pk=record.pk) == "entered-in-error"
    rename("entered-in-error", "entered_in_error")(django_apps, None)
    assert model.objects.values_list("status", flat=True).get(pk=record.pk) == "entered_in_error"
