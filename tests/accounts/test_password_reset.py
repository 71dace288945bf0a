import re

from django.test import Client
from django.urls import reverse

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
