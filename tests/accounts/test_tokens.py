from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from filiform.accounts.models import ApiToken
from filiform.accounts.services import api_token_create
from filiform.audit.models import AuditAction, AuditEntry
from filiform.clinics.models import Membership
from tests.conftest import World, client_for
from tests.factories import TEST_PASSWORD


def _cli_token(email: str, slug: str, capsys) -> str:
    call_command("token", "create", "--user", email, "--clinic", slug)
    return capsys.readouterr().out.strip()


def test_cli_token_reads_the_api_as_its_user(world: World, capsys) -> None:
    key = _cli_token("bob@clinic.test", world.clinic.slug, capsys)
    assert key.startswith("fil_")
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response.json() == {
        "email": "bob@clinic.test",
        "name": world.bob.display_name,
        "clinic": world.clinic.slug,
        "clinic_name": world.clinic.name,
        "role": "physiotherapist",
    }
    stored = ApiToken.objects.get()
    assert key not in (stored.key_hash, stored.prefix)  # only a hash is kept


def test_cli_refuses_a_clinic_the_user_is_not_in(world: World, capsys) -> None:
    import pytest
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="not an active member"):
        call_command("token", "create", "--user", "olga@clinic.test", "--clinic", world.clinic.slug)


def test_token_created_and_revoked_in_the_ui(world: World) -> None:
    client = client_for(world.fran)
    page = client.post(
        reverse("accounts:security"), {"name": "Reception kiosk", "clinic": world.clinic.slug}
    )
    key = page.context["issued"].key
    api = Client()
    assert api.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    token = ApiToken.objects.get(name="Reception kiosk")
    client.post(reverse("accounts:token_revoke", args=[token.pk]))
    refused = api.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert refused.status_code == 401
    assert "detail" in refused.json()
    assert AuditEntry.objects.filter(
        action=AuditAction.TOKEN_REVOKED, object_id=str(token.pk)
    ).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.TOKEN_REFUSED, object_id=str(token.pk)
    ).exists()


def test_someone_elses_token_cannot_be_revoked(world: World) -> None:
    token = ApiToken.objects.create(
        user=world.bob, clinic=world.clinic, name="x", prefix="fil_x", key_hash="h" * 64
    )
    client_for(world.fran).post(reverse("accounts:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_of_a_deactivated_user_or_membership_is_refused(world: World, capsys) -> None:
    key = _cli_token("bob@clinic.test", world.clinic.slug, capsys)
    world.bob.is_active = False
    world.bob.save()
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    world.bob.is_active = True
    world.bob.save()
    Membership.objects.filter(user=world.bob).update(is_active=False)
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_a_new_password_revokes_tokens_but_a_hash_upgrade_does_not(world: World, settings) -> None:
    key = api_token_create(user=world.bob, clinic_slug=world.clinic.slug, name="laptop").key
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    # Signing in upgrades the MD5 hash to PBKDF2 and saves it: the same password, tokens stay.
    assert world.bob.check_password(TEST_PASSWORD)
    world.bob.refresh_from_db()
    assert world.bob.password.startswith("pbkdf2_")
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200

    world.bob.set_password("another-long-passphrase-31")  # as manage.py changepassword does
    world.bob.save()
    refused = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert refused.status_code == 401
    assert AuditEntry.objects.filter(
        action=AuditAction.TOKEN_REVOKED, actor_id=world.bob.pk, detail__reason="password changed"
    ).exists()
