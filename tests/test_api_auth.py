import json

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from filiform.accounts.models import ApiToken
from filiform.accounts.services import api_token_create, api_token_revoke
from filiform.audit.models import AuditAction, AuditEntry
from tests.conftest import World, client_for

NEW_PATIENT = {"family_name": "Testcase", "given_names": "Ada", "birth_date": "1980-02-03"}


def _post_patient(client: Client, headers: dict[str, str] | None = None):
    return client.post(
        "/api/v1/patients",
        json.dumps(NEW_PATIENT),
        content_type="application/json",
        headers=headers,
    )


def _assert_refused(response, *, says: str) -> None:
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert says in response.json()["detail"]


def test_an_unknown_token_on_a_write_is_a_401_not_a_csrf_failure(world: World) -> None:
    response = _post_patient(Client(), {"Authorization": "Bearer fil_not-a-real-token"})
    _assert_refused(response, says="unknown or revoked")
    assert not AuditEntry.objects.filter(action=AuditAction.CSRF_FAILURE).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.TOKEN_REFUSED, detail__reason="unknown token"
    ).exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/patients"),
        ("patch", "/api/v1/patients/1"),
        ("put", "/api/v1/screening-rules/1"),
    ],
)
def test_a_revoked_token_on_any_write_is_a_401(world: World, method: str, path: str) -> None:
    issued = api_token_create(user=world.bob, clinic_slug=world.clinic.slug, name="laptop")
    api_token_revoke(user=world.bob, token_id=issued.token.pk)
    response = getattr(Client(), method)(
        path,
        "{}",
        content_type="application/json",
        headers={"Authorization": f"Bearer {issued.key}"},
    )
    _assert_refused(response, says="unknown or revoked")


def test_a_token_is_not_mixed_with_the_browser_session(world: World) -> None:
    """A program names its token: a refused one is refused even if a session cookie came along."""
    client = client_for(world.alice)
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer fil_not-a-real-token"})
    _assert_refused(response, says="unknown or revoked")


def test_without_a_session_a_write_is_a_401_and_a_session_still_needs_csrf(world: World) -> None:
    _assert_refused(_post_patient(Client(enforce_csrf_checks=True)), says="Not signed in")

    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(world.alice)
    response = _post_patient(signed_in)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_token_is_refused_until_its_person_enrols_where_the_clinic_requires_it(
    world: World,
) -> None:
    issued = api_token_create(user=world.bob, clinic_slug=world.clinic.slug, name="laptop")
    bearer = {"Authorization": f"Bearer {issued.key}"}
    world.other_clinic.require_staff_two_factor = True
    world.other_clinic.save()  # not a clinic of bob's
    assert Client().get("/api/v1/me", headers=bearer).status_code == 200

    world.clinic.require_staff_two_factor = True
    world.clinic.save()
    _assert_refused(
        Client().get("/api/v1/me", headers=bearer),
        says="Two-factor enrolment required by the clinic",
    )
    _assert_refused(_post_patient(Client(), bearer), says="Two-factor enrolment required")
    assert AuditEntry.objects.filter(
        action=AuditAction.TOKEN_REFUSED,
        actor_id=world.bob.pk,
        detail__reason="two-factor enrolment required",
    ).exists()

    # An unconfirmed set-up is not enrolment; a confirmed one is.
    device = TOTPDevice.objects.create(user=world.bob, name="phone", confirmed=False)
    assert Client().get("/api/v1/me", headers=bearer).status_code == 401
    device.confirmed = True
    device.save()
    assert Client().get("/api/v1/me", headers=bearer).status_code == 200
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is None
