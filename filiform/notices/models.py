"""Safety alerts for the clinic's staff, and the outbox that carries their e-mails.

A :class:`SafetyAlert` is written in the same transaction as the event it announces (a needle
unaccounted for, a significant or serious adverse event, a needle lot recalled) and stays on the
dashboard until a clinician or owner acknowledges it, with a note. Each e-mail about it is an
:class:`OutboxMessage`, written in that same transaction with its worker task; the worker sends
it, retrying with backoff while the mail server is down, and the message shows its status
(queued, retrying, sent, failed). Sending never closes an alert: only a person does.

This app is in the platform layer (with clinics, accounts, audit): it knows nothing of patients
or visits beyond the ids and the words the raising app gives it, so any app may raise alerts
and queue messages through it."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiform.clinics.door import ClinicScopedQuerySet

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


class AlertKind(models.TextChoices):
    NEEDLE_INCIDENT = "needle_incident", _("Needle unaccounted for")
    ADVERSE_EVENT = "adverse_event", _("Adverse event")
    LOT_RECALL = "lot_recall", _("Needle lot recalled")


class SafetyAlert(models.Model):
    """A safety event the clinic's clinicians must see, until one of them acknowledges it."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    summary = models.CharField(_("what happened"), max_length=300)  # no patient names
    link = models.CharField(max_length=300, blank=True)  # a path on this site, to what happened
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=40)
    # The patient concerned, when there is one: an id, not a foreign key, because this platform
    # app sits below the patient registry. Kept so that reads are audited against the patient.
    patient_id = models.PositiveBigIntegerField(null=True, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    acknowledgement_note = models.TextField(_("note"), blank=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-raised_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["clinic", "raised_at"],
                condition=models.Q(acknowledged_at__isnull=True),
                name="safety_alert_open",
            ),
        ]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=models.Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | models.Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="safety_alert_acknowledged_by_someone",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.summary}"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    RETRYING = "retrying", _("Retrying: mail server not reachable")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed: not delivered")
    CANCELLED = "cancelled", _("Not sent: no longer needed")


class OutboxMessage(models.Model):
    """One e-mail to send, with its attempts. Its text is fixed when it is queued: the row is
    what was (or will be) sent; except a message that carries a secret (a signing link, a link
    to choose a password), whose body is composed as it is sent so that the secret is never
    stored (``purpose`` names its composer, ``object_type``/``object_id`` what it is about)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=40)  # e.g. "safety_alert"
    object_type = models.CharField(max_length=40, blank=True)  # e.g. "consent_signing_request"
    object_id = models.CharField(max_length=40, blank=True)
    alert = models.ForeignKey(
        SafetyAlert, on_delete=models.PROTECT, related_name="messages", null=True, blank=True
    )
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(
        max_length=12, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_pending"),
            models.Index(fields=["object_type", "object_id"], name="outbox_about"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.get_status_display()})"

    @property
    def reason(self) -> str:
        """Why it did not go (yet), in plain words for staff: ``last_error`` holds the mail
        server's own words, which may be long, technical or carry other addresses."""
        return delivery_reason(self.last_error)


# The start of a recorded error (its exception's name, or the outbox's own sentence) → what
# staff are told. Anything unknown is a fault of ours, not the mail server's weather.
REASONS: tuple[tuple[tuple[str, ...], _StrPromise], ...] = (
    (
        ("No one to send to",),
        _("No one to send to: no active owner or clinician has an e-mail address."),
    ),
    (
        ("The worker stopped while sending",),
        _("Sending was interrupted: it may not have arrived, so it was not sent again on its own."),
    ),
    (("SMTPRecipientsRefused",), _("The mail server refused the recipient's address.")),
    (("SMTPSenderRefused",), _("The mail server refused the clinic's sending address.")),
    (("SMTPAuthenticationError",), _("The mail server refused Filiform's sign-in.")),
    (("SMTPDataError",), _("The mail server refused the message.")),
    (
        (
            "SMTPConnectError",
            "SMTPServerDisconnected",
            "ConnectionRefusedError",
            "ConnectionResetError",
            "TimeoutError",
            "gaierror",
            "OSError",
            "socket",
        ),
        _("The mail server could not be reached."),
    ),
)


def delivery_reason(last_error: str) -> str:
    """``last_error`` in plain words (see :attr:`OutboxMessage.reason`); empty when none."""
    if not last_error:
        return ""
    for starts, words in REASONS:
        if last_error.startswith(starts):
            return str(words)
    if last_error.startswith("SMTP"):
        return str(_("The mail server did not accept the message."))
    return str(
        _("It could not be sent because of a fault in Filiform (the worker's log says which).")
    )
