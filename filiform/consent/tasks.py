"""Background work for consent (run by `filiform worker`)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django_tasks import task

from filiform.consent.models import ConsentSigningRequest


def requests_to_send() -> QuerySet[ConsentSigningRequest]:
    """Every clinic's signing requests: a task names its request by id, and the request names
    its clinic (the worker acts for no one)."""
    return ConsentSigningRequest.objects.all()


@task()
def send_consent_signing_link(*, request_id: int) -> str:
    """Kept for tasks queued before signing links went through the outbox: queues the link's
    outbox message (once; the outbox sends it and records its status)."""
    from filiform.consent.remote import _signing_link_queue, signing_link_delivery

    with transaction.atomic():
        request = (
            requests_to_send()
            .select_for_update(of=("self",))
            .filter(pk=request_id, link__secret_sha256__isnull=True)
            .first()
        )
        if request is None or signing_link_delivery([request]):
            return ""
        _signing_link_queue(request)
        return request.email
