"""What the safety-alert API reads and writes."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from filiform.api_types import Text
from filiform.notices.models import OutboxMessage, SafetyAlert
from filiform.notices.safety import NOTE_MAX, NOTE_MIN


class EmailDeliveryOut(Schema):
    """Where an e-mail is: its status, and why it has not gone when it has not."""

    status: str = Field(description="queued, sending, retrying, sent, failed or cancelled")
    status_label: str
    attempts: int
    last_error: str = Field(
        description="Why it has not gone (yet), in plain words; empty when nothing went wrong"
    )
    sent_at: dt.datetime | None
    next_attempt_at: dt.datetime | None = Field(description="When it is tried again (retrying)")

    @staticmethod
    def of(message: OutboxMessage) -> EmailDeliveryOut:
        return EmailDeliveryOut(
            status=message.status,
            status_label=str(message.get_status_display()),
            attempts=message.attempts,
            last_error=message.reason,
            sent_at=message.sent_at,
            next_attempt_at=message.next_attempt_at,
        )


class MessageOut(Schema):
    id: int
    to: list[str]
    subject: str
    status: str = Field(description="queued, sending, retrying, sent, failed or cancelled")
    status_label: str
    attempts: int
    last_error: str = Field(description="Why it has not gone (yet), in plain words")
    next_attempt_at: dt.datetime | None
    created_at: dt.datetime
    sent_at: dt.datetime | None

    @staticmethod
    def of(message: OutboxMessage) -> MessageOut:
        return MessageOut(
            id=message.pk,
            to=[str(a) for a in message.to or []],
            subject=message.subject,
            status=message.status,
            status_label=str(message.get_status_display()),
            attempts=message.attempts,
            last_error=message.reason,
            next_attempt_at=message.next_attempt_at,
            created_at=message.created_at,
            sent_at=message.sent_at,
        )


class SafetyAlertOut(Schema):
    id: int
    kind: str = Field(description="needle_incident, adverse_event or lot_recall")
    kind_label: str
    summary: str
    link: str = Field(description="Where to see what happened, on this site")
    object_type: str
    object_id: str
    patient_id: int | None
    raised_at: dt.datetime
    raised_by: str | None
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    acknowledgement_note: str
    messages: list[MessageOut]

    @staticmethod
    def of(alert: SafetyAlert) -> SafetyAlertOut:
        return SafetyAlertOut(
            id=alert.pk,
            kind=alert.kind,
            kind_label=str(alert.get_kind_display()),
            summary=alert.summary,
            link=alert.link,
            object_type=alert.object_type,
            object_id=alert.object_id,
            patient_id=alert.patient_id,
            raised_at=alert.raised_at,
            raised_by=alert.raised_by.display_name if alert.raised_by else None,
            acknowledged_at=alert.acknowledged_at,
            acknowledged_by=alert.acknowledged_by.display_name if alert.acknowledged_by else None,
            acknowledgement_note=alert.acknowledgement_note,
            messages=[MessageOut.of(m) for m in alert.messages.all()],
        )


class AcknowledgeIn(Schema):
    note: Text = Field(
        ...,
        max_length=NOTE_MAX,
        description=f"What was done or decided (at least {NOTE_MIN} characters)",
    )
