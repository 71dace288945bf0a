"""A safety alert's e-mail shows whether it went, and if not, why, in plain words; a clinician or
owner sends it again, by the page or the API, once it is no longer on its way. The outbox's
``message_send_again`` underneath, and the old ``alert_owners`` task run twice."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from filiform.audit.models import AuditEntry
from filiform.notices.models import AlertKind, MessageStatus, OutboxMessage, SafetyAlert
from filiform.notices.outbox import StillOnItsWay, message_queue, message_send_again
from filiform.notices.safety import safety_alert_raise
from tests.conftest import World, bearer, client_for

pytestmark = pytest.mark.django_db(transaction=True)
DOWN = "ConnectionRefusedError: [Errno 111] Connection refused"


def _alert(world: World, to: list[str] | None = None) -> tuple[SafetyAlert, OutboxMessage]:
    alert = safety_alert_raise(
        clinic_id=world.clinic.pk,
        kind=AlertKind.LOT_RECALL,
        summary="Needle lot L-0001 recalled",
        object_type="needle_lot",
        object_id=1,
        subject="Needle lot recalled",
        body="Lot L-0001 was recalled by its maker.",
        to=["alice@clinic.test"] if to is None else to,
    )
    return alert, alert.messages.get()


def _failed(message: OutboxMessage, error: str = DOWN) -> None:
    message.status, message.attempts, message.last_error = MessageStatus.FAILED, 6, error
    message.save()


def test_message_send_again_queues_a_copy_and_leaves_the_old_one(world: World) -> None:
    first = message_queue(
        clinic_id=world.clinic.pk,
        purpose="staff_note",
        to=["alice@clinic.test"],
        subject="Fridge",
        body="The fridge is warm.",
    )
    with pytest.raises(StillOnItsWay):
        message_send_again(first)
    _failed(first)
    again = message_send_again(first)
    assert again.pk != first.pk
    assert (again.status, again.attempts, again.last_error) == (MessageStatus.QUEUED, 0, "")
    assert (again.to, again.subject, again.body) == (first.to, first.subject, first.body)
    first.refresh_from_db()
    assert (first.status, first.attempts) == (MessageStatus.FAILED, 6)
    _failed(again)
    elsewhere = message_send_again(again, to=["bob@clinic.test", " "])
    assert elsewhere.to == ["bob@clinic.test"]


def test_message_send_again_with_nobody_to_send_to_fails_at_once_saying_so(world: World) -> None:
    first = message_queue(
        clinic_id=world.clinic.pk, purpose="staff_note", to=["a@clinic.test"], subject="s", body="b"
    )
    _failed(first)
    again = message_send_again(first, to=[])
    assert again.status == MessageStatus.FAILED
    assert again.reason.startswith("No one to send to")


def test_the_alert_page_says_why_and_a_clinician_sends_it_again(world: World, smtp_server) -> None:
    alert, message = _alert(world)
    url = f"/c/{world.clinic.slug}/safety-alerts/{alert.pk}/"
    again_url = f"{url}again/"
    page = client_for(world.bob).get(url).content.decode()
    assert f'action="{again_url}"' not in page  # queued: on its way
    busy = client_for(world.bob).post(again_url, follow=True).content.decode()
    assert "still on its way" in busy

    _failed(message)
    page = client_for(world.bob).get(url).content.decode()
    assert "The mail server could not be reached." in page
    assert "Errno" not in page
    assert f'action="{again_url}"' in page
    assert client_for(world.fran).post(again_url).status_code == 403
    other = client_for(world.olga).post(
        f"/c/{world.other_clinic.slug}/safety-alerts/{alert.pk}/again/"
    )
    assert other.status_code == 404
    assert OutboxMessage.objects.count() == 1

    sent = client_for(world.bob).post(again_url, follow=True).content.decode()
    assert "being e-mailed again to alice@clinic.test" in sent
    latest = alert.messages.order_by("id").last()
    assert latest is not None
    assert latest.status == MessageStatus.QUEUED
    assert AuditEntry.objects.filter(
        object_type="safety_alert", object_id=str(alert.pk), detail__sent_again=True
    ).exists()
    call_command("db_worker", "--batch", "--verbosity", "0")
    latest.refresh_from_db()
    assert latest.status == MessageStatus.SENT
    assert [m["To"] for m in smtp_server.messages] == ["alice@clinic.test"]


def test_send_again_reaches_the_owners_as_they_are_now(world: World) -> None:
    alert, message = _alert(world, to=[])  # no owner had an address then
    assert message.status == MessageStatus.FAILED
    again = client_for(world.alice).post(
        f"/c/{world.clinic.slug}/safety-alerts/{alert.pk}/again/", follow=True
    )
    assert again.status_code == 200
    assert alert.messages.order_by("id").last().to == ["alice@clinic.test"]  # type: ignore[union-attr]


def _api(world: World, who: str, alert: SafetyAlert):
    clinic = world.other_clinic if who == "olga" else world.clinic
    return Client().post(
        f"/api/v1/safety-alerts/{alert.pk}/send-again",
        content_type="application/json",
        **bearer(getattr(world, who), clinic),
    )


def test_the_api_sends_again_409_while_on_its_way(world: World, smtp_server) -> None:
    alert, message = _alert(world)
    busy = _api(world, "alice", alert)
    assert busy.status_code == 409
    assert "still on its way" in busy.json()["detail"]
    _failed(message, "SMTPRecipientsRefused: {'alice@clinic.test': (550, b'no')}")
    shown = Client().get(f"/api/v1/safety-alerts/{alert.pk}", **bearer(world.bob, world.clinic))
    assert shown.json()["messages"][0]["last_error"] == (
        "The mail server refused the recipient's address."
    )
    assert _api(world, "fran", alert).status_code == 403
    assert _api(world, "olga", alert).status_code == 404
    assert OutboxMessage.objects.count() == 1

    again = _api(world, "bob", alert)
    assert again.status_code == 200
    assert [m["status"] for m in again.json()["messages"]] == ["failed", "queued"]
    call_command("db_worker", "--batch", "--verbosity", "0")
    assert alert.messages.order_by("id").last().status == MessageStatus.SENT  # type: ignore[union-attr]
    assert len(smtp_server.messages) == 1
