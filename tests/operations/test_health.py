import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks import TaskResultStatus

from filiform.operations.heartbeat import heartbeat_beat
from filiform.operations.models import WorkerHeartbeat
from tests.operations.sample_tasks import add

pytestmark = pytest.mark.django_db


def test_healthz_is_degraded_without_a_worker() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"] == {"ok": True, "pending": 0}
    assert body["checks"]["worker"]["ok"] is False


def test_healthz_is_ok_with_a_fresh_heartbeat_and_degraded_with_a_stale_one() -> None:
    heartbeat_beat(worker_id="w1", started_at=timezone.now())
    assert Client().get("/healthz").json()["status"] == "ok"
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - dt.timedelta(minutes=5))
    body = Client().get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["checks"]["worker"]["age_seconds"] >= 300


def test_healthz_is_503_when_migrations_are_pending(monkeypatch) -> None:
    from filiform.operations import views

    monkeypatch.setattr(views, "_migrations", lambda: {"ok": False, "pending": 2})
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "down"


@pytest.mark.django_db(transaction=True)
def test_worker_runs_queued_tasks_and_beats() -> None:
    result = add.enqueue(2, 3)
    call_command("worker", "--batch", "--verbosity", "0")
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 5
    beat = WorkerHeartbeat.objects.get()
    assert (timezone.now() - beat.beat_at).total_seconds() < 60
