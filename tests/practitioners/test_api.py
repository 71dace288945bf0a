"""The credentials API: the pages' permission rule, the services' validation, nothing half-saved."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from filiform.accounts.models import User
from filiform.audit.models import AuditAction, AuditEntry
from filiform.clinics.models import Clinic, Membership
from filiform.practitioners.models import NeedlingAuthorization, NeedlingTraining, Registration
from tests.conftest import World, bearer, client_for

PDF = b"%PDF-1.4\n%synthetic test certificate\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
REGISTRATION = {
    "province": "ON",
    "college": "College of Physiotherapists of Ontario",
    "number": "SYN-0001",
    "status": "general",
    "expires_on": "2099-05-31",
}
AUTHORIZATION = {"kind": "on_roster", "granted_on": "2023-01-01", "expires_on": None}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def _member(world: World, user: User) -> Membership:
    return Membership.objects.get(user=user, clinic=world.clinic)


def _url(world: World, user: User, tail: str = "credentials") -> str:
    return f"/api/v1/practitioners/{_member(world, user).pk}/{tail}"


def _api(user: User, clinic: Clinic) -> Client:
    client = Client()
    client.defaults.update(bearer(user, clinic))
    return client


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


def _course(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "provider": "kinetacore",
        "level": "FDN 1",
        "completed_on": "2022-01-01",
    }
    data.update(overrides)
    return data


def test_a_practitioner_records_their_credentials_and_the_standing_turns_to_go(
    world: World,
) -> None:
    bob = _api(world.bob, world.clinic)
    standing = bob.get(f"/api/v1/practitioners/{_member(world, world.bob).pk}")
    assert standing.json()["can_needle"] is False

    assert _post(bob, _url(world, world.bob, "registrations"), REGISTRATION).status_code == 201
    assert _post(bob, _url(world, world.bob, "authorizations"), AUTHORIZATION).status_code == 201
    certificate = SimpleUploadedFile("course.pdf", PDF, content_type="application/pdf")
    response = bob.post(
        _url(world, world.bob, "trainings"),
        _course(regions=["lumbar", "pelvis_hip"], certificate=certificate),
    )
    assert response.status_code == 201, response.content
    course = response.json()
    assert course["certificate_sha256"] == hashlib.sha256(PDF).hexdigest()
    assert course["regions"] == ["lumbar", "pelvis_hip"]

    standing = bob.get(f"/api/v1/practitioners/{_member(world, world.bob).pk}").json()
    assert standing["can_needle"] is True, standing["reasons"]
    assert standing["regions"] == ["lumbar", "pelvis_hip"]

    on_file = bob.get(_url(world, world.bob)).json()
    assert [r["number"] for r in on_file["registrations"]] == ["SYN-0001"]
    assert [a["kind"] for a in on_file["authorizations"]] == ["on_roster"]
    assert on_file["trainings"][0]["certificate_url"] == course["certificate_url"]
    assert "certificate" not in on_file["trainings"][0]  # no bytes, only the digest and the link
    created = AuditEntry.objects.filter(action=AuditAction.CREATE, actor_email="bob@clinic.test")
    assert {e.object_type for e in created} >= {
        "registration",
        "needlingauthorization",
        "needlingtraining",
    }


def test_the_certificate_downloads_as_the_type_its_bytes_say_and_the_read_is_audited(
    world: World,
) -> None:
    bob = _api(world.bob, world.clinic)
    uploaded = SimpleUploadedFile("looks-like.png", PDF, content_type="image/png")
    course = bob.post(_url(world, world.bob, "trainings"), _course(certificate=uploaded)).json()

    download = bob.get(course["certificate_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert AuditEntry.objects.filter(
        action=AuditAction.READ, object_type="certificate", object_id=str(course["id"])
    ).exists()

    assert _api(world.alice, world.clinic).get(course["certificate_url"]).status_code == 200
    assert _api(world.uma, world.clinic).get(course["certificate_url"]).status_code == 403
    assert _api(world.fran, world.clinic).get(course["certificate_url"]).status_code == 403
    assert _api(world.olga, world.other_clinic).get(course["certificate_url"]).status_code == 404


def test_a_text_file_named_pdf_is_refused_and_nothing_is_saved(
    world: World, tmp_path: Path
) -> None:
    fake = SimpleUploadedFile(
        "certificate.pdf", b"not a pdf at all", content_type="application/pdf"
    )
    response = _api(world.bob, world.clinic).post(
        _url(world, world.bob, "trainings"), _course(certificate=fake)
    )
    assert response.status_code == 422
    assert "must be a PDF, PNG or JPEG" in response.json()["detail"]["certificate"][0]
    assert not NeedlingTraining.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_certificate_over_5_mb_is_refused(world: World) -> None:
    big = SimpleUploadedFile(
        "big.pdf", PDF + b"0" * (5 * 1024 * 1024), content_type="application/pdf"
    )
    response = _api(world.bob, world.clinic).post(
        _url(world, world.bob, "trainings"), _course(certificate=big)
    )
    assert response.status_code == 422
    assert "larger than 5 MB" in response.json()["detail"]["certificate"][0]
    assert not NeedlingTraining.objects.exists()


@pytest.mark.parametrize(
    ("tail", "body", "field"),
    [
        ("authorizations", {**AUTHORIZATION, "expires_on": "2022-12-31"}, "expires_on"),
        ("registrations", {**REGISTRATION, "expires_on": "0202-05-31"}, "expires_on"),
        ("registrations", {**REGISTRATION, "number": "   "}, "number"),
    ],
)
def test_bad_json_input_is_a_422_with_the_field_and_nothing_is_saved(
    world: World, tail: str, body: dict[str, Any], field: str
) -> None:
    response = _post(_api(world.bob, world.clinic), _url(world, world.bob, tail), body)
    assert response.status_code == 422
    assert field in response.json()["detail"]
    assert not Registration.objects.exists()
    assert not NeedlingAuthorization.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"completed_on": "2999-01-01"}, "completed_on"),
        ({"provider": "other"}, "provider_name"),
        ({"provider": "other", "provider_name": "  "}, "provider_name"),
    ],
)
def test_bad_course_is_a_422_with_the_field(
    world: World, overrides: dict[str, Any], field: str
) -> None:
    if overrides.get("completed_on") == "2999-01-01":
        overrides["completed_on"] = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = _api(world.bob, world.clinic).post(
        _url(world, world.bob, "trainings"), _course(**overrides)
    )
    assert response.status_code == 422
    assert field in response.json()["detail"]
    assert not NeedlingTraining.objects.exists()


@pytest.mark.parametrize(
    ("tail", "body"),
    [
        ("registrations", {**REGISTRATION, "status": "honorary"}),
        ("registrations", {**REGISTRATION, "province": "ZZ"}),
        ("registrations", {**REGISTRATION, "expires_on": 20270531}),
        ("authorizations", {**AUTHORIZATION, "kind": "self_taught"}),
    ],
)
def test_values_outside_the_enums_are_refused(
    world: World, tail: str, body: dict[str, Any]
) -> None:
    response = _post(_api(world.bob, world.clinic), _url(world, world.bob, tail), body)
    assert response.status_code == 422
    assert not Registration.objects.exists()
    assert not NeedlingAuthorization.objects.exists()


def test_regions_must_be_body_regions(world: World) -> None:
    response = _api(world.bob, world.clinic).post(
        _url(world, world.bob, "trainings"), _course(regions=["lumbar", "left_pinky"])
    )
    assert response.status_code == 422
    assert not NeedlingTraining.objects.exists()


def test_the_owner_records_for_a_clinician_and_others_may_not(world: World) -> None:
    url = _url(world, world.bob, "registrations")
    assert _post(_api(world.alice, world.clinic), url, REGISTRATION).status_code == 201
    assert _post(_api(world.uma, world.clinic), url, REGISTRATION).status_code == 403
    assert _post(_api(world.fran, world.clinic), url, REGISTRATION).status_code == 403
    assert _post(_api(world.bill, world.clinic), url, REGISTRATION).status_code == 403
    assert _post(_api(world.olga, world.other_clinic), url, REGISTRATION).status_code == 404
    assert Registration.objects.count() == 1


@pytest.mark.parametrize("persona", ["fran", "bill"])
def test_front_desk_and_billing_cannot_record_their_own_credentials(
    world: World, persona: str
) -> None:
    user = getattr(world, persona)
    client = _api(user, world.clinic)
    assert _post(client, _url(world, user, "registrations"), REGISTRATION).status_code == 403
    assert _post(client, _url(world, user, "authorizations"), AUTHORIZATION).status_code == 403
    certificate = SimpleUploadedFile("course.pdf", PDF, content_type="application/pdf")
    response = client.post(_url(world, user, "trainings"), _course(certificate=certificate))
    assert response.status_code == 403
    assert not Registration.objects.exists()
    assert not NeedlingTraining.objects.exists()


def test_permission_is_settled_before_the_body_is_read(world: World) -> None:
    """A caller who may not write hears 403/404, not what is wrong with the data they sent."""
    url = _url(world, world.bob, "authorizations")
    assert _post(_api(world.uma, world.clinic), url, {"junk": 1}).status_code == 403
    assert _post(_api(world.olga, world.other_clinic), url, {"junk": 1}).status_code == 404
    assert _post(_api(world.bob, world.clinic), url, {"junk": 1}).status_code == 422


def test_credentials_are_read_by_the_owner_and_the_practitioner_only(world: World) -> None:
    url = _url(world, world.bob)
    assert _api(world.bob, world.clinic).get(url).status_code == 200
    assert _api(world.alice, world.clinic).get(url).status_code == 200
    assert _api(world.uma, world.clinic).get(url).status_code == 403
    assert _api(world.fran, world.clinic).get(url).status_code == 403
    assert _api(world.olga, world.other_clinic).get(url).status_code == 404
    assert AuditEntry.objects.filter(action=AuditAction.READ, object_type="credentials").exists()


def test_the_page_form_goes_through_the_same_rules(world: World) -> None:
    response = client_for(world.bob).post(
        f"/c/{world.clinic.slug}/staff/{_member(world, world.bob).pk}/credentials/",
        {
            "kind": "authorization",
            "authorization-kind": "on_roster",
            "authorization-granted_on": "2023-01-01",
            "authorization-expires_on": "2022-12-31",
        },
    )
    assert response.status_code == 200
    assert "The expiry date is before the date it was granted." in response.content.decode()
    assert not NeedlingAuthorization.objects.exists()


def test_a_credential_entered_in_error_stays_on_file_and_stops_counting(world: World) -> None:
    bob = _api(world.bob, world.clinic)
    registration = _post(bob, _url(world, world.bob, "registrations"), REGISTRATION).json()
    _post(bob, _url(world, world.bob, "authorizations"), AUTHORIZATION)
    bob.post(_url(world, world.bob, "trainings"), _course())
    standing_url = f"/api/v1/practitioners/{_member(world, world.bob).pk}"
    assert bob.get(standing_url).json()["can_needle"] is True

    url = _url(world, world.bob, f"registrations/{registration['id']}/entered-in-error")
    reason = {"reason": "Typed another clinician's number"}
    assert _post(_api(world.uma, world.clinic), url, reason).status_code == 403
    assert _post(_api(world.fran, world.clinic), url, reason).status_code == 403
    assert _post(_api(world.olga, world.other_clinic), url, reason).status_code == 404
    assert _post(bob, url, {"reason": "   "}).status_code == 422

    response = _post(bob, url, reason)
    assert response.status_code == 200
    assert response.json()["entered_in_error_reason"] == "Typed another clinician's number"
    assert _post(bob, url, reason).status_code == 422  # once only
    assert (
        _post(bob, _url(world, world.bob, "trainings/999999/entered-in-error"), reason).status_code
        == 404
    )

    assert Registration.objects.count() == 1  # never deleted
    standing = bob.get(standing_url).json()
    assert standing["can_needle"] is False
    assert "No professional registration on file." in standing["reasons"]
    on_file = bob.get(_url(world, world.bob)).json()
    assert on_file["registrations"][0]["entered_in_error_at"] is not None
    assert AuditEntry.objects.filter(
        action=AuditAction.UPDATE, object_type="registration", object_id=str(registration["id"])
    ).exists()


def test_the_page_marks_a_course_entered_in_error_with_a_reason(world: World) -> None:
    member = _member(world, world.bob)
    _api(world.bob, world.clinic).post(_url(world, world.bob, "trainings"), _course())
    training = NeedlingTraining.objects.get()
    page = f"/c/{world.clinic.slug}/staff/{member.pk}/credentials/"
    client = client_for(world.bob)
    assert "Mark as entered in error" in client.get(page).content.decode()
    response = client.post(
        page,
        {
            "kind": "error",
            "what": "trainings",
            "credential_id": training.pk,
            "reason": "Wrong course",
        },
        follow=True,
    )
    assert "Entered in error" in response.content.decode()
    training.refresh_from_db()
    assert training.entered_in_error_reason == "Wrong course"
    assert training.entered_in_error_by == world.bob


def test_a_certificate_whose_file_is_gone_is_a_404_that_says_so(
    world: World, tmp_path: Path
) -> None:
    bob = _api(world.bob, world.clinic)
    uploaded = SimpleUploadedFile("course.pdf", PDF, content_type="application/pdf")
    course = bob.post(_url(world, world.bob, "trainings"), _course(certificate=uploaded)).json()
    for file in [p for p in tmp_path.rglob("*") if p.is_file()]:
        file.unlink()  # a lost disk, or a restore that did not bring the uploads back

    download = bob.get(course["certificate_url"])
    assert download.status_code == 404
    assert "certificate file of this course is missing" in download.json()["detail"]
    assert not AuditEntry.objects.filter(action=AuditAction.READ, object_type="certificate")

    page = client_for(world.bob).get(
        f"/c/{world.clinic.slug}/staff/{_member(world, world.bob).pk}/credentials/"
        f"certificates/{course['id']}/",
        follow=True,
    )
    assert page.status_code == 200
    assert "certificate file of this course is missing" in page.content.decode()
