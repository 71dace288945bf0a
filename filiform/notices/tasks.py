"""Background work for notices (run by `filiform worker`)."""

from __future__ import annotations

from django.db.models import QuerySet
from django_tasks import task

from filiform.notices.models import OutboxMessage
from filiform.notices.outbox import message_attempt


def messages_to_send() -> QuerySet[OutboxMessage]:
    """Every clinic's messages: a task names its message by id, and the message names its
    clinic, so the worker reads it before it knows the clinic (it acts for no one)."""
    return OutboxMessage.objects.all()


@task()
def send_message(*, message_id: int) -> str:
    """Send one outbox message; on a mail-server failure the attempt is recorded and retried."""
    return message_attempt(message_id)
