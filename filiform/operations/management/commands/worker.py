"""``filiform worker``: the background task worker (django-tasks-db) plus its heartbeat."""

from __future__ import annotations

import os
import socket
from typing import Any

from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from filiform.operations.heartbeat import HeartbeatThread, heartbeat_round


class Command(DbWorkerCommand):
    help = "Run the background worker (aftercare messages, reminders, claims) with a heartbeat."

    def handle(self, *args: Any, **options: Any) -> None:
        options["worker_id"] = f"{socket.gethostname()}-{os.getpid()}"[:64]
        if options.get("batch"):
            # A batch run (what is queued now, then exit) beats once, before it starts, on its
            # own connection and thread: a second thread's beat would race the batch (a job it
            # enqueues may or may not be run) and, inside a test's transaction, would commit
            # rows on a connection of its own that outlive the test.
            heartbeat_round(worker_id=options["worker_id"], started_at=timezone.now())
            super().handle(*args, **options)
            return
        beat = HeartbeatThread(options["worker_id"])
        beat.start()
        try:
            super().handle(*args, **options)
        finally:
            beat.stopping.set()
