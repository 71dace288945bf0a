"""An answered API request, under the ``Idempotency-Key`` its client sent.

The row is written in the same transaction as the request's own writes: either both commit or
neither does, so a committed record always has its answer on file and a retry can never create
it twice (filiform/api_idempotency.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from filiform.clinics.door import ClinicScopedQuerySet


class IdempotentRequest(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, the path with its query and the body: the same key with another
    # request is refused, not answered with the first one's result.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "user", "key"], name="idempotency_key_once_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
