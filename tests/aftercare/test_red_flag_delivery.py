"""A red-flag check-in's e-mail to the clinicians is a safety message (issue 16): its task is
written in the same transaction as the answer that raised it, it is retried while the mail
server is down, its status is on the dashboard, and the alert stays until a clinician records
what was done, whether the e-mail went or not. Real worker, real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from filiform.aftercare.alerts import alert_resolve
from filiform.aftercare.check_ins import check_in_record_by_phone
from filiform.aftercare.deliveries import MAX_ATTEMPTS, RETRY_MINUTES
from filiform.aftercare.models import CheckIn, Delivery, DeliveryStatus, MessageKind, RedFlagAlert
from filiform.aftercare.triage import CheckInAnswers, Symptom
from tests.aftercare.needled import cleared, needled_visit
from tests.aftercare.test_check_in_flow import socket_closed
from tests.clinical import access_for
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db(transaction=True)
START = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
BREATHLESS = CheckInAnswers(
    soreness=3, compared="same", bruising="none", symptoms=[Symptom.SHORTNESS_OF_BREATH]
)


def work() -> None:
    """Run the queued tasks that are due, as ``filiform worker`` does, without its heartbeat
    thread: that thread writes from a second connection, which the in-memory SQLite test
    database refuses at random ("database table is locked")."""
    call_command("db_worker", "--batch", "--verbosity", "0")


def _answer(world: World) -> None:
    check_in = CheckIn.objects.get()
    check_in_record_by_phone(
        access=access_for(world.fran, world.clinic), check_in_id=check_in.pk, answers=BREATHLESS
    )


def _dashboard(world: World) -> str:
    url = reverse("clinics:dashboard", kwargs={"clinic_slug": world.clinic.slug})
    return client_for(world.alice).get(url).content.decode()


def test_the_red_flag_emails_task_is_written_with_the_answer(world: World) -> None:
    cleared(world)
    needled_visit(world, ("rhomboids:left",))
    with transaction.atomic():
        _answer(world)
        delivery = Delivery.objects.get(kind=MessageKind.RED_FLAG)
        # Not handed to on_commit: the worker's task is in this same transaction.
        assert DBTaskResult.objects.filter(
            task_path="filiform.aftercare.tasks.deliver",
            args_kwargs__kwargs__delivery_id=delivery.pk,
        ).exists()


def test_a_red_flag_email_that_never_goes_leaves_the_alert_on_the_dashboard(
    world: World, smtp_server, settings
) -> None:
    with socket_closed() as dead_port, time_machine.travel(START, tick=False) as clock:
        settings.EMAIL_PORT = dead_port
        cleared(world)
        needled_visit(world, ("rhomboids:left",))
        _answer(world)
        work()
        delivery = Delivery.objects.get(kind=MessageKind.RED_FLAG)
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.RETRYING, 1)
        page = _dashboard(world)
        assert 'data-testid="alert-row"' in page
        assert "E-mail: Retrying" in page
        for wait in RETRY_MINUTES:
            clock.shift(dt.timedelta(minutes=wait, seconds=1))
            work()
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
        page = _dashboard(world)
        assert 'data-testid="alert-row"' in page  # failed to send, still on the dashboard
        assert "E-mail: Failed" in page
        alert = RedFlagAlert.objects.get()
        api = client_for(world.bob).get(f"/api/v1/alerts/{alert.pk}").json()
        assert [(d["kind"], d["status"]) for d in api["emails"]] == [("red_flag", "failed")]
        alert_resolve(
            access=access_for(world.bob, world.clinic),
            alert_id=alert.pk,
            action_taken="Called 15:40: breathing normal now; told to go to ER if it returns",
        )
        assert 'data-testid="alert-row"' not in _dashboard(world)
