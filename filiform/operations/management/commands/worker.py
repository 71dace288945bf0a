"""``filiform worker``: the background task worker (django-tasks-db) plus its heartbeat."""

from __future__ import annotations

import os
import socket
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from filiform.operations.heartbeat import HeartbeatThread


class Command(DbWorkerCommand):
    help = "Run the background worker (aftercare messages, reminders, claims) with a heartbeat."

    def handle(self, *args: Any, **options: Any) -> None:
        options["worker_id"] = f"{socket.gethostname()}-{os.getpid()}"[:64]
        beat = HeartbeatThread(options["worker_id"])
        beat.start()
        try:
            super().handle(*args, **options)
        finally:
            beat.stopping.set()
