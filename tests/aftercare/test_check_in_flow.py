"""The whole aftercare flow with the real worker, a real SMTP server and time moved on:
the sheet is e-mailed at signing, the check-in goes out when it is due, a red answer alerts the
clinicians at once, a failing mail server is retried without losing anything."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from filiform.aftercare.alerts import alert_resolve, alerts_open
from filiform.aftercare.check_ins import check_in_submit
from filiform.aftercare.deliveries import MAX_ATTEMPTS, RETRY_MINUTES
from filiform.aftercare.models import (
    CheckIn,
    CheckInStatus,
    Delivery,
    DeliveryStatus,
    MessageKind,
    RedFlagAlert,
)
from filiform.aftercare.triage import CheckInAnswers, Symptom
from filiform.audit.models import AuditEntry
from filiform.links.services import LinkContext, LinkRefused
from tests.aftercare.needled import cleared, needled_visit
from tests.clinical import access_for
from tests.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)
PHONE_AT = LinkContext(ip="203.0.113.9", user_agent="Phone")
START = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


def work() -> None:
    call_command("worker", "--batch", "--verbosity", "0")


def parts(message: Any) -> tuple[str, str]:
    """(plain text, HTML) of a multipart/alternative message."""
    plain, html = (p.get_payload(decode=True).decode() for p in message.get_payload())
    return plain, html


def token_in(text: str) -> str:
    match = re.search(r"/p/([^/\s\"]+)/", text)
    assert match, text
    return match.group(1)


@pytest.fixture
def emailable(world: World) -> World:
    world.patient.email, world.patient.email_ok = "quill@patient.test", True
    world.patient.phone = "+1-613-555-0199"
    world.patient.save()
    cleared(world)
    return world


def test_sheet_then_check_in_then_red_flag_reaches_the_clinicians(
    emailable: World, smtp_server
) -> None:
    with time_machine.travel(START, tick=False) as clock:
        needled_visit(emailable, ("rhomboids:left",), advice="Heat, walk, stretch.")
        work()
        [sheet_mail] = smtp_server.messages
        assert sheet_mail["To"] == "quill@patient.test"
        assert sheet_mail.get_content_type() == "multipart/alternative"
        plain, html = parts(sheet_mail)
        for text in (plain, html):
            assert "24 to 48 hours" in text
            assert "Heat, walk, stretch." in text
            assert "pneumothorax" in text  # the chest was needled
        assert Delivery.objects.get(kind=MessageKind.AFTERCARE).status == DeliveryStatus.SENT

        clock.shift(dt.timedelta(hours=23))
        work()  # not yet due
        assert len(smtp_server.messages) == 1
        assert CheckIn.objects.get().status == CheckInStatus.SCHEDULED

        clock.shift(dt.timedelta(hours=1, minutes=1))
        work()
        assert len(smtp_server.messages) == 2
        invite = smtp_server.messages[1]
        assert "How are you after your treatment" in invite["Subject"]
        check_in = CheckIn.objects.get()
        assert check_in.status == CheckInStatus.SENT
        token = token_in(parts(invite)[0])

        clock.shift(dt.timedelta(hours=2))
        answered, result = check_in_submit(
            token=token,
            where=PHONE_AT,
            answers=CheckInAnswers(
                soreness=4, compared="same", bruising="none", symptoms=[Symptom.SHORTNESS_OF_BREATH]
            ),
        )
        assert (result.level, result.emergency) == ("red", True)
        # On the dashboards the moment the answer is stored, before any worker runs.
        for user in (emailable.bob, emailable.alice):
            [alert] = alerts_open(access=access_for(user, emailable.clinic))
            assert alert.reasons == ["breathing_after_thorax"]
        assert not alerts_open(access=access_for(emailable.uma, emailable.clinic))

        work()
        alert_mail = smtp_server.messages[2]
        assert "RED FLAG" in alert_mail["Subject"]
        recipients = {r.strip() for r in alert_mail["To"].split(",")}
        assert recipients == {"bob@clinic.test", "alice@clinic.test"}
        alert_plain = parts(alert_mail)[0]
        assert "+1-613-555-0199" in alert_plain
        assert "possible pneumothorax" in alert_plain

        stored = CheckIn.objects.get()
        assert stored.response is not None
        assert stored.response["resourceType"] == "QuestionnaireResponse"
        assert (stored.triage, stored.answered_via) == ("red", "portal-link")
        with pytest.raises(LinkRefused) as twice:
            check_in_submit(
                token=token,
                where=PHONE_AT,
                answers=CheckInAnswers(soreness=1, compared="better", bruising="none"),
            )
        assert twice.value.reason == "used"
        assert CheckIn.objects.get().triage == "red"
        assert RedFlagAlert.objects.count() == 1
        assert AuditEntry.objects.filter(
            via="portal-link", action="permission_denied", detail__refused="used"
        ).exists()

        alert = RedFlagAlert.objects.get()
        alert_resolve(
            access=access_for(emailable.bob, emailable.clinic),
            alert_id=alert.pk,
            action_taken="Called 17:10: mild breathlessness settled; sent to ER to rule out PTX.",
        )
        assert not alerts_open(access=access_for(emailable.alice, emailable.clinic))
        assert answered.pk == stored.pk


def test_a_green_check_in_raises_nothing(emailable: World, smtp_server) -> None:
    with time_machine.travel(START, tick=False) as clock:
        needled_visit(emailable, ("gluteus_medius:left",))
        clock.shift(dt.timedelta(hours=25))
        work()
        token = token_in(parts(smtp_server.messages[-1])[0])
        _check_in, result = check_in_submit(
            token=token,
            where=PHONE_AT,
            answers=CheckInAnswers(soreness=3, compared="better", bruising="small"),
        )
        assert result.level == "green"
        assert not RedFlagAlert.objects.exists()
        work()
        assert len(smtp_server.messages) == 2  # sheet and invitation, no alert


def test_smtp_down_is_retried_and_nothing_is_lost(emailable: World, smtp_server, settings) -> None:
    live_port = smtp_server.port
    with socket_closed() as dead_port, time_machine.travel(START, tick=False) as clock:
        settings.EMAIL_PORT = dead_port
        needled_visit(emailable)
        work()
        delivery = Delivery.objects.get(kind=MessageKind.AFTERCARE)
        assert delivery.status == DeliveryStatus.RETRYING
        assert delivery.attempts == 1
        assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()
        assert delivery.next_attempt_at == timezone.now() + dt.timedelta(minutes=RETRY_MINUTES[0])

        work()  # the retry is not due yet
        assert Delivery.objects.get(pk=delivery.pk).attempts == 1

        settings.EMAIL_PORT = live_port
        clock.shift(dt.timedelta(minutes=RETRY_MINUTES[0], seconds=1))
        work()
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
        assert len(smtp_server.messages) == 1


def test_a_mail_server_down_for_good_turns_the_check_in_into_a_call(
    emailable: World, smtp_server, settings
) -> None:
    with socket_closed() as dead_port, time_machine.travel(START, tick=False) as clock:
        settings.EMAIL_PORT = dead_port
        needled_visit(emailable)
        clock.shift(dt.timedelta(hours=24, minutes=1))
        for wait in (0, *RETRY_MINUTES):
            clock.shift(dt.timedelta(minutes=wait, seconds=1))
            work()
        invite = Delivery.objects.get(kind=MessageKind.CHECK_IN)
        assert (invite.status, invite.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
        assert CheckIn.objects.get().status == CheckInStatus.CALL
        assert Delivery.objects.get(kind=MessageKind.AFTERCARE).status == DeliveryStatus.FAILED


def test_an_opt_out_after_signing_means_a_call_not_an_email(emailable: World, smtp_server) -> None:
    with time_machine.travel(START, tick=False) as clock:
        needled_visit(emailable)
        work()
        emailable.patient.email_ok = False
        emailable.patient.save()
        clock.shift(dt.timedelta(hours=25))
        work()
        assert len(smtp_server.messages) == 1  # the sheet only
        assert CheckIn.objects.get().status == CheckInStatus.CALL
        invite = Delivery.objects.get(kind=MessageKind.CHECK_IN)
        assert invite.status == DeliveryStatus.IN_PERSON


class socket_closed:
    """A loopback port with nothing listening: connecting is refused, like a mail server down."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        return self.port

    def __exit__(self, *exc: object) -> None:
        return None
