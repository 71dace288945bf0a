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
same bookkeeping (:func:`attempt`, :func:`send_recorded`) carry the aftercare deliveries to
patients.

A worker can be killed in the middle of a send (leases run the task again:
operations/leases.py). So a send is recorded in two steps: the row says "sending" (committed)
before the mail server is spoken to, and the outcome after. A task that finds its row still
"sending" knows an earlier run died mid-send, without knowing whether the mail server took the
message: it marks the row failed, saying so, rather than risk a duplicate, and a person can
"send again". Every message is therefore delivered once, or visibly failed; never silently
lost, never sent twice by the machinery.

A message that carries a secret (a consent signing link, a link to choose a password) is
composed as it is sent, by the composer its ``purpose`` names in :data:`COMPOSERS`; the secret
is made there and only its hash is stored, in the same transaction that records "sent", so a
link is never marked sent unless the mail server took its e-mail.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from filiform.notices.models import MessageStatus, OutboxMessage, SafetyAlert

# minutes to wait before attempt 2, 3, …; the last entry is the final retry
RETRY_MINUTES: tuple[int, ...] = (1, 5, 15, 60, 240)
MAX_ATTEMPTS = len(RETRY_MINUTES) + 1
SEND_ERRORS: tuple[type[Exception], ...] = (smtplib.SMTPException, OSError)
NO_RECIPIENT = "No one to send to (no active owner or clinician with an e-mail address)."
INTERRUPTED = (
    "The worker stopped while sending: it may not have arrived, so it was not sent again on its "
    "own. Send again if it did not arrive."
)
# purpose -> the function that composes a message carrying a secret, as it is sent
COMPOSERS: dict[str, str] = {
    "consent_signing_link": "filiform.consent.messages.signing_link_compose",
    "staff_invitation": "filiform.clinics.invitations.invitation_compose",
}


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


@dataclass(frozen=True)
class Outgoing:
    """An e-mail ready to send; ``on_sent`` runs in the transaction that records it sent.
    ``email`` None: there is nothing to send any more (the link was cancelled, say)."""

    email: EmailMessage | None
    on_sent: Callable[[], object] | None = None


Row = TypeVar("Row", bound=models.Model)
RECORDED = ["status", "attempts", "last_error", "next_attempt_at", "sent_at"]


def _record(rows: models.QuerySet[Row], row: Row, then: Callable[[], object] | None = None) -> None:
    with transaction.atomic():
        rows.select_for_update(of=("self",)).filter(pk=row.pk).first()  # wait for other writers
        if then is not None:
            then()
        row.save(update_fields=RECORDED)


def send_recorded(
    rows: models.QuerySet[Row],
    pk: int,
    *,
    compose: Callable[[Row], Outgoing],
    retry: Callable[[Row], object],
    failed: Callable[[Row], object] | None = None,
) -> str:
    """One attempt to send row ``pk`` (a worker's task), recorded in two steps (see the module
    docstring): safe to run again after a crash. Returns the status it leaves."""
    with transaction.atomic():
        row: Any = rows.select_for_update(of=("self",)).filter(pk=pk).first()
        if row is None:
            return "missing"
        if row.status == MessageStatus.SENDING:  # an earlier run died mid-send
            row.status, row.last_error = MessageStatus.FAILED, INTERRUPTED
            row.next_attempt_at = None
            if failed is not None:
                failed(row)
            row.save(update_fields=RECORDED)
            return str(row.status)
        if row.status not in (MessageStatus.QUEUED, MessageStatus.RETRYING):
            return str(row.status)
        if row.next_attempt_at is not None and row.next_attempt_at > timezone.now():
            return str(row.status)
        row.status = MessageStatus.SENDING
        row.save(update_fields=["status"])
    try:
        outgoing = compose(row)
        if outgoing.email is None:
            row.status, row.next_attempt_at = MessageStatus.CANCELLED, None
            _record(rows, row)
            return str(row.status)
        email = outgoing.email
        status = attempt(row, email.send)
    except Exception as error:  # a bug, not the weather: never leave the row "sending"
        row.status, row.next_attempt_at = MessageStatus.FAILED, None
        row.last_error = f"{type(error).__name__}: {error}"[:300]
        _record(rows, row, (lambda: failed(row)) if failed is not None else None)
        raise
    if status == MessageStatus.SENT:
        _record(rows, row, outgoing.on_sent)
    elif status == MessageStatus.RETRYING:
        _record(rows, row, lambda: retry(row))
    else:
        _record(rows, row, (lambda: failed(row)) if failed is not None else None)
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
    object_type: str = "",
    object_id: object = "",
) -> OutboxMessage:
    """Queue an e-mail inside the caller's transaction. With nobody to send to, the message is
    stored as failed at once, saying so: never silently dropped. A ``purpose`` in
    :data:`COMPOSERS` has its body composed as it is sent (``body`` is then left empty)."""
    addresses = clean_addresses(to)
    message = OutboxMessage.objects.of_clinic(clinic_id).create(
        purpose=purpose,
        alert=alert,
        object_type=object_type,
        object_id=str(object_id),
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


def _compose(message: OutboxMessage) -> Outgoing:
    if message.purpose in COMPOSERS:
        compose: Callable[[OutboxMessage], Outgoing] = import_string(COMPOSERS[message.purpose])
        return compose(message)
    return Outgoing(EmailMessage(subject=message.subject, body=message.body, to=list(message.to)))


def message_attempt(message_id: int) -> str:
    """One attempt to send (the worker's task), safe to run again. Returns the status it
    leaves. A message already sent, failed or cancelled, or whose next attempt is not due yet,
    is left alone."""
    from filiform.notices.tasks import messages_to_send

    return send_recorded(
        messages_to_send(),
        message_id,
        compose=_compose,
        retry=lambda m: message_enqueue(m, run_after=m.next_attempt_at),
    )


IN_FLIGHT = (MessageStatus.QUEUED, MessageStatus.SENDING, MessageStatus.RETRYING)


class StillOnItsWay(ValidationError):
    """ "Send again" refused: an e-mail of the same thing is still queued, being sent or waiting
    for its next attempt, and a second one could arrive twice (the API answers 409)."""


def messages_about(object_type: str, records: Sequence[Any]) -> dict[int, OutboxMessage]:
    """The latest message about each record (by its id): its delivery status. The records are
    one clinic's (the caller found them through the door); the messages are read in it."""
    latest: dict[int, OutboxMessage] = {}
    clinics = {record.clinic_id for record in records}
    if not clinics:
        return latest
    if len(clinics) > 1:
        raise ValueError("messages_about: the records are of more than one clinic")
    for message in (
        OutboxMessage.objects.of_clinic(clinics.pop())
        .filter(object_type=object_type, object_id__in=[str(record.pk) for record in records])
        .order_by("created_at", "id")
    ):
        latest[int(message.object_id)] = message
    return latest


@transaction.atomic
def message_send_again(message: OutboxMessage, *, to: Sequence[str] | None = None) -> OutboxMessage:
    """A new message like ``message`` (failed, or sent but not received), queued now, to the
    same addresses or to ``to``; the old one stays as it was, with its attempts. Refused
    (:class:`StillOnItsWay`) while ``message`` is on its way. The caller checks permission and
    audits."""
    if message.status in IN_FLIGHT:
        raise StillOnItsWay(
            _("The e-mail is still on its way: %(status)s.")
            % {"status": message.get_status_display().lower()}
        )
    return message_queue(
        clinic_id=message.clinic_id,
        purpose=message.purpose,
        to=message.to if to is None else to,
        subject=message.subject,
        body=message.body,
        alert=message.alert,
        object_type=message.object_type,
        object_id=message.object_id,
    )
