"""A refused read or write names what was asked for: the record's type and id and its patient,
with the permission that was missing (issue 16, item 9). Another clinic's record is not found
(404), whatever the role: a refusal never confirms that a record exists elsewhere."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from filiform.audit.models import AuditAction, AuditEntry
from filiform.charting.models import Visit
from filiform.charting.visits import visit_start
from filiform.clinics.access import AccessDenied, Permission
from filiform.patients.models import EpisodeOfCare, Patient
from filiform.screening.models import Screening
from tests.clinical import access_for, consent_given, credential, membership
from tests.conftest import World, bearer, client_for


def _newest() -> AuditEntry:
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry is not None
    return entry


def _assert_refusal(
    world: World, *, object_type: str, object_id: int | str, actor: Any = None
) -> None:
    entry = _newest()
    assert entry.action == AuditAction.PERMISSION_DENIED
    assert entry.actor_id == (actor or world.fran).pk
    assert entry.clinic_id == world.clinic.pk
    assert entry.object_type == object_type
    assert entry.object_id == str(object_id)
    assert entry.patient_id == world.patient.pk
    assert entry.detail["permission"] == Permission.CLINICAL_RECORD.value


def _api(user: Any, world: World) -> Client:
    return Client(**bearer(user, world.clinic))


def _screened(patient: Patient, by: Any) -> Screening:
    """A screening row as it is stored: what matters here is that it exists, not its answers."""
    episode = EpisodeOfCare.objects.create(
        clinic=patient.clinic,
        patient=patient,
        condition="Right-sided neck pain",
        started_on=timezone.localdate(),
        created_by=by,
    )
    return Screening.objects.create(
        clinic=patient.clinic, patient=patient, episode=episode, answers={}, screened_by=by
    )


@pytest.fixture
def screening(world: World) -> Screening:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    return _screened(world.patient, world.bob)


def test_a_refusal_without_a_record_still_names_the_permission(world: World) -> None:
    access = access_for(world.fran, world.clinic)
    with pytest.raises(AccessDenied):
        access.require(Permission.AUDIT_VIEW)
    entry = _newest()
    assert (entry.object_type, entry.object_id) == ("permission", Permission.AUDIT_VIEW.value)
    assert entry.patient_id is None
    assert entry.detail["permission"] == Permission.AUDIT_VIEW.value


def test_front_desk_asking_for_a_screening_by_api_names_the_screening(
    world: World, screening: Screening
) -> None:
    response = _api(world.fran, world).get(f"/api/v1/screenings/{screening.pk}")
    assert response.status_code == 403
    assert "detail" in response.json()
    _assert_refusal(world, object_type="screening", object_id=screening.pk)
    listing = _api(world.bill, world).get(f"/api/v1/patients/{world.patient.pk}/screenings")
    assert listing.status_code == 403
    _assert_refusal(world, object_type="screening_list", object_id="", actor=world.bill)


def test_front_desk_opening_the_screening_page_names_the_patient(
    world: World, screening: Screening
) -> None:
    page = client_for(world.fran).get(
        f"/c/{world.clinic.slug}/patients/{world.patient.pk}/screening/"
    )
    assert page.status_code == 403
    _assert_refusal(world, object_type="screening_list", object_id="")


def test_another_clinics_screening_is_not_found_whatever_the_role(
    world: World, screening: Screening
) -> None:
    elsewhere = _screened(world.other_patient, world.olga)
    for user in (world.fran, world.bob, world.alice):
        response = _api(user, world).get(f"/api/v1/screenings/{elsewhere.pk}")
        assert response.status_code == 404, user
        assert "detail" in response.json()
    listing = _api(world.fran, world).get(f"/api/v1/patients/{world.other_patient.pk}/screenings")
    assert listing.status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED).exists()


def _visit(world: World, screening: Screening) -> Visit:
    return visit_start(
        access=access_for(world.bob, world.clinic),
        patient_id=world.patient.pk,
        episode_id=screening.episode_id,
        subjective="Neck pain after long days at the desk",
    )


def test_front_desk_asking_for_a_visit_names_the_visit(world: World, screening: Screening) -> None:
    visit = _visit(world, screening)
    response = _api(world.fran, world).get(f"/api/v1/visits/{visit.pk}")
    assert response.status_code == 403
    _assert_refusal(world, object_type="visit", object_id=visit.pk)
    pdf = client_for(world.bill).get(f"/c/{world.clinic.slug}/visits/{visit.pk}/note.pdf")
    assert pdf.status_code == 403
    _assert_refusal(world, object_type="visit_note_pdf", object_id=visit.pk, actor=world.bill)
    listing = _api(world.fran, world).get(f"/api/v1/patients/{world.patient.pk}/visits")
    assert listing.status_code == 403
    _assert_refusal(world, object_type="visit_list", object_id="")


def test_another_clinics_visit_is_not_found_for_front_desk(
    world: World, screening: Screening
) -> None:
    credential(membership(world.olga, world.other_clinic))
    elsewhere = _screened(world.other_patient, world.olga)
    visit = visit_start(
        access=access_for(world.olga, world.other_clinic),
        patient_id=world.other_patient.pk,
        episode_id=elsewhere.episode_id,
    )
    assert _api(world.fran, world).get(f"/api/v1/visits/{visit.pk}").status_code == 404


def test_front_desk_asking_for_a_consent_record_names_the_record(
    world: World, screening: Screening
) -> None:
    record = consent_given(world.patient, world.bob)
    response = _api(world.fran, world).get(f"/api/v1/consents/{record.pk}")
    assert response.status_code == 403
    _assert_refusal(world, object_type="consent", object_id=record.pk)
    pdf = _api(world.bill, world).get(f"/api/v1/consents/{record.pk}/pdf")
    assert pdf.status_code == 403
    _assert_refusal(world, object_type="consent_pdf", object_id=record.pk, actor=world.bill)
    elsewhere = consent_given(world.other_patient, world.olga)
    assert _api(world.fran, world).get(f"/api/v1/consents/{elsewhere.pk}").status_code == 404


def test_a_refusal_rolled_back_with_its_transaction_is_written_again_with_its_record(
    world: World, screening: Screening
) -> None:
    """Withdrawing consent refuses inside the service's transaction; the error handler writes
    the refusal again, still naming the record and the patient."""
    record = consent_given(world.patient, world.bob)
    response = _api(world.fran, world).post(
        f"/api/v1/consents/{record.pk}/withdraw",
        {"note": "Changed their mind"},
        content_type="application/json",
    )
    assert response.status_code == 403
    _assert_refusal(world, object_type="consent", object_id=record.pk)
    assert AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED).count() == 1


@pytest.mark.parametrize(
    ("who", "tail", "object_type"),
    [
        ("fran", "patients/{patient}/progress", "outcome_progress"),
        ("fran", "patients/{patient}/measurements", "measurement"),
        ("bill", "patients/{patient}/aftercare-sheets", "aftercare_sheet"),
        ("bill", "visits/{visit}/aftercare", "visit_aftercare"),
    ],
)
def test_outcomes_and_aftercare_refusals_name_the_patient(
    world: World, screening: Screening, who: str, tail: str, object_type: str
) -> None:
    visit = _visit(world, screening)
    user = getattr(world, who)
    url = "/api/v1/" + tail.format(patient=world.patient.pk, visit=visit.pk)
    assert _api(user, world).get(url).status_code == 403
    entry = _newest()
    assert (entry.action, entry.object_type) == (AuditAction.PERMISSION_DENIED, object_type)
    assert entry.patient_id == world.patient.pk
    assert entry.object_id == (str(visit.pk) if "{visit}" in tail else "")
    assert entry.detail["permission"] in {p.value for p in Permission}


def test_billing_changing_a_patients_details_names_the_patient(world: World) -> None:
    response = _api(world.bill, world).patch(
        f"/api/v1/patients/{world.patient.pk}",
        {"phone": "613-555-0199"},
        content_type="application/json",
    )
    assert response.status_code == 403
    entry = _newest()
    assert (entry.action, entry.object_type) == (AuditAction.PERMISSION_DENIED, "patient")
    assert (entry.object_id, entry.patient_id) == (str(world.patient.pk), world.patient.pk)
    assert entry.detail["permission"] == Permission.PATIENT_EDIT.value
    elsewhere = _api(world.bill, world).patch(
        f"/api/v1/patients/{world.other_patient.pk}",
        {"phone": "613-555-0199"},
        content_type="application/json",
    )
    assert elsewhere.status_code == 404
