import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from filiform.audit.models import AuditAction, AuditEntry
from filiform.patients.models import Patient
from tests.conftest import World, bearer
from tests.factories import PatientFactory

NEW_PATIENT = {
    "family_name": "Quartz",
    "given_names": "Ida",
    "birth_date": "1979-02-03",
    "gender": "female",
}


def _post(client: Client, body: str | dict, headers: dict) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post("/api/v1/patients", data, content_type="application/json", **headers)


def test_list_is_paginated_and_audited(world: World) -> None:
    PatientFactory.create_batch(25, clinic=world.clinic)
    response = Client().get("/api/v1/patients", **bearer(world.fran, world.clinic))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 26
    assert len(body["items"]) == 20
    assert AuditEntry.objects.filter(
        action=AuditAction.READ, object_type="patient_list", actor_id=world.fran.pk
    ).exists()


def test_search_by_family_name_prefix(world: World) -> None:
    PatientFactory(clinic=world.clinic, family_name="Smith", given_names="Ann")
    PatientFactory(clinic=world.other_clinic, family_name="Smith", given_names="Other")
    body = Client().get("/api/v1/patients?q=smi", **bearer(world.bob, world.clinic)).json()
    assert [p["given_names"] for p in body["items"]] == ["Ann"]


def test_list_query_count_does_not_grow_with_patients(world: World) -> None:
    headers = bearer(world.bob, world.clinic)
    client = Client()
    client.get("/api/v1/patients", **headers)  # warm caches
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/patients", **headers)
    PatientFactory.create_batch(30, clinic=world.clinic)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/patients", **headers)
    assert len(many) == len(few)
    assert len(many) <= 12


def test_one_patient_read_is_audited_with_the_patient(world: World) -> None:
    response = Client().get(
        f"/api/v1/patients/{world.patient.pk}", **bearer(world.bob, world.clinic)
    )
    assert response.status_code == 200
    assert response.json()["family_name"] == "Zanzibarian"
    entry = AuditEntry.objects.filter(action=AuditAction.READ, object_type="patient").latest("seq")
    assert (entry.patient_id, entry.actor_id, entry.via) == (world.patient.pk, world.bob.pk, "api")


def test_unknown_patient_is_404_json(world: World) -> None:
    response = Client().get("/api/v1/patients/999999", **bearer(world.bob, world.clinic))
    assert response.status_code == 404
    assert "detail" in response.json()


def test_create_patient(world: World) -> None:
    response = _post(Client(), NEW_PATIENT, bearer(world.fran, world.clinic))
    assert response.status_code == 201
    patient = Patient.objects.get(pk=response.json()["id"])
    assert patient.clinic == world.clinic
    assert patient.created_by == world.fran
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, patient_id=patient.pk).exists()


def test_billing_cannot_create_patients(world: World) -> None:
    response = _post(Client(), NEW_PATIENT, bearer(world.bill, world.clinic))
    assert response.status_code == 403
    assert "does not allow" in response.json()["detail"]
    assert not Patient.objects.filter(family_name="Quartz").exists()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("{not json", 400),
        ({**NEW_PATIENT, "gender": "nonsense"}, 422),
        ({**NEW_PATIENT, "birth_date": "1979-13-40"}, 422),
        ({**NEW_PATIENT, "birth_date": "2999-01-01"}, 422),
        ({**NEW_PATIENT, "email": "not-an-address"}, 422),
        ({"family_name": "Only"}, 422),
        ({**NEW_PATIENT, "family_name": "x" * 101}, 422),
    ],
)
def test_bad_input_is_a_json_4xx_and_writes_nothing(world: World, body, status: int) -> None:
    before = Patient.objects.count()
    response = _post(Client(), body, bearer(world.fran, world.clinic))
    assert response.status_code == status
    assert "detail" in response.json()
    assert Patient.objects.count() == before


def test_oversized_body_is_413(world: World, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    response = _post(
        Client(), {**NEW_PATIENT, "phone": "9" * 5000}, bearer(world.fran, world.clinic)
    )
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large."}


def test_no_or_bad_token_is_401_json(world: World) -> None:
    assert Client().get("/api/v1/patients").status_code == 401
    response = Client().get("/api/v1/patients", HTTP_AUTHORIZATION="Bearer fil_nonsense")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]
    assert AuditEntry.objects.filter(action=AuditAction.TOKEN_REFUSED).exists()


def test_session_requests_that_change_data_need_csrf(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.fran)
    response = client.post(
        "/api/v1/patients", json.dumps(NEW_PATIENT), content_type="application/json"
    )
    assert response.status_code in (401, 403)
    assert not Patient.objects.filter(family_name="Quartz").exists()


def test_openapi_schema_declares_every_response(world: World) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    operations = [op for methods in schema["paths"].values() for op in methods.values()]
    assert operations
    for operation in operations:
        assert "401" in operation["responses"], operation["operationId"]
    post = schema["paths"]["/api/v1/patients"]["post"]["responses"]
    assert {"201", "400", "401", "403", "413", "422"} <= set(post)
    schemes = schema["components"]["securitySchemes"]
    assert schemes["BearerToken"]["scheme"] == "bearer"
    assert schemes["BrowserSession"]["in"] == "cookie"


def test_docs_page_is_served_locally(world: World) -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert "/static/ninja/swagger-ui-bundle" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("page=2", 200),
        ("page=0", 422),
        ("page=119925347489025787472904192", 422),
        ("page_size=101", 422),
        ("page_size=abc", 422),
    ],
)
def test_paging_bounds(world: World, query: str, status: int) -> None:
    response = Client().get(f"/api/v1/patients?{query}", **bearer(world.bob, world.clinic))
    assert response.status_code == status
    assert "detail" in response.json() or "items" in response.json()


def test_nul_characters_are_refused_not_a_500(world: World) -> None:
    headers = bearer(world.fran, world.clinic)
    response = _post(Client(), {**NEW_PATIENT, "given_names": "Ida\u0000"}, headers)
    assert response.status_code == 422
    assert "NUL" in json.dumps(response.json())
    assert Client().get("/api/v1/patients?q=a%00b", **headers).status_code == 422


@pytest.mark.parametrize(
    ("method", "path"), [("PUT", "/api/v1/patients"), ("DELETE", "/api/v1/patients/1")]
)
def test_wrong_method_is_a_json_405(world: World, method: str, path: str) -> None:
    response = Client().generic(method, path, **bearer(world.bob, world.clinic))
    assert response.status_code == 405
    assert "Method not allowed" in response.json()["detail"]
    assert "GET" in response["Allow"]


def test_unknown_api_path_is_a_json_404(world: World) -> None:
    response = Client().get("/api/v1/no-such-thing", **bearer(world.bob, world.clinic))
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_patch_that_changes_nothing_writes_no_update(world: World) -> None:
    """issue 17: PATCH with nothing new was audited as an "update" of no fields."""
    headers = bearer(world.fran, world.clinic)
    path = f"/api/v1/patients/{world.patient.pk}"
    same = {"family_name": world.patient.family_name}
    for body in ({}, same):
        response = Client().patch(path, body, content_type="application/json", **headers)
        assert response.status_code == 200, response.content
    updates = AuditEntry.objects.filter(action=AuditAction.UPDATE, object_type="patient")
    assert not updates.exists()
    assert (
        AuditEntry.objects.filter(
            action=AuditAction.READ, object_type="patient", object_id=str(world.patient.pk)
        ).count()
        == 2
    )
    changed = Client().patch(
        path,
        {"family_name": "Quartz", "given_names": world.patient.given_names},
        content_type="application/json",
        **headers,
    )
    assert changed.status_code == 200
    assert [entry.detail for entry in updates] == [{"changed": ["family_name"]}]
