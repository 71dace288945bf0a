"""The daily purge of expired idempotency keys (operations/schedule.py enqueues it)."""

from __future__ import annotations

from django_tasks import task

from filiform.idempotency.keys import expired_requests_purge


@task()
def idempotency_keys_expire() -> int:
    return expired_requests_purge()
