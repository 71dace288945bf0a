"""Kept answers expire after 24 hours and the daily job deletes them (they hold health
information)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from filiform.idempotency.keys import KEY_LIFETIME, expired_requests_purge, request_claim
from filiform.idempotency.models import IdempotentRequest
from filiform.operations.schedule import DAILY_JOBS
from tests.conftest import World


def test_the_daily_purge_deletes_only_expired_answers(world: World) -> None:
    clinic, fran = world.clinic.pk, world.fran.pk
    old = request_claim(clinic_id=clinic, user_id=fran, key="old", fingerprint="a" * 64)
    fresh = request_claim(clinic_id=clinic, user_id=fran, key="fresh", fingerprint="b" * 64)
    assert old is not None
    assert fresh is not None
    IdempotentRequest.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - KEY_LIFETIME - dt.timedelta(seconds=1)
    )
    assert expired_requests_purge() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["fresh"]


def test_the_purge_runs_every_day() -> None:
    assert "filiform.idempotency.tasks.idempotency_keys_expire" in {
        job.task_path for job in DAILY_JOBS
    }


def test_a_second_claim_of_a_key_is_refused(world: World) -> None:
    clinic, fran, alice = world.clinic.pk, world.fran.pk, world.alice.pk
    assert request_claim(clinic_id=clinic, user_id=fran, key="k", fingerprint="a" * 64)
    assert request_claim(clinic_id=clinic, user_id=fran, key="k", fingerprint="a" * 64) is None
    assert request_claim(clinic_id=clinic, user_id=alice, key="k", fingerprint="a" * 64)
