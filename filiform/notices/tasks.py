"""Background work for notices (run by `filiform worker`)."""

from __future__ import annotations

from django_tasks import task

from filiform.notices.outbox import message_attempt


@task()
def send_message(*, message_id: int) -> str:
    """Send one outbox message; on a mail-server failure the attempt is recorded and retried."""
    return message_attempt(message_id)
