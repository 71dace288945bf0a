"""The patient links API: staff see a patient's links and their use, never a token; revoking a
link stops it at once; another clinic's patient and links are 404."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from filiform.audit.models import AuditAction, AuditEntry
from filiform.links.models import PatientLink
from filiform.links.services import LinkContext, LinkRefused, link_open, link_token
from tests.aftercare.needled import cleared, needled_visit
from tests.conftest import World, bearer

pytestmark = pytest.mark.django_db
PHONE = LinkContext(ip="203.0.113.7", user_agent="Phone")


def send(client: Client, method: str, url: str) -> Any:
    response = client.generic(method, url, "", content_type="application/json")
    assert response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json"), response.content
    return response


@pytest.fixture
def link(world: World) -> PatientLink:
    """The aftercare sheet's link, made when the visit was signed."""
    cleared(world)
    needled_visit(world)
    return PatientLink.objects.get(patient=world.patient)


def test_staff_see_a_patients_links_without_the_token(world: World, link: PatientLink) -> None:
    link_open(token=link_token(link), where=PHONE)
    response = send(
        Client(**bearer(world.fran, world.clinic)),
        "GET",
        f"/api/v1/patients/{world.patient.pk}/portal-links",
    )
    assert response.status_code == 200
    [item] = response.json()
    assert item["id"] == link.pk
    assert item["purpose"] == "aftercare"
    assert item["status"] == "active"
    assert item["opened_count"] == 1
    assert item["last_opened_at"] is not None
    assert item["revoked_at"] is None
    assert not {"token", "nonce", "url"} & set(item)
    text = response.content.decode()
    assert link.nonce not in text
    assert link_token(link) not in text
    assert AuditEntry.objects.filter(
        object_type="portal_link", action=AuditAction.READ, patient_id=world.patient.pk
    ).exists()


def test_a_revoked_link_refuses_the_patient(world: World, link: PatientLink) -> None:
    fran = Client(**bearer(world.fran, world.clinic))
    response = send(fran, "POST", f"/api/v1/portal-links/{link.pk}/revoke")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "revoked"
    assert response.json()["revoked_at"]

    with pytest.raises(LinkRefused) as refused:
        link_open(token=link_token(link), where=PHONE)
    assert refused.value.reason == "revoked"

    again = send(fran, "POST", f"/api/v1/portal-links/{link.pk}/revoke")
    assert again.status_code == 200
    assert again.json()["revoked_at"] == response.json()["revoked_at"]
    listed = send(fran, "GET", f"/api/v1/patients/{world.patient.pk}/portal-links").json()
    assert [item["status"] for item in listed] == ["revoked"]


def test_billing_cannot_revoke(world: World, link: PatientLink) -> None:
    response = send(
        Client(**bearer(world.bill, world.clinic)), "POST", f"/api/v1/portal-links/{link.pk}/revoke"
    )
    assert response.status_code == 403
    assert json.loads(response.content)["detail"]
    link.refresh_from_db()
    assert link.revoked_at is None


def test_another_clinics_patient_and_links_are_not_found(world: World, link: PatientLink) -> None:
    olga = Client(**bearer(world.olga, world.other_clinic))
    listed = send(olga, "GET", f"/api/v1/patients/{world.patient.pk}/portal-links")
    assert listed.status_code == 404
    revoke = send(olga, "POST", f"/api/v1/portal-links/{link.pk}/revoke")
    assert revoke.status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None
    own = send(olga, "GET", f"/api/v1/patients/{world.other_patient.pk}/portal-links")
    assert own.status_code == 200
    assert own.json() == []
