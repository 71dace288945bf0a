"""Background work for consent (run by `filiform worker`)."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from filiform.consent.models import ConsentSigningRequest


@task()
def send_consent_signing_link(*, request_id: int) -> str:
    """Kept for tasks queued before signing links went through the outbox: queues the link's
    outbox message (once; the outbox sends it and records its status)."""
    from filiform.consent.remote import _signing_link_queue, signing_link_delivery

    with transaction.atomic():
        request = (
            ConsentSigningRequest.objects.select_for_update()
            .filter(pk=request_id, token_hash__isnull=True)
            .first()
        )
        if request is None or signing_link_delivery([request_id]):
            return ""
        _signing_link_queue(request)
        return request.email
