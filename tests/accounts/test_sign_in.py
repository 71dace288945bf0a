import time_machine
from django.test import Client
from django.urls import reverse

from filiform.audit.models import AuditAction, AuditEntry
from tests.conftest import World, client_for
from tests.factories import TEST_PASSWORD


def _sign_in(client: Client, email: str, password: str):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_right_password_signs_in_and_is_audited(world: World) -> None:
    client = Client()
    response = _sign_in(client, "bob@clinic.test", TEST_PASSWORD)
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN, actor_id=world.bob.pk).exists()
    home = client.get("/", follow=True)
    assert home.status_code == 200
    assert world.clinic.name in home.content.decode()


def test_wrong_password_gets_a_clear_message_and_is_audited(world: World) -> None:
    response = _sign_in(Client(), "bob@clinic.test", "not-the-password")
    assert response.status_code == 200
    assert "That e-mail and password do not match an account" in response.content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.actor_email == "bob@clinic.test"


def test_repeated_failures_pause_sign_in(world: World, settings) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "bob@clinic.test", "wrong-password-x")
    response = _sign_in(client, "bob@clinic.test", TEST_PASSWORD)  # even the right one, for now
    assert response.status_code == 429
    assert "Sign-in paused" in response.content.decode()
    assert AuditEntry.objects.filter(
        action=AuditAction.LOCKED_OUT, actor_email="bob@clinic.test"
    ).exists()
    assert "_auth_user_id" not in client.session


def test_idle_session_ends_after_the_clinics_timeout(world: World) -> None:
    world.clinic.idle_timeout_minutes = 30
    world.clinic.save()
    with time_machine.travel("2026-03-02 09:00:00+00:00", tick=False) as clock:
        client = client_for(world.bob)
        assert client.get(f"/c/{world.clinic.slug}/patients/").status_code == 200
        clock.shift(29 * 60)
        assert client.get(f"/c/{world.clinic.slug}/patients/").status_code == 200
        clock.shift(31 * 60)
        response = client.get(f"/c/{world.clinic.slug}/patients/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert AuditEntry.objects.filter(action=AuditAction.IDLE_LOGOUT, actor_id=world.bob.pk).exists()


def test_idle_api_session_gets_json_401(world: World) -> None:
    with time_machine.travel("2026-03-02 09:00:00+00:00", tick=False) as clock:
        client = client_for(world.bob)
        client.get(f"/c/{world.clinic.slug}/")
        clock.shift(31 * 60)
        response = client.get("/api/v1/patients")
    assert response.status_code == 401
    assert "inactivity" in response.json()["detail"]


def test_csrf_failure_is_explained_and_audited(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.alice)
    response = client.post(f"/c/{world.clinic.slug}/settings/", {"name": "Hijacked"})
    assert response.status_code == 403
    assert "The form had expired" in response.content.decode()
    assert AuditEntry.objects.filter(
        action=AuditAction.CSRF_FAILURE, actor_id=world.alice.pk
    ).exists()
    world.clinic.refresh_from_db()
    assert world.clinic.name == "Riverside Test Physio"


def test_sign_out_is_audited(world: World) -> None:
    client = client_for(world.fran)
    client.post(reverse("accounts:logout"))
    assert AuditEntry.objects.filter(action=AuditAction.LOGOUT, actor_id=world.fran.pk).exists()
    assert client.get(f"/c/{world.clinic.slug}/").status_code == 302


def test_passwords_are_hashed_with_argon2_in_production_settings() -> None:
    from filiform import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
