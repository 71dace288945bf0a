"""Sign-in lock-out behind the documented reverse proxy (FILIFORM_TRUSTED_PROXIES)."""

import pytest
from django.test import Client
from django.urls import reverse

from filiform.audit.models import AuditAction, AuditEntry
from tests.conftest import World
from tests.factories import TEST_PASSWORD

PROXY = "10.0.0.2"
ATTACKER = "198.51.100.66"
CLINIC_OFFICE = "203.0.113.10"


@pytest.fixture(autouse=True)
def _behind_proxy(settings) -> None:
    settings.FILIFORM_TRUSTED_PROXIES = [PROXY]
    settings.FILIFORM_LOGIN_FAILURE_LIMIT_PER_ADDRESS = 8


def _sign_in(email: str, password: str, *, source: str):
    client = Client()
    response = client.post(
        reverse("accounts:login"),
        {"username": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=source,
    )
    return response, client


def test_failing_on_bobs_email_elsewhere_does_not_lock_bob_out(world: World, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        _sign_in("bob@clinic.test", "guessing-bobs-password", source=ATTACKER)
    paused, _ = _sign_in("bob@clinic.test", TEST_PASSWORD, source=ATTACKER)
    assert paused.status_code == 429
    entry = AuditEntry.objects.filter(action=AuditAction.LOCKED_OUT).first()
    assert entry is not None
    assert (entry.actor_email, entry.ip) == ("bob@clinic.test", ATTACKER)

    response, client = _sign_in("bob@clinic.test", TEST_PASSWORD, source=CLINIC_OFFICE)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.bob.pk)


def test_many_emails_from_one_address_pause_that_address_only(world: World, settings) -> None:
    limit = settings.FILIFORM_LOGIN_FAILURE_LIMIT_PER_ADDRESS
    for n in range(limit):
        # Each e-mail stays under its own limit of 5.
        _sign_in(f"guess{n % 3}@clinic.test", "password-spraying", source=ATTACKER)
    paused, _ = _sign_in("fran@clinic.test", TEST_PASSWORD, source=ATTACKER)
    assert paused.status_code == 429
    assert "Sign-in paused" in paused.content.decode()

    response, _ = _sign_in("fran@clinic.test", TEST_PASSWORD, source=CLINIC_OFFICE)
    assert response.status_code == 302


def test_signing_in_to_ones_own_account_does_not_clear_the_address(world: World, settings) -> None:
    limit = settings.FILIFORM_LOGIN_FAILURE_LIMIT_PER_ADDRESS
    for n in range(limit - 1):
        _sign_in(f"guess{n % 4}@clinic.test", "password-spraying", source=ATTACKER)
    own, _ = _sign_in("fran@clinic.test", TEST_PASSWORD, source=ATTACKER)
    assert own.status_code == 302
    _sign_in("guess9@clinic.test", "password-spraying", source=ATTACKER)
    paused, _ = _sign_in("fran@clinic.test", TEST_PASSWORD, source=ATTACKER)
    assert paused.status_code == 429


def test_a_forged_header_from_an_untrusted_peer_does_not_dodge_the_limit(
    world: World, settings
) -> None:
    for n in range(settings.FILIFORM_LOGIN_FAILURE_LIMIT_PER_ADDRESS):
        Client().post(
            reverse("accounts:login"),
            {"username": f"guess{n % 3}@clinic.test", "password": "password-spraying"},
            REMOTE_ADDR=ATTACKER,  # straight to the server, not through the proxy
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",  # a new made-up address every time
        )
    paused = Client().post(
        reverse("accounts:login"),
        {"username": "fran@clinic.test", "password": TEST_PASSWORD},
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert paused.status_code == 429
    entry = AuditEntry.objects.filter(action=AuditAction.LOCKED_OUT).first()
    assert entry is not None
    assert entry.ip == ATTACKER
