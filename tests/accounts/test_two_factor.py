import re

from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from filiform.audit.models import AuditAction, AuditEntry
from tests.conftest import World, client_for
from tests.factories import TEST_PASSWORD


def current_code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def enrol(client: Client) -> tuple[TOTPDevice, list[str]]:
    page = client.get(reverse("accounts:otp_enrol"))
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.content.decode()
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(reverse("accounts:otp_enrol"), {"code": current_code(device)})
    assert response.status_code == 200
    codes = re.findall(r"<li>([0-9a-f]{6}-[0-9a-f]{6})</li>", response.content.decode())
    device.refresh_from_db()
    assert device.confirmed
    return device, codes


def sign_in(email: str) -> Client:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return client


def test_enrolment_issues_ten_recovery_codes_and_is_audited(world: World) -> None:
    _device, codes = enrol(client_for(world.bob))
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert AuditEntry.objects.filter(
        action=AuditAction.OTP_ENROLLED, actor_id=world.bob.pk
    ).exists()


def test_wrong_enrolment_code_is_refused_with_advice(world: World) -> None:
    client = client_for(world.bob)
    client.get(reverse("accounts:otp_enrol"))
    response = client.post(reverse("accounts:otp_enrol"), {"code": "000000"})
    assert "That code does not match" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_enrolled_user_must_give_a_code_before_any_page(world: World) -> None:
    device, _ = enrol(client_for(world.bob))
    client = sign_in("bob@clinic.test")
    blocked = client.get(f"/c/{world.clinic.slug}/patients/")
    assert blocked.status_code == 302
    assert blocked["Location"].startswith(reverse("accounts:otp_verify"))
    # The security page, the API and a second enrolment are closed too until the code is given.
    assert client.get(reverse("accounts:security")).status_code == 302
    assert client.get("/api/v1/patients").status_code == 401
    assert client.get(reverse("accounts:otp_enrol"))["Location"].startswith(
        reverse("accounts:otp_verify")
    )

    wrong = client.post(reverse("accounts:otp_verify"), {"code": "123456"})
    assert "That code was not accepted" in wrong.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.OTP_FAILED, actor_id=world.bob.pk).exists()

    device.refresh_from_db()
    device.throttle_reset()
    # The enrolment used this 30-second step's code; a code is never accepted twice, so use the next.
    ok = client.post(reverse("accounts:otp_verify"), {"code": current_code(device, offset=1)})
    assert ok.status_code == 302
    assert client.get(f"/c/{world.clinic.slug}/patients/").status_code == 200
    assert AuditEntry.objects.filter(
        action=AuditAction.OTP_VERIFIED, actor_id=world.bob.pk
    ).exists()


def test_recovery_code_works_once(world: World) -> None:
    _device, codes = enrol(client_for(world.bob))
    first = sign_in("bob@clinic.test")
    assert first.post(reverse("accounts:otp_verify"), {"code": codes[0]}).status_code == 302
    assert first.get(f"/c/{world.clinic.slug}/").status_code == 200
    assert StaticToken.objects.count() == 9
    again = sign_in("bob@clinic.test")
    response = again.post(reverse("accounts:otp_verify"), {"code": codes[0]})
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.RECOVERY_CODE_USED).count() == 1


def test_clinic_policy_sends_staff_without_two_factor_to_enrol(world: World) -> None:
    world.clinic.require_staff_two_factor = True
    world.clinic.save()
    client = client_for(world.fran)
    response = client.get(f"/c/{world.clinic.slug}/patients/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:otp_enrol")
    assert client.get("/api/v1/patients").status_code == 401
    enrol(client)
    assert client.get(f"/c/{world.clinic.slug}/patients/").status_code == 200


def test_two_factor_cannot_be_removed_when_the_clinic_requires_it(world: World) -> None:
    client = client_for(world.bob)
    enrol(client)
    world.clinic.require_staff_two_factor = True
    world.clinic.save()
    client.post(reverse("accounts:two_factor_remove"))
    assert TOTPDevice.objects.filter(user=world.bob, confirmed=True).exists()
    world.clinic.require_staff_two_factor = False
    world.clinic.save()
    client.post(reverse("accounts:two_factor_remove"))
    assert not TOTPDevice.objects.filter(user=world.bob).exists()
    assert AuditEntry.objects.filter(action=AuditAction.OTP_REMOVED, actor_id=world.bob.pk).exists()
