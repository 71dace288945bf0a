"""Leases: a task whose worker died is run again.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again; a
worker killed mid-task (kill -9, a power cut, the container stopped) would leave it RUNNING
for ever. Each `filiform worker` beats every FILIFORM_WORKER_HEARTBEAT_SECONDS (a row in
operations_workerheartbeat, also what /healthz reads), and on each beat it releases the tasks
whose lease has expired: RUNNING since longer than FILIFORM_TASK_LEASE_SECONDS, claimed by a
worker with no beat in that time. They go back to READY and the next free worker runs them.

A live worker keeps its tasks however long they take (its heartbeat thread beats while the task
runs), so the lease only has to be longer than a few missed beats, not than the slowest task.
Because a released task runs again, every task must be safe to re-run: the outbox's sends are
(:func:`filiform.notices.outbox.message_attempt` records an interrupted send as failed rather than
send twice), and so are the scheduled jobs (each reminder is recorded once)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from filiform.operations.models import WorkerHeartbeat

logger = logging.getLogger(__name__)
RUNNING, READY = "RUNNING", "READY"


def leases_expired_release(*, now: dt.datetime | None = None) -> list[str]:
    """Put back to READY every RUNNING task whose worker stopped beating a lease ago; returns
    their ids. A conditional update per task, so a worker that finishes the task meanwhile, or
    another worker releasing it too, is never overwritten."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.FILIFORM_TASK_LEASE_SECONDS)
    stale = list(
        DBTaskResult.objects.filter(status=RUNNING, started_at__lt=cutoff).values_list(
            "id", "worker_ids", "started_at"
        )
    )
    if not stale:
        return []
    alive = set(
        WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).values_list("worker_id", flat=True)
    )
    released = []
    for task_id, worker_ids, started_at in stale:
        if worker_ids and worker_ids[-1] in alive:
            continue  # a long task of a live worker
        if DBTaskResult.objects.filter(pk=task_id, status=RUNNING, started_at=started_at).update(
            status=READY, started_at=None
        ):
            released.append(str(task_id))
            logger.warning(
                "task %s released: its worker %s stopped beating",
                task_id,
                worker_ids[-1] if worker_ids else "?",
            )
    return released
