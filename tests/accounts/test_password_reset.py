import datetime as dt
import re

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from filiform.accounts.services import api_token_create
from filiform.audit.models import AuditAction, AuditEntry
from tests.conftest import World


def test_reset_link_arrives_by_real_smtp_and_sets_a_new_password(world: World, smtp_server) -> None:
    client = Client()
    response = client.post(reverse("accounts:password_reset"), {"email": "bob@clinic.test"})
    assert response.status_code == 302
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "bob@clinic.test"
    assert message.is_multipart()  # text and HTML
    text = message.get_payload()[0].get_payload(decode=True).decode()
    link = re.search(r"https?://[^/\s]+(/accounts/password-reset/\S+/)", text)
    assert link
    form = client.get(link.group(1), follow=True)
    assert form.status_code == 200
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link.group(1),
        {
            "new_password1": "a-brand-new-passphrase-77",
            "new_password2": "a-brand-new-passphrase-77",
        },
    )
    assert done.status_code == 302
    world.bob.refresh_from_db()
    assert world.bob.check_password("a-brand-new-passphrase-77")
    assert AuditEntry.objects.filter(
        action=AuditAction.PASSWORD_RESET, actor_email="bob@clinic.test"
    ).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.PASSWORD_CHANGED, actor_id=world.bob.pk
    ).exists()


def test_unknown_address_sends_nothing_but_says_the_same(world: World, smtp_server) -> None:
    response = Client().post(
        reverse("accounts:password_reset"), {"email": "nobody@clinic.test"}, follow=True
    )
    assert "Check your e-mail" in response.content.decode()
    assert smtp_server.messages == []


def test_weak_new_password_is_refused_clearly(world: World, smtp_server) -> None:
    client = Client()
    client.post(reverse("accounts:password_reset"), {"email": "bob@clinic.test"})
    text = smtp_server.messages[0].get_payload()[0].get_payload(decode=True).decode()
    found = re.search(r"https?://[^/\s]+(/accounts/password-reset/\S+/)", text)
    assert found
    path = found.group(1)
    form = client.get(path, follow=True)
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": "short", "new_password2": "short"}
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()


def _ask_for_reset(email: str, *, source: str = "198.51.100.7"):
    return Client().post(
        reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=source, follow=True
    )


def test_reset_emails_to_one_address_are_limited_per_hour(
    world: World, smtp_server, settings
) -> None:
    limit = settings.FILIFORM_PASSWORD_RESETS_PER_EMAIL
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(limit + 2):
            response = _ask_for_reset("Bob@clinic.test", source=f"198.51.100.{n}")
            assert "Check your e-mail" in response.content.decode()  # the same answer every time
        assert len(smtp_server.messages) == limit
        held = AuditEntry.objects.filter(action=AuditAction.PASSWORD_RESET, detail__held_back=True)
        assert held.count() == 2
        clock.shift(dt.timedelta(minutes=61))
        _ask_for_reset("bob@clinic.test")
    assert len(smtp_server.messages) == limit + 1


def test_reset_requests_from_one_client_are_limited_per_hour(
    world: World, smtp_server, settings
) -> None:
    settings.FILIFORM_PASSWORD_RESETS_PER_IP = 3
    settings.FILIFORM_TRUSTED_PROXIES = ["10.0.0.2"]
    for email in ("alice@clinic.test", "bob@clinic.test", "nobody@clinic.test"):
        _ask_for_reset(email, source="203.0.113.5")
    response = Client().post(
        reverse("accounts:password_reset"),
        {"email": "fran@clinic.test"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.5",  # the same client, through the proxy
        follow=True,
    )
    assert "Check your e-mail" in response.content.decode()
    assert [m["To"] for m in smtp_server.messages] == ["alice@clinic.test", "bob@clinic.test"]
    _ask_for_reset("fran@clinic.test", source="203.0.113.6")
    assert smtp_server.messages[-1]["To"] == "fran@clinic.test"


def test_a_reset_revokes_the_persons_api_tokens_and_says_so(world: World, smtp_server) -> None:
    keys = [
        api_token_create(user=world.bob, clinic_slug=world.clinic.slug, name=name).key
        for name in ("laptop", "script")
    ]
    alices = api_token_create(user=world.alice, clinic_slug=world.clinic.slug, name="hers").key
    client = Client()
    client.post(reverse("accounts:password_reset"), {"email": "bob@clinic.test"})
    text = smtp_server.messages[0].get_payload()[0].get_payload(decode=True).decode()
    found = re.search(r"https?://[^/\s]+(/accounts/password-reset/\S+/)", text)
    assert found
    form = client.get(found.group(1), follow=True)
    done = client.post(
        form.redirect_chain[-1][0],
        {
            "new_password1": "a-brand-new-passphrase-77",
            "new_password2": "a-brand-new-passphrase-77",
        },
        REMOTE_ADDR="198.51.100.7",
        follow=True,
    )
    page = done.content.decode()
    assert "Password changed" in page
    assert "Your 2 API tokens were revoked" in page
    for key in keys:
        refused = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
        assert refused.status_code == 401
    assert (
        Client().get("/api/v1/me", headers={"Authorization": f"Bearer {alices}"}).status_code == 200
    )
    revoked = AuditEntry.objects.filter(action=AuditAction.TOKEN_REVOKED, actor_id=world.bob.pk)
    assert [(e.detail["reason"], e.ip) for e in revoked] == [("password reset", "198.51.100.7")] * 2
