"""Idempotency keys of the API's creating requests: services and the one selector.

A client that sent a POST and got no answer (a dropped connection, a timeout, a crashed proxy)
cannot know whether the record was created. It sends the request again with the same
``Idempotency-Key`` and gets the first answer back instead of a duplicate (the IETF draft
"The Idempotency-Key HTTP Header Field"; Stripe's API works the same way).

- A key belongs to one person in one clinic: another person's same key is a different key.
- The answer is kept for :data:`KEY_LIFETIME` (24 hours, as Stripe); after that the key is free.
- The row is claimed before the request's work and written in the same transaction as that
  work (the caller holds the transaction): a committed write always has its answer on file.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from filiform.clinics.models import Clinic
from filiform.idempotency.models import IdempotentRequest

KEY_LIFETIME = dt.timedelta(hours=24)


def _live_since(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - KEY_LIFETIME


def answered_request(*, clinic_id: int, user_id: int, key: str) -> IdempotentRequest | None:
    """The answer kept under this person's key, unless it has expired."""
    return (
        IdempotentRequest.objects.of_clinic(clinic_id)
        .filter(user_id=user_id, key=key, created_at__gte=_live_since())
        .first()
    )


def request_claim(
    *, clinic_id: int, user_id: int, key: str, fingerprint: str
) -> IdempotentRequest | None:
    """Take the key for a request about to run, in the caller's transaction. None when another
    request holds it: on PostgreSQL a second request with the key waits on the unique index
    until the first commits, then finds it taken."""
    keys = IdempotentRequest.objects.of_clinic(clinic_id)
    keys.filter(user_id=user_id, key=key, created_at__lt=_live_since()).delete()
    try:
        with transaction.atomic():
            return keys.create(user_id=user_id, key=key, fingerprint=fingerprint)
    except IntegrityError:
        return None


def answer_keep(
    claim: IdempotentRequest, *, status_code: int, content_type: str, body: str
) -> None:
    """File the request's answer with its key (same transaction as the request's writes)."""
    claim.status_code = status_code
    claim.content_type = content_type
    claim.body = body
    claim.save(update_fields=["status_code", "content_type", "body"])


def claim_release(claim: IdempotentRequest) -> None:
    """The request was refused: its answer is not kept, so the key can be sent again."""
    claim.delete()


def expired_requests_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the answers older than :data:`KEY_LIFETIME` (they hold health information), clinic
    by clinic."""
    since = _live_since(now)
    deleted = 0
    for clinic_id in Clinic.objects.values_list("pk", flat=True):
        expired = IdempotentRequest.objects.of_clinic(clinic_id).filter(created_at__lt=since)
        deleted += expired.delete()[0]
    return deleted
