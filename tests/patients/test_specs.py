"""The patient's spec (patients/specs.py) at its limits' edges: the registration page, the API
and the service accept and refuse the same values, and a change is held to the same limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from filiform.patients.models import Patient
from filiform.patients.services import patient_create, patient_update
from filiform.patients.specs import PatientChanges, PatientSpec
from tests.clinical import access_for
from tests.conftest import World, bearer, client_for

PERSON: dict[str, Any] = {
    "given_names": "Ida",
    "family_name": "Quartz",
    "birth_date": "1979-02-03",
    "gender": "female",
    "preferred_language": "en",
}

EDGES = [
    ("family_name", "", False),
    ("family_name", "Q" * 100, True),
    ("family_name", "Q" * 101, False),
    ("given_names", "I" * 151, False),
    ("phone", "6" * 30, True),
    ("phone", "6" * 31, False),
    ("email", "ida@patients.test", True),  # the page always took it; the API now does too
    ("email", "not-an-address", False),
    ("gender", "robot", False),
    ("birth_date", "1979-02-30", False),
    ("preferred_language", "tlh", False),
    ("postal_code", "K1A 0B1", True),
    ("postal_code", "K1A  0B1", False),  # 8 characters
    ("emergency_contact_relationship", "r" * 61, False),
]


def _registered(world: World) -> int:
    return Patient.objects.filter(clinic=world.clinic).count()


def _by_service(world: World, data: dict[str, Any]) -> bool:
    try:
        spec = PatientSpec.parse(data)
    except ValidationError:
        return False
    patient_create(access=access_for(world.fran, world.clinic), patient=spec)
    return True


def _by_api(world: World, data: dict[str, Any]) -> bool:
    response = Client().post(
        "/api/v1/patients",
        json.dumps(data),
        content_type="application/json",
        **bearer(world.fran, world.clinic),
    )
    assert response.status_code in (201, 422), response.content
    return response.status_code == 201


def _by_page(world: World, data: dict[str, Any]) -> bool:
    response = client_for(world.fran).post(f"/c/{world.clinic.slug}/patients/new/", data)
    assert response.status_code in (200, 302)
    return response.status_code == 302


@pytest.mark.parametrize(("field", "value", "accepted"), EDGES)
def test_page_api_and_service_register_and_refuse_the_same_patients(
    world: World, field: str, value: Any, accepted: bool
) -> None:
    for n, (side, registers) in enumerate(
        (("service", _by_service), ("API", _by_api), ("page", _by_page))
    ):
        # A new name each time: the same name and birth date would be a possible duplicate.
        data = {**PERSON, "given_names": f"Ida{'x' * n}", field: value}
        before = _registered(world)
        took = registers(world, data)
        assert took is accepted, f"the {side} {'refused' if accepted else 'took'} {value!r}"
        assert _registered(world) == before + accepted, side


def test_a_refusal_names_its_field() -> None:
    with pytest.raises(ValidationError) as refused:
        PatientSpec.parse({**PERSON, "family_name": "Q" * 101, "colour": "red"})
    assert "Unknown patient fields: colour" in refused.value.messages
    with pytest.raises(ValidationError) as refused:
        PatientSpec.parse({**PERSON, "family_name": "Q" * 101})
    assert refused.value.message_dict == {"family_name": ["At most 100 characters."]}


def test_a_change_is_held_to_the_same_limits(world: World) -> None:
    fran = access_for(world.fran, world.clinic)
    with pytest.raises(ValidationError, match="phone"):
        PatientChanges.parse({"phone": "6" * 31})
    changed = patient_update(
        access=fran, patient_id=world.patient.pk, changes=PatientChanges.parse({"phone": "6" * 30})
    )
    assert changed.phone == "6" * 30
    response = Client().patch(
        f"/api/v1/patients/{world.patient.pk}",
        json.dumps({"phone": "6" * 31}),
        content_type="application/json",
        **bearer(world.fran, world.clinic),
    )
    assert response.status_code == 422
    with pytest.raises(ValidationError, match="cannot be empty"):
        PatientChanges.parse({"family_name": None}).record_fields()
    assert PatientChanges.parse({"email": None}).record_fields() == {"email": ""}
