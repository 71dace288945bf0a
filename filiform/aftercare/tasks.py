"""Background work for aftercare (run by `filiform worker`)."""

from __future__ import annotations

from django.db.models import QuerySet
from django_tasks import task

from filiform.aftercare.check_ins import check_in_send
from filiform.aftercare.deliveries import delivery_attempt
from filiform.aftercare.models import CheckIn, Delivery


def deliveries_to_send() -> QuerySet[Delivery]:
    """Every clinic's deliveries: a task names its delivery by id, and the delivery names its
    clinic, so the worker reads it before it knows the clinic (it acts for no one)."""
    return Delivery.objects.all()


def check_ins_to_send() -> QuerySet[CheckIn]:
    """Every clinic's check-ins: a task names its check-in by id, and the check-in names its
    clinic (the worker acts for no one)."""
    return CheckIn.objects.all()


@task()
def deliver(*, delivery_id: int) -> str:
    """Send one message; on a mail-server failure the attempt is recorded and retried later."""
    return delivery_attempt(delivery_id)


@task()
def send_check_in(*, check_in_id: int) -> int | None:
    """Send a check-in that has come due (enqueued at signing with run_after = due time)."""
    delivery = check_in_send(check_in_id=check_in_id)
    return delivery.pk if delivery else None
