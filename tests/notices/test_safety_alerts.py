"""Safety alerts are never lost (issue 16): a needle unaccounted for and a significant or
serious adverse event raise an alert that stays on the dashboard until a clinician or owner
acknowledges it, and the owners' e-mail goes through the outbox, retried while the mail server
is down. Tested with the real worker and a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from filiform.audit.models import AuditEntry
from filiform.charting.models import AdverseEvent, NeedleIncident, Visit
from filiform.charting.needling import (
    adverse_event_add,
    insertion_add,
    needle_incident_raise,
    needles_count,
    session_start,
)
from filiform.charting.specs import AdverseEventSpec, InsertionSpec, SessionSpec
from filiform.charting.visits import visit_start
from filiform.notices.models import MessageStatus, OutboxMessage, SafetyAlert
from filiform.notices.outbox import MAX_ATTEMPTS, RETRY_MINUTES
from tests.aftercare.test_check_in_flow import socket_closed
from tests.clinical import access_for, consent_given, credential, membership, screened
from tests.conftest import World, bearer, client_for

pytestmark = pytest.mark.django_db(transaction=True)
START = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
SIGNIFICANT: dict[str, Any] = {
    "kind": "fainting",
    "severity": "significant",
    "timing": "during",
    "action_taken": "Lay supine, legs raised, recovered in 5 minutes",
}


def work() -> None:
    """Run the queued tasks that are due, as ``filiform worker`` does, without its heartbeat
    thread: that thread writes from a second connection, which the in-memory SQLite test
    database refuses at random ("database table is locked")."""
    call_command("db_worker", "--batch", "--verbosity", "0")


@pytest.fixture
def ready(world: World) -> World:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    return world


def _visit(world: World) -> Visit:
    episode = world.patient.episodes.first()
    assert episode is not None
    return visit_start(
        access=access_for(world.bob, world.clinic),
        patient_id=world.patient.pk,
        episode_id=episode.pk,
        subjective="Neck pain 6/10",
    )


def _incident(world: World) -> NeedleIncident:
    bob = access_for(world.bob, world.clinic)
    session = session_start(
        access=bob, visit_id=_visit(world).pk, session=SessionSpec.parse({"position": "prone"})
    )
    insertion_add(
        access=bob,
        session_id=session.pk,
        insertion=InsertionSpec.parse(
            {
                "muscle": "deltoid",
                "side": "left",
                "needle_diameter_mm": "0.25",
                "needle_length_mm": 40,
                "needle_count": 3,
                "depth_mm": "15",
                "technique": "pistoning",
            }
        ),
    )
    needles_count(access=bob, session_id=session.pk, opened=3, removed=2)
    return needle_incident_raise(
        access=bob,
        session_id=session.pk,
        description="One needle not found after removal",
        action_taken="Searched table and floor; patient's clothing checked",
    )


def _dashboard(world: World, user: Any = None) -> str:
    page = client_for(user or world.alice).get(f"/c/{world.clinic.slug}/")
    assert page.status_code == 200
    return page.content.decode()


def _acknowledge(world: World, user: Any, alert: SafetyAlert, note: str, clinic: Any = None):
    return client_for(user).post(
        f"/api/v1/safety-alerts/{alert.pk}/acknowledge",
        {"note": note},
        content_type="application/json",
        **bearer(user, clinic or world.clinic),
    )


def test_a_needle_unaccounted_for_is_retried_until_the_mail_server_answers(
    ready: World, smtp_server, settings
) -> None:
    live_port = smtp_server.port
    with socket_closed() as dead_port, time_machine.travel(START, tick=False) as clock:
        settings.EMAIL_PORT = dead_port
        incident = _incident(ready)
        # Written with the incident: the alert, its message and the worker's task.
        alert = SafetyAlert.objects.get()
        assert (alert.kind, alert.object_type, alert.object_id) == (
            "needle_incident",
            "needle_incident",
            str(incident.pk),
        )
        assert alert.patient_id == ready.patient.pk
        assert alert.acknowledged_at is None
        [message] = alert.messages.all()
        assert (message.status, message.to) == (MessageStatus.QUEUED, ["alice@clinic.test"])
        assert "Quill" not in message.body + message.subject  # no patient name in e-mail

        work()
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.RETRYING, 1)
        assert message.next_attempt_at == timezone.now() + dt.timedelta(minutes=RETRY_MINUTES[0])
        assert "refused" in message.last_error.lower() or "connection" in message.last_error.lower()
        page = _dashboard(ready)
        assert 'data-testid="safety-alert-row"' in page
        assert "Retrying" in page

        work()  # the next attempt is not due yet
        assert OutboxMessage.objects.get().attempts == 1

        clock.shift(dt.timedelta(minutes=RETRY_MINUTES[0], seconds=1))
        work()  # still down: the wait grows
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.RETRYING, 2)
        assert message.next_attempt_at == timezone.now() + dt.timedelta(minutes=RETRY_MINUTES[1])

        settings.EMAIL_PORT = live_port
        clock.shift(dt.timedelta(minutes=RETRY_MINUTES[1], seconds=1))
        work()
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.SENT, 3)
        assert message.sent_at == timezone.now()
        [mail] = smtp_server.messages
        assert mail["To"] == "alice@clinic.test"
        assert "unaccounted" in mail["Subject"]
        work()  # nothing is sent twice
        assert len(smtp_server.messages) == 1
        # Sent is not seen: the alert stays until someone acknowledges it.
        assert 'data-testid="safety-alert-row"' in _dashboard(ready)


def test_after_the_last_attempt_the_alert_stays_until_someone_acknowledges_it(
    ready: World, smtp_server, settings
) -> None:
    with socket_closed() as dead_port, time_machine.travel(START, tick=False) as clock:
        settings.EMAIL_PORT = dead_port
        adverse_event_add(
            access=access_for(ready.bob, ready.clinic),
            visit_id=_visit(ready).pk,
            event=AdverseEventSpec.parse(SIGNIFICANT),
        )
        for wait in (0, *RETRY_MINUTES):
            clock.shift(dt.timedelta(minutes=wait, seconds=1))
            work()
        message = OutboxMessage.objects.get()
        assert (message.status, message.attempts) == (MessageStatus.FAILED, MAX_ATTEMPTS)
        assert message.next_attempt_at is None
        clock.shift(dt.timedelta(days=1))
        work()
        assert OutboxMessage.objects.get().attempts == MAX_ATTEMPTS  # no attempt after the last
        assert smtp_server.messages == []
        alert = SafetyAlert.objects.get()
        assert alert.kind == "adverse_event"
        assert alert.summary == "Significant adverse event: Fainting (vasovagal) (during treatment)"
        for user in (ready.alice, ready.bob):  # owners and clinicians see it
            page = _dashboard(ready, user)
            assert 'data-testid="safety-alert-row"' in page
            assert "Failed: not delivered" in page
        assert 'data-testid="safety-alert-row"' not in _dashboard(ready, ready.fran)

        # Someone of another clinic: not found, nothing saved.
        refused = _acknowledge(ready, ready.olga, alert, "Seen and handled", ready.other_clinic)
        assert refused.status_code == 404
        assert refused.json() == {"detail": "Not Found"}
        # The front desk does not acknowledge clinical alerts.
        assert _acknowledge(ready, ready.fran, alert, "Seen and handled").status_code == 403
        short = _acknowledge(ready, ready.bob, alert, " ok ")
        assert short.status_code == 422
        assert "note" in short.json()["detail"]
        alert.refresh_from_db()
        assert (alert.acknowledged_at, alert.acknowledged_by, alert.acknowledgement_note) == (
            None,
            None,
            "",
        )
        assert 'data-testid="safety-alert-row"' in _dashboard(ready)

        done = _acknowledge(
            ready, ready.bob, alert, "Called the patient at 16:10: well, seen by GP, no concerns"
        )
        assert done.status_code == 200
        body = done.json()
        assert body["acknowledged_by"] == ready.bob.display_name
        assert body["acknowledged_at"] is not None
        assert body["messages"][0]["status"] == "failed"
        twice = _acknowledge(ready, ready.alice, alert, "Also seen by the owner")
        assert twice.status_code == 409
        assert "already acknowledged" in twice.json()["detail"]
        alert.refresh_from_db()
        assert alert.acknowledged_by == ready.bob
        assert alert.acknowledgement_note.startswith("Called the patient")
        assert 'data-testid="safety-alert-row"' not in _dashboard(ready)
        assert AuditEntry.objects.filter(
            object_type="safety_alert", action="update", patient_id=ready.patient.pk
        ).exists()


def test_the_alert_its_message_and_its_task_are_written_with_the_event_or_not_at_all(
    ready: World,
) -> None:
    visit = _visit(ready)
    bob = access_for(ready.bob, ready.clinic)

    class Undo(Exception):
        pass

    def event_then_undo() -> None:
        with transaction.atomic():
            adverse_event_add(
                access=bob,
                visit_id=visit.pk,
                event=AdverseEventSpec.parse({**SIGNIFICANT, "severity": "serious"}),
            )
            # Before the commit, in the same transaction: the alert, its message and its task.
            message = OutboxMessage.objects.get()
            assert message.alert is not None
            assert DBTaskResult.objects.filter(
                task_path="filiform.notices.tasks.send_message",
                args_kwargs__kwargs__message_id=message.pk,
            ).exists()
            raise Undo

    with pytest.raises(Undo):
        event_then_undo()
    assert not AdverseEvent.objects.exists()
    assert not SafetyAlert.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert not DBTaskResult.objects.filter(task_path__startswith="filiform.notices").exists()


def test_a_mild_event_raises_no_alert_and_a_clinic_without_owner_email_still_sees_it(
    ready: World,
) -> None:
    visit = _visit(ready)
    bob = access_for(ready.bob, ready.clinic)
    adverse_event_add(
        access=bob,
        visit_id=visit.pk,
        event=AdverseEventSpec.parse({"kind": "bruising", "severity": "mild", "timing": "after"}),
    )
    assert not SafetyAlert.objects.exists()
    ready.alice.email = ""
    ready.alice.save(update_fields=["email"])
    adverse_event_add(access=bob, visit_id=visit.pk, event=AdverseEventSpec.parse(SIGNIFICANT))
    message = OutboxMessage.objects.get()
    assert message.status == MessageStatus.FAILED
    assert "No one to send to" in message.last_error
    assert 'data-testid="safety-alert-row"' in _dashboard(ready, ready.bob)


def test_the_api_lists_and_reads_alerts_for_clinicians_only(ready: World) -> None:
    adverse_event_add(
        access=access_for(ready.bob, ready.clinic),
        visit_id=_visit(ready).pk,
        event=AdverseEventSpec.parse(SIGNIFICANT),
    )
    alert = SafetyAlert.objects.get()
    client = client_for(ready.bob)
    listed = client.get("/api/v1/safety-alerts", **bearer(ready.bob, ready.clinic))
    assert listed.status_code == 200
    [row] = listed.json()["items"]
    assert (row["id"], row["kind"], row["acknowledged_at"]) == (alert.pk, "adverse_event", None)
    assert row["messages"][0]["status"] == "queued"
    one = client.get(f"/api/v1/safety-alerts/{alert.pk}", **bearer(ready.bob, ready.clinic))
    assert one.json()["link"] == reverse(
        "charting:visit",
        kwargs={"clinic_slug": ready.clinic.slug, "visit_id": Visit.objects.get().pk},
    )
    assert (
        client.get("/api/v1/safety-alerts", **bearer(ready.fran, ready.clinic)).status_code == 403
    )
    other = client.get(
        f"/api/v1/safety-alerts/{alert.pk}", **bearer(ready.olga, ready.other_clinic)
    )
    assert other.status_code == 404
    assert (
        client.get("/api/v1/safety-alerts", **bearer(ready.olga, ready.other_clinic)).json()[
            "items"
        ]
        == []
    )


def test_a_bad_acknowledgement_saves_nothing(ready: World) -> None:
    from filiform.notices.safety import safety_alert_acknowledge

    adverse_event_add(
        access=access_for(ready.bob, ready.clinic),
        visit_id=_visit(ready).pk,
        event=AdverseEventSpec.parse(SIGNIFICANT),
    )
    alert = SafetyAlert.objects.get()
    bob = access_for(ready.bob, ready.clinic)
    for note in ("", "    ", "ok", "\x00\x00\x00\x00\x00", "abcd"):
        with pytest.raises(ValidationError):
            safety_alert_acknowledge(access=bob, alert_id=alert.pk, note=note)
    safety_alert_acknowledge(access=bob, alert_id=alert.pk, note="abcde")  # five characters
    alert.refresh_from_db()
    assert alert.acknowledgement_note == "abcde"


def test_an_alert_task_queued_before_the_upgrade_raises_the_durable_alert(ready: World) -> None:
    from filiform.charting.tasks import alert_owners

    adverse_event_add(
        access=access_for(ready.bob, ready.clinic),
        visit_id=_visit(ready).pk,
        event=AdverseEventSpec.parse(SIGNIFICANT),
    )
    event = AdverseEvent.objects.get()
    alert_id = alert_owners.call(kind="adverse_event", object_id=event.pk)
    alert = SafetyAlert.objects.get(pk=alert_id)
    assert (alert.kind, alert.object_id) == ("adverse_event", str(event.pk))
    assert alert.messages.get().status == MessageStatus.QUEUED


def test_the_old_alert_task_run_again_raises_no_second_alert(ready: World) -> None:
    """A worker killed after the task raised its alert has it run again once its lease
    expires (operations/leases.py): the second run finds the alert and stops there."""
    from filiform.charting.tasks import alert_owners

    adverse_event_add(
        access=access_for(ready.bob, ready.clinic),
        visit_id=_visit(ready).pk,
        event=AdverseEventSpec.parse(SIGNIFICANT),
    )
    event = AdverseEvent.objects.get()
    first = alert_owners.call(kind="adverse_event", object_id=event.pk)
    again = alert_owners.call(kind="adverse_event", object_id=event.pk)
    assert first == again == SafetyAlert.objects.get().pk
    assert OutboxMessage.objects.count() == 1
    incident = _incident(ready)
    ids = {alert_owners.call(kind="needle_incident", object_id=incident.pk) for _ in range(2)}
    assert len(ids) == 1
    assert SafetyAlert.objects.filter(object_type="needle_incident").count() == 1
    assert OutboxMessage.objects.count() == 2


def test_the_dashboard_query_count_does_not_grow_with_alerts(ready: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bob = access_for(ready.bob, ready.clinic)
    visit = _visit(ready)
    adverse_event_add(access=bob, visit_id=visit.pk, event=AdverseEventSpec.parse(SIGNIFICANT))
    client = client_for(ready.alice)
    client.get(f"/c/{ready.clinic.slug}/")
    with CaptureQueriesContext(connection) as one:
        client.get(f"/c/{ready.clinic.slug}/")
    for _n in range(4):
        adverse_event_add(access=bob, visit_id=visit.pk, event=AdverseEventSpec.parse(SIGNIFICANT))
    with CaptureQueriesContext(connection) as five:
        page = client.get(f"/c/{ready.clinic.slug}/").content.decode()
    assert page.count('data-testid="safety-alert-row"') == 5
    assert len(five) == len(one)


def test_the_alert_page_acknowledges_once_and_refuses_outsiders(ready: World) -> None:
    adverse_event_add(
        access=access_for(ready.bob, ready.clinic),
        visit_id=_visit(ready).pk,
        event=AdverseEventSpec.parse(SIGNIFICANT),
    )
    alert = SafetyAlert.objects.get()
    url = reverse("notices:alert", args=[ready.clinic.slug, alert.pk])
    page = client_for(ready.bob).get(url).content.decode()
    assert alert.summary in page
    assert "Queued" in page
    assert client_for(ready.fran).post(url, {"note": "Seen by the desk"}).status_code == 403
    other = reverse("notices:alert", args=[ready.other_clinic.slug, alert.pk])
    assert client_for(ready.olga).post(other, {"note": "Not my clinic's"}).status_code == 404
    short = client_for(ready.bob).post(url, {"note": "ok"})
    assert short.status_code == 422
    assert "Write what was done or decided" in short.content.decode()
    done = client_for(ready.bob).post(url, {"note": "Patient seen at the ED, discharged"})
    assert done.status_code == 302
    again = client_for(ready.alice).post(url, {"note": "Owner read it too"}, follow=True)
    text = again.content.decode()  # who was quicker, their note, and no form
    assert f"{ready.bob.display_name} already acknowledged this alert at" in text
    assert "Patient seen at the ED, discharged" in text
    assert 'name="note"' not in text
    alert.refresh_from_db()
    assert alert.acknowledged_by == ready.bob
    history = client_for(ready.alice).get(reverse("notices:alerts", args=[ready.clinic.slug]))
    assert "Patient seen at the ED, discharged" in history.content.decode()
