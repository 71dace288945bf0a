"""The consent API: each operation with an allowed persona and a forbidden one, and bad input."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from django.test import Client

from filiform.consent.models import ConsentRecord, ConsentSigningRequest, ConsentTemplate
from tests.conftest import World, bearer
from tests.consent.helpers import SIGNATURE, png_bytes

BODY = {
    "template_version": 1,
    "risks_discussed": True,
    "benefits_discussed": True,
    "alternatives_discussed": True,
    "questions_answered": True,
    "thorax_acknowledged": False,
    "decision": "permit",
    "signer_name": "Quill Zanzibarian",
    "signature_strokes": SIGNATURE,
}
API = "/api/v1"


def _call(world: World, who: str, method: str, path: str, body: dict | None = None):
    user = getattr(world, who)
    clinic = world.other_clinic if who == "olga" else world.clinic
    return Client().generic(
        method,
        API + path,
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        **bearer(user, clinic),
    )


def _record(world: World, who: str = "bob", **changes):
    _call(world, who, "GET", "/consent-templates")  # the clinic's text, version 1
    return _call(world, who, "POST", f"/consents/patients/{world.patient.pk}", {**BODY, **changes})


def test_a_clinician_records_consent_with_drawn_strokes(world: World) -> None:
    response = _record(world)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["decision"] == "permit"
    assert data["signature_kind"] == "drawn"
    assert data["discussed_by"] == "bob@clinic.test"
    assert "pneumothorax" in data["text_body"]
    # The hash can be re-verified from what the API returns.
    assert hashlib.sha256(data["content_canonical"].encode()).hexdigest() == data["content_sha256"]
    assert json.loads(data["content_canonical"])["text_sha256"] == data["text_sha256"]


def test_a_clinician_records_consent_with_a_png_signature(world: World) -> None:
    png = base64.b64encode(png_bytes()).decode()
    response = _record(world, signature_strokes=None, signature_png=png)
    assert response.status_code == 201, response.content
    assert response.json()["signature_kind"] == "png"
    assert bytes(ConsentRecord.objects.get().signature_png) == png_bytes()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"signature_strokes": []}, "signature"),
        ({"signature_strokes": [[[10, 10], [12, 11]]]}, "signature"),
        (
            {"signature_strokes": None, "signature_png": base64.b64encode(b"GIF89a").decode()},
            "signature_png",
        ),
        (
            {
                "signature_strokes": None,
                "signature_png": base64.b64encode(png_bytes(ink=False)).decode(),
            },
            "signature_png",
        ),
        ({"signature_strokes": None, "signature_png": "%%%"}, "signature_png"),
        ({"decision": "maybe"}, "decision"),
        ({"signer_name": "  "}, "signer_name"),
        ({"alternatives_discussed": False}, "__all__"),
        ({"template_version": 9}, "__all__"),
        ({"template_version": None}, "__all__"),
    ],
)
def test_bad_consent_input_is_a_clear_422_and_saves_nothing(
    world: World, changes: dict, field: str
) -> None:
    response = _record(world, **changes)
    assert response.status_code == 422, response.content
    assert field in response.json()["detail"]
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize("who", ["fran", "bill"])
def test_front_desk_and_billing_cannot_record_consent(world: World, who: str) -> None:
    assert _record(world, who).status_code == 403
    assert not ConsentRecord.objects.exists()


def test_another_clinic_cannot_record_consent_for_this_patient(world: World) -> None:
    assert _record(world, "olga").status_code == 404


def test_front_desk_sees_whether_consent_is_in_force_but_not_the_record(world: World) -> None:
    record_id = _record(world).json()["id"]
    status = _call(world, "fran", "GET", f"/consents/patients/{world.patient.pk}/status")
    assert status.status_code == 200
    assert status.json()["in_force"] is True
    assert status.json()["record_id"] == record_id
    listing = _call(world, "fran", "GET", f"/consents/patients/{world.patient.pk}")
    assert listing.status_code == 200
    assert listing.json()[0]["valid_until"]
    assert "text_body" not in listing.json()[0]
    assert "signature_strokes" not in listing.json()[0]
    assert _call(world, "fran", "GET", f"/consents/{record_id}").status_code == 403
    assert _call(world, "fran", "GET", f"/consents/{record_id}/pdf").status_code == 403
    assert _call(world, "bob", "GET", f"/consents/{record_id}").status_code == 200
    assert _call(world, "olga", "GET", f"/consents/{record_id}").status_code == 404
    assert (
        _call(world, "olga", "GET", f"/consents/patients/{world.patient.pk}/status").status_code
        == 404
    )
    assert _call(world, "olga", "GET", f"/consents/patients/{world.patient.pk}").status_code == 404


def test_withdraw_through_the_api(world: World) -> None:
    record_id = _record(world).json()["id"]
    path = f"/consents/{record_id}/withdraw"
    assert _call(world, "fran", "POST", path, {"note": "x"}).status_code == 403
    assert _call(world, "olga", "POST", path, {"note": "x"}).status_code == 404
    response = _call(world, "bob", "POST", path, {"note": "Patient called"})
    assert response.status_code == 200
    assert response.json()["withdrawn_at"]
    assert response.json()["withdrawal_note"] == "Patient called"
    assert _call(world, "bob", "POST", path, {}).status_code == 422  # already withdrawn
    status = _call(world, "fran", "GET", f"/consents/patients/{world.patient.pk}/status").json()
    assert status["in_force"] is False


def test_pdf_through_the_api(world: World) -> None:
    data = _record(world).json()
    response = _call(world, "alice", "GET", f"/consents/{data['id']}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert _call(world, "olga", "GET", f"/consents/{data['id']}/pdf").status_code == 404
    assert _call(world, "bob", "GET", "/consents/999999/pdf").status_code == 404


def test_signing_requests_through_the_api(world: World) -> None:
    path = f"/consents/patients/{world.patient.pk}/signing-requests"
    body = {
        "risks_discussed": True,
        "benefits_discussed": True,
        "alternatives_discussed": True,
        "discussion_method": "video",
    }
    no_email = _call(world, "bob", "POST", path, body)
    assert no_email.status_code == 422
    assert "email" in no_email.json()["detail"]
    world.patient.email = "quill@patient.test"
    world.patient.email_ok = True
    world.patient.save()
    assert _call(world, "fran", "POST", path, body).status_code == 403
    assert _call(world, "olga", "POST", path, body).status_code == 404
    assert _call(world, "bob", "POST", path, {**body, "risks_discussed": False}).status_code == 422
    created = _call(world, "bob", "POST", path, body)
    assert created.status_code == 201
    link = created.json()
    assert link["status"] == "pending"
    assert link["email"] == "quill@patient.test"
    assert "token" not in json.dumps(link).replace("token_", "")
    assert _call(world, "fran", "GET", path).status_code == 403
    assert [r["id"] for r in _call(world, "bob", "GET", path).json()] == [link["id"]]
    cancel = f"/consents/signing-requests/{link['id']}/cancel"
    assert _call(world, "fran", "POST", cancel).status_code == 403
    assert _call(world, "olga", "POST", cancel).status_code == 404
    cancelled = _call(world, "bob", "POST", cancel)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert _call(world, "bob", "POST", cancel).status_code == 422
    assert ConsentSigningRequest.objects.get().cancelled_at is not None


def test_consent_templates_through_the_api(world: World) -> None:
    assert _call(world, "fran", "GET", "/consent-templates").status_code == 403
    listing = _call(world, "bob", "GET", "/consent-templates")
    assert listing.status_code == 200
    assert listing.json()[0]["version"] == 1
    assert listing.json()[0]["current"] is True
    one = _call(world, "bob", "GET", "/consent-templates/1")
    assert one.status_code == 200
    assert one.json()["body_sha256"] == ConsentTemplate.objects.get().body_sha256
    assert _call(world, "bob", "GET", "/consent-templates/7").status_code == 404
    new = {"title": "Our consent", "body": "## Risks\n\nAll of them.", "change_note": "pilot"}
    assert _call(world, "bob", "POST", "/consent-templates", new).status_code == 403
    published = _call(world, "alice", "POST", "/consent-templates", new)
    assert published.status_code == 201
    assert published.json()["version"] == 2
    same = _call(world, "alice", "POST", "/consent-templates", new)
    assert same.status_code == 422
    assert _call(world, "alice", "POST", "/consent-templates", {"title": ""}).status_code == 422
    assert _call(world, "bob", "GET", "/consent-templates/1").json()["current"] is False
    # Another clinic has its own texts and never sees these.
    olga_list = _call(world, "olga", "GET", "/consent-templates").json()
    assert [t["version"] for t in olga_list] == [1]
    assert "All of them." not in json.dumps(olga_list)
