import json

from django.test import Client

from filiform.audit.models import AuditAction, AuditEntry
from filiform.patients.models import Patient
from tests.conftest import World, bearer, client_for

PERSON = {
    "given_names": "Quill",
    "family_name": "Zanzibarian",
    "birth_date": "1980-05-17",
    "gender": "male",
    "preferred_language": "en",
}


def test_same_name_and_birth_date_warns_before_creating(world: World) -> None:
    client = client_for(world.fran)
    url = f"/c/{world.clinic.slug}/patients/new/"
    response = client.post(url, {**PERSON, "given_names": "quill", "family_name": "ZANZIBARIAN"})
    assert response.status_code == 200
    assert "Possible duplicate" in response.content.decode()
    assert f"/patients/{world.patient.pk}/" in response.content.decode()
    assert Patient.objects.filter(family_key="zanzibarian").count() == 1
    confirmed = client.post(url, {**PERSON, "confirm_duplicate": "on"})
    assert confirmed.status_code == 302
    assert Patient.objects.filter(family_key="zanzibarian").count() == 2
    entry = AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="patient").latest(
        "seq"
    )
    assert entry.detail == {"confirmed_not_duplicate": True}


def test_api_answers_409_with_the_duplicates_then_accepts_confirmation(world: World) -> None:
    headers = bearer(world.fran, world.clinic)
    response = Client().post(
        "/api/v1/patients", json.dumps(PERSON), content_type="application/json", **headers
    )
    assert response.status_code == 409
    assert response.json()["duplicates"] == [world.patient.pk]
    again = Client().post(
        "/api/v1/patients",
        json.dumps({**PERSON, "confirm_duplicate": True}),
        content_type="application/json",
        **headers,
    )
    assert again.status_code == 201


def test_full_registration_and_edit_are_audited_with_changed_fields(world: World) -> None:
    client = client_for(world.fran)
    data = {
        **PERSON,
        "given_names": "Ida",
        "family_name": "Quartz",
        "gender_text": "Woman",
        "phone": "613 555 0190",
        "email": "ida@patients.test",
        "email_ok": "on",
        "street": "1 Example Rd",
        "city": "Ottawa",
        "province": "ON",
        "postal_code": "k1a 0b1",
        "preferred_language": "fr",
        "emergency_contact_name": "Ray Quartz",
        "emergency_contact_relationship": "Brother",
        "emergency_contact_phone": "613 555 0191",
    }
    created = client.post(f"/c/{world.clinic.slug}/patients/new/", data)
    patient = Patient.objects.get(family_name="Quartz")
    assert created["Location"] == f"/c/{world.clinic.slug}/patients/{patient.pk}/"
    assert (patient.postal_code, patient.preferred_language, patient.email_ok) == (
        "K1A 0B1",
        "fr",
        True,
    )
    page = client.get(created["Location"]).content.decode()
    assert "Ray Quartz" in page
    assert "Woman" in page
    client.post(
        f"/c/{world.clinic.slug}/patients/{patient.pk}/edit/",
        {**data, "city": "Gatineau", "province": "QC"},
    )
    patient.refresh_from_db()
    assert patient.city == "Gatineau"
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE, patient_id=patient.pk).get()
    assert entry.detail == {"changed": ["city", "province"]}


def test_messaging_preferences_need_the_address_to_use(world: World) -> None:
    response = client_for(world.fran).post(
        f"/c/{world.clinic.slug}/patients/new/",
        {**PERSON, "family_name": "Nomail", "email_ok": "on", "sms_ok": "on"},
    )
    page = response.content.decode()
    assert "Add an e-mail address" in page
    assert not Patient.objects.filter(family_name="Nomail").exists()


def test_api_patch_changes_only_what_is_sent(world: World) -> None:
    headers = bearer(world.bob, world.clinic)
    response = Client().patch(
        f"/api/v1/patients/{world.patient.pk}",
        json.dumps({"phone": "613-555-0199", "sms_ok": True}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["phone"], body["sms_ok"], body["family_name"]) == (
        "613-555-0199",
        True,
        "Zanzibarian",
    )
    bad = Client().patch(
        f"/api/v1/patients/{world.patient.pk}",
        json.dumps({"birth_date": "2999-01-01"}),
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 422
    world.patient.refresh_from_db()
    assert world.patient.birth_date.year == 1980


def test_billing_cannot_edit(world: World) -> None:
    assert (
        client_for(world.bill)
        .get(f"/c/{world.clinic.slug}/patients/{world.patient.pk}/edit/")
        .status_code
        == 403
    )
    response = Client().patch(
        f"/api/v1/patients/{world.patient.pk}",
        json.dumps({"city": "X"}),
        content_type="application/json",
        **bearer(world.bill, world.clinic),
    )
    assert response.status_code == 403
