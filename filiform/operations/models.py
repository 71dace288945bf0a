from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """The background worker writes here every few seconds; /healthz reads it."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class ScheduledJob(models.Model):
    """The last day a daily job was enqueued (see operations/schedule.py)."""

    name = models.CharField(max_length=80, unique=True)
    last_day = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} (last {self.last_day})"
