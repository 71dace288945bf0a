"""Daily jobs without a separate scheduler: on each heartbeat the worker enqueues any job whose
day has come. A row per job records the last day it was enqueued, claimed under a row lock, so
several workers never enqueue the same day twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from filiform.operations.models import ScheduledJob


@dataclass(frozen=True)
class DailyJob:
    name: str
    task_path: str  # dotted path of a django-tasks task taking no arguments


DAILY_JOBS: tuple[DailyJob, ...] = (
    DailyJob(
        "credential-expiry-reminders", "filiform.practitioners.tasks.credential_expiry_reminders"
    ),
    DailyJob(
        "needlestick-follow-up-reminders",
        "filiform.supplies.tasks.needlestick_follow_up_reminders",
    ),
    DailyJob("audit-checkpoint", "filiform.audit.tasks.audit_checkpoint_daily"),
    DailyJob("idempotency-keys-expire", "filiform.idempotency.tasks.idempotency_keys_expire"),
)


def _enqueue_task(job: DailyJob) -> object:
    return import_string(job.task_path).enqueue()


def schedule_due_jobs(
    *,
    today: dt.date | None = None,
    jobs: tuple[DailyJob, ...] = DAILY_JOBS,
    enqueue: Callable[[DailyJob], object] | None = None,
) -> list[str]:
    """Enqueue every job not yet enqueued today; returns the names enqueued."""
    today = today or timezone.localdate()
    enqueued = []
    for job in jobs:
        with transaction.atomic():
            ScheduledJob.objects.get_or_create(name=job.name)
            row = ScheduledJob.objects.select_for_update().get(name=job.name)
            if row.last_day is not None and row.last_day >= today:
                continue
            row.last_day = today
            row.save(update_fields=["last_day"])
            # With the day's row, in its transaction: the day is never marked done without
            # its task (the queue is a table in the same database).
            (enqueue or _enqueue_task)(job)
            enqueued.append(job.name)
    return enqueued
