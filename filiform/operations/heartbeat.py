"""The worker's heartbeat: a row it refreshes every few seconds while it runs. On each beat it
also releases the tasks of workers that died (operations/leases.py) and enqueues the daily jobs
whose day has come (operations/schedule.py)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from filiform.operations.models import WorkerHeartbeat


def heartbeat_beat(*, worker_id: str, started_at: dt.datetime) -> None:
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "beat_at": timezone.now(),
        },
    )


def heartbeat_round(*, worker_id: str, started_at: dt.datetime) -> None:
    """One beat: the heartbeat row, then the expired leases released, then the day's jobs."""
    heartbeat_beat(worker_id=worker_id, started_at=started_at)
    from filiform.operations.leases import leases_expired_release
    from filiform.operations.schedule import schedule_due_jobs

    leases_expired_release()
    schedule_due_jobs()


class HeartbeatThread(threading.Thread):
    """The beat of a long-running worker, on its own connection, every
    FILIFORM_WORKER_HEARTBEAT_SECONDS."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="filiform-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.started_at = timezone.now()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                close_old_connections()
                heartbeat_round(worker_id=self.worker_id, started_at=self.started_at)
            except Exception:  # a missed beat is reported by /healthz; keep trying
                import logging

                logging.getLogger(__name__).exception("heartbeat failed")
            finally:
                connection.close()
            self.stopping.wait(settings.FILIFORM_WORKER_HEARTBEAT_SECONDS)
