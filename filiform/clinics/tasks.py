"""Background work for clinics (run by `filiform worker`)."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from filiform.clinics.models import Membership


@task()
def send_staff_invitation(*, user_id: int, clinic_id: int, new_account: bool) -> str:
    """Kept for tasks queued before invitations went through the outbox: queues the
    invitation's outbox message (once), which the outbox sends and records."""
    from filiform.clinics.invitations import invitation_queue, invitations_of

    with transaction.atomic():
        membership = (
            Membership.objects.select_related("user", "clinic")
            .filter(user_id=user_id, clinic_id=clinic_id, is_active=True)
            .first()
        )
        if membership is None or invitations_of([membership]):
            return ""
        invitation_queue(membership)
        return membership.user.email
