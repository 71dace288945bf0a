"""The outbox: nothing the clinic must be told is lost when the mail server is down.

A message is a row written in the same transaction as what it announces, and its worker task
is enqueued in that same transaction (the task queue is a database table, django-tasks-db): a
rollback leaves neither, a commit leaves both. There is no ``on_commit`` hand-off in which a
crash could drop the task.

The worker sends it. When the mail server cannot be reached, or refuses the message, the
attempt is recorded on the row (``attempts``, ``last_error``), the status says "retrying" with
the time of the next attempt, and a task is enqueued for that time. The waits between attempts
are :data:`RETRY_MINUTES` (1, 5, 15, 60 and 240 minutes: about five and a half hours in all);
after the last attempt the status says "failed" and stays visible. The same schedule and the
same bookkeeping (:func:`attempt`) carry the aftercare deliveries to patients.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Callable, Sequence
from typing import Protocol

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from filiform.notices.models import MessageStatus, OutboxMessage, SafetyAlert

# minutes to wait before attempt 2, 3, …; the last entry is the final retry
RETRY_MINUTES: tuple[int, ...] = (1, 5, 15, 60, 240)
MAX_ATTEMPTS = len(RETRY_MINUTES) + 1
SEND_ERRORS: tuple[type[Exception], ...] = (smtplib.SMTPException, OSError)
NO_RECIPIENT = "No one to send to (no active owner or clinician with an e-mail address)."


class Attempted(Protocol):
    """A row that records its sending attempts (an outbox message, an aftercare delivery)."""

    status: str
    attempts: int
    last_error: str
    next_attempt_at: dt.datetime | None
    sent_at: dt.datetime | None


def attempt(row: Attempted, send: Callable[[], object]) -> str:
    """One try at sending, recorded on ``row`` (the caller saves it). Returns the status it
    leaves: "sent"; "retrying", with ``next_attempt_at`` set by :data:`RETRY_MINUTES`; or
    "failed" after :data:`MAX_ATTEMPTS` tries. Errors other than the mail server's propagate:
    they are bugs, not weather."""
    row.attempts += 1
    try:
        send()
    except SEND_ERRORS as error:
        row.last_error = f"{type(error).__name__}: {error}"[:300]
        if row.attempts < MAX_ATTEMPTS:
            row.status = MessageStatus.RETRYING
            row.next_attempt_at = timezone.now() + dt.timedelta(
                minutes=RETRY_MINUTES[row.attempts - 1]
            )
        else:
            row.status = MessageStatus.FAILED
            row.next_attempt_at = None
    else:
        row.status = MessageStatus.SENT
        row.sent_at = timezone.now()
        row.next_attempt_at = None
    return str(row.status)


def clean_addresses(to: Sequence[str]) -> list[str]:
    return sorted({address.strip() for address in to if address and address.strip()})


@transaction.atomic
def message_queue(
    *,
    clinic_id: int,
    purpose: str,
    to: Sequence[str],
    subject: str,
    body: str,
    alert: SafetyAlert | None = None,
) -> OutboxMessage:
    """Queue an e-mail inside the caller's transaction. With nobody to send to, the message is
    stored as failed at once, saying so: never silently dropped."""
    addresses = clean_addresses(to)
    message = OutboxMessage.objects.create(
        clinic_id=clinic_id,
        purpose=purpose,
        alert=alert,
        to=addresses,
        subject=" ".join(subject.split())[:300],
        body=body,
        status=MessageStatus.QUEUED if addresses else MessageStatus.FAILED,
        last_error="" if addresses else NO_RECIPIENT,
    )
    if addresses:
        message_enqueue(message)
    return message


def message_enqueue(message: OutboxMessage, *, run_after: dt.datetime | None = None) -> None:
    """The worker task for a message, in the current transaction (see the module docstring)."""
    from filiform.notices.tasks import send_message

    task = send_message.using(run_after=run_after) if run_after else send_message
    task.enqueue(message_id=message.pk)


def message_attempt(message_id: int) -> str:
    """One attempt to send (the worker's task). Returns the status it leaves. A message already
    sent or failed, or whose next attempt is not due yet, is left alone."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            return "missing"
        if message.status not in (MessageStatus.QUEUED, MessageStatus.RETRYING):
            return str(message.status)
        if message.next_attempt_at is not None and message.next_attempt_at > timezone.now():
            return str(message.status)
        email = EmailMessage(subject=message.subject, body=message.body, to=list(message.to))
        if attempt(message, email.send) == MessageStatus.RETRYING:
            message_enqueue(message, run_after=message.next_attempt_at)
        message.save()
        return str(message.status)
