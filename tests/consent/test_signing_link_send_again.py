"""A signing link's e-mail shows on the patient's consent page and in the API whether it went,
and if not, why; a clinician sends a fresh link again, by the page or the API, once the e-mail
is no longer on its way (consent/remote.py)."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client

from filiform.consent.models import ConsentSigningRequest
from filiform.consent.remote import signing_link_delivery, signing_request_create, token_hash
from filiform.notices.models import MessageStatus, OutboxMessage
from tests.conftest import World, bearer, client_for
from tests.consent.helpers import access_of

pytestmark = pytest.mark.django_db(transaction=True)
REFUSED = "SMTPRecipientsRefused: {'quill@patient.test': (550, b'5.1.1 no such mailbox')}"


def _link(world: World) -> tuple[ConsentSigningRequest, OutboxMessage]:
    world.patient.email, world.patient.email_ok = "quill@patient.test", True
    world.patient.save()
    request = signing_request_create(
        access=access_of(world.bob, world.clinic),
        patient_id=world.patient.pk,
        risks_discussed=True,
        benefits_discussed=True,
        alternatives_discussed=True,
        discussion_method="phone",
    )
    return request, signing_link_delivery([request])[request.pk]


def _failed(message: OutboxMessage) -> None:
    message.status, message.attempts, message.last_error = MessageStatus.FAILED, 6, REFUSED
    message.save()


def _api(world: World, who: str, request: ConsentSigningRequest, patient_id: int | None = None):
    user = getattr(world, who)
    clinic = world.other_clinic if who == "olga" else world.clinic
    return Client().post(
        f"/api/v1/consents/patients/{patient_id or request.patient_id}"
        f"/signing-requests/{request.pk}/send-again",
        content_type="application/json",
        **bearer(user, clinic),
    )


def test_the_page_shows_why_it_failed_and_sends_a_fresh_link(world: World, smtp_server) -> None:
    request, message = _link(world)
    page_url = f"/c/{world.clinic.slug}/patients/{world.patient.pk}/consent/"
    again_url = f"{page_url}link/{request.pk}/again/"
    page = client_for(world.bob).get(page_url).content.decode()
    assert 'data-status="queued"' in page
    assert f'action="{again_url}"' not in page  # on its way: nothing to send again yet
    refused = client_for(world.bob).post(again_url, follow=True).content.decode()
    assert "still on its way" in refused

    _failed(message)
    page = client_for(world.bob).get(page_url).content.decode()
    assert "Failed: not delivered" in page
    assert "The mail server refused the recipient&#x27;s address." in page
    assert "550" not in page
    assert f'action="{again_url}"' in page
    assert client_for(world.fran).post(again_url).status_code == 403  # front desk
    elsewhere = f"/c/{world.other_clinic.slug}/patients/{world.patient.pk}/consent/link/"
    assert client_for(world.olga).post(f"{elsewhere}{request.pk}/again/").status_code == 404
    assert OutboxMessage.objects.count() == 1

    sent = client_for(world.bob).post(again_url, follow=True).content.decode()
    assert "A fresh signing link is being e-mailed to quill@patient.test" in sent
    assert 'data-status="queued"' in sent
    call_command("db_worker", "--batch", "--verbosity", "0")
    request.refresh_from_db()
    assert signing_link_delivery([request])[request.pk].status == MessageStatus.SENT
    [mail] = smtp_server.messages
    token = re.search(r"/consent/sign/([\w-]+)/", mail.as_string())
    assert token is not None
    assert request.token_hash == token_hash(token.group(1))


def test_the_api_shows_the_delivery_and_sends_again(world: World, smtp_server) -> None:
    request, message = _link(world)
    listed = Client().get(
        f"/api/v1/consents/patients/{world.patient.pk}/signing-requests",
        **bearer(world.bob, world.clinic),
    )
    [row] = listed.json()
    assert row["delivery"]["status"] == "queued"
    assert row["delivery"]["attempts"] == 0

    busy = _api(world, "bob", request)
    assert busy.status_code == 409
    assert "still on its way" in busy.json()["detail"]

    _failed(message)
    assert _api(world, "fran", request).status_code == 403
    assert _api(world, "olga", request).status_code == 404
    assert _api(world, "bob", request, patient_id=world.other_patient.pk).status_code == 404
    assert OutboxMessage.objects.count() == 1

    again = _api(world, "bob", request)
    assert again.status_code == 200
    body = again.json()
    assert body["delivery"]["status"] == "queued"
    assert body["sent_at"] is None
    call_command("db_worker", "--batch", "--verbosity", "0")
    one = (
        Client()
        .get(
            f"/api/v1/consents/patients/{world.patient.pk}/signing-requests",
            **bearer(world.bob, world.clinic),
        )
        .json()[0]
    )
    assert one["delivery"]["status"] == "sent"
    assert one["delivery"]["sent_at"] is not None
    assert one["sent_at"] is not None
    assert len(smtp_server.messages) == 1


def test_the_api_says_why_in_plain_words(world: World) -> None:
    _request, message = _link(world)
    _failed(message)
    [row] = (
        Client()
        .get(
            f"/api/v1/consents/patients/{world.patient.pk}/signing-requests",
            **bearer(world.bob, world.clinic),
        )
        .json()
    )
    assert row["delivery"] == {
        "status": "failed",
        "status_label": "Failed: not delivered",
        "attempts": 6,
        "last_error": "The mail server refused the recipient's address.",
        "sent_at": None,
        "next_attempt_at": None,
    }


def test_a_signed_or_cancelled_link_is_not_sent_again(world: World) -> None:
    request, message = _link(world)
    _failed(message)
    Client().post(
        f"/api/v1/consents/signing-requests/{request.pk}/cancel",
        content_type="application/json",
        **bearer(world.bob, world.clinic),
    )
    refused = _api(world, "bob", request)
    assert refused.status_code == 422
    assert "cancelled" in str(refused.json()["detail"])
    page = (
        client_for(world.bob)
        .get(f"/c/{world.clinic.slug}/patients/{world.patient.pk}/consent/")
        .content.decode()
    )
    assert f"link/{request.pk}/again/" not in page
