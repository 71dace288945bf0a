"""The door's one call: scope to the clinic, fetch (404), check the permission (403, audited)."""

import datetime as dt

import pytest
from django.http import Http404

from filiform.aftercare.models import FollowUpCall
from filiform.audit.models import AuditAction, AuditEntry
from filiform.charting.models import Insertion
from filiform.clinics.access import (
    Access,
    AccessDenied,
    Permission,
    clinic_get,
    membership_for,
)
from filiform.patients.models import EpisodeOfCare, Patient
from tests.conftest import World

TODAY = dt.date(2026, 3, 2)
PERSONAS = ["alice", "bob", "fran", "bill"]


def _episode(world: World, patient: Patient) -> EpisodeOfCare:
    return EpisodeOfCare.objects.create(
        clinic_id=patient.clinic_id, patient=patient, condition="Neck pain", started_on=TODAY
    )


def _access(world: World, persona: str) -> Access:
    user = getattr(world, persona)
    return Access(user=user, membership=membership_for(user, world.clinic))


@pytest.mark.parametrize("persona", PERSONAS)
def test_another_clinics_record_is_not_found_for_every_role(world: World, persona: str) -> None:
    access = _access(world, persona)
    with pytest.raises(Http404):
        clinic_get(access, Patient, world.other_patient.pk, permission=Permission.PATIENT_VIEW)
    with pytest.raises(Http404):
        clinic_get(access, Patient, world.other_patient.pk)
    # Not found is not a refusal: nothing is audited for a record this clinic does not have.
    assert not AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED).exists()


@pytest.mark.parametrize("pk", [10**9, "not-a-number", None])
def test_missing_or_malformed_id_is_not_found(world: World, pk: object) -> None:
    with pytest.raises(Http404):
        clinic_get(_access(world, "alice"), Patient, pk)


def test_own_record_is_found_and_permission_checked(world: World) -> None:
    found = clinic_get(
        _access(world, "bob"), Patient, world.patient.pk, permission=Permission.PATIENT_VIEW
    )
    assert found == world.patient


def test_missing_permission_is_refused_and_audited_naming_the_record(world: World) -> None:
    episode = _episode(world, world.patient)
    with pytest.raises(AccessDenied):
        clinic_get(
            _access(world, "fran"), EpisodeOfCare, episode.pk, permission=Permission.CLINICAL_RECORD
        )
    entry = AuditEntry.objects.get(action=AuditAction.PERMISSION_DENIED)
    assert (entry.object_type, entry.object_id) == ("episode_of_care", str(episode.pk))
    assert entry.patient_id == world.patient.pk
    assert entry.detail == {"permission": Permission.CLINICAL_RECORD.value}


def test_a_queryset_narrows_what_may_be_found(world: World) -> None:
    access = _access(world, "alice")
    with pytest.raises(Http404):
        clinic_get(access, Patient.objects.filter(active=False), world.patient.pk)


def test_of_keeps_the_acting_clinics_rows(world: World) -> None:
    mine = _episode(world, world.patient)
    _episode(world, world.other_patient)
    access = _access(world, "alice")
    assert set(Patient.objects.of(access)) == {world.patient}
    assert set(EpisodeOfCare.objects.of(access)) == {mine}


def test_of_follows_a_models_path_to_its_clinic(world: World) -> None:
    # An insertion has no clinic of its own: it is scoped through its session's visit.
    query = str(Insertion.objects.of(_access(world, "alice")).query)
    assert '"charting_visit"."clinic_id" = ' in query


def test_of_clinic_keeps_the_named_clinics_rows(world: World) -> None:
    # Work no one acts for (the worker's task, a patient's link) names its clinic by id.
    assert set(Patient.objects.of_clinic(world.other_clinic.pk)) == {world.other_patient}


def test_a_scoped_create_fills_in_the_clinic(world: World) -> None:
    episode = EpisodeOfCare.objects.of(_access(world, "alice")).create(
        patient=world.patient, condition="Neck pain", started_on=TODAY
    )
    assert episode.clinic_id == world.clinic.pk


def test_a_scoped_create_refuses_a_row_of_another_clinic(world: World) -> None:
    scoped = EpisodeOfCare.objects.of(_access(world, "alice")).filter(condition="Neck pain")
    with pytest.raises(ValueError, match="episode_of_care of another clinic"):
        scoped.create(
            clinic=world.other_clinic,
            patient=world.other_patient,
            condition="Neck pain",
            started_on=TODAY,
        )
    assert not EpisodeOfCare.objects.exists()


def test_a_follow_up_call_is_scoped_through_its_check_in(world: World) -> None:
    # The front desk's note of a call can say what worries the patient: it is behind the door.
    query = str(FollowUpCall.objects.of(_access(world, "fran")).query)
    assert '"aftercare_checkin"."clinic_id" = ' in query
