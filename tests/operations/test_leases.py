"""A task whose worker died is run again once its lease expires; a live worker's is not."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from filiform.operations.heartbeat import heartbeat_beat
from filiform.operations.leases import leases_expired_release
from tests.operations.sample_tasks import add

pytestmark = pytest.mark.django_db


def _claimed(by: str) -> DBTaskResult:
    task = DBTaskResult.objects.get(pk=add.enqueue(1, 2).id)
    task.claim(by)
    return task


@pytest.mark.django_db(transaction=True)  # the worker checks its connection as it starts
def test_a_dead_workers_task_is_released_after_the_lease_and_run_again(settings) -> None:
    settings.FILIFORM_TASK_LEASE_SECONDS = 60
    start = timezone.now()
    heartbeat_beat(worker_id="dead", started_at=start)
    heartbeat_beat(worker_id="alive", started_at=start)
    orphan, busy = _claimed("dead"), _claimed("alive")
    with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
        assert leases_expired_release() == []  # within the lease: both may still be working
    with time_machine.travel(start + dt.timedelta(seconds=90), tick=False):
        heartbeat_beat(worker_id="alive", started_at=start)  # a long task, its worker beating
        assert leases_expired_release() == [str(orphan.pk)]
        assert leases_expired_release() == []  # released once
        call_command("worker", "--batch", "--verbosity", "0")
    orphan.refresh_from_db()
    busy.refresh_from_db()
    assert (orphan.status, orphan.return_value) == ("SUCCESSFUL", 3)
    assert orphan.worker_ids[0] == "dead"
    assert len(orphan.worker_ids) == 2
    assert busy.status == "RUNNING"


def test_a_task_of_a_worker_that_never_beat_is_released_too(settings) -> None:
    settings.FILIFORM_TASK_LEASE_SECONDS = 60
    start = timezone.now()
    orphan = _claimed("db_worker-without-heartbeat")
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        assert leases_expired_release() == [str(orphan.pk)]
    orphan.refresh_from_db()
    assert (orphan.status, orphan.started_at) == ("READY", None)
