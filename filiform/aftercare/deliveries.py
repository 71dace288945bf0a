"""Messages to patients and clinicians, and their delivery status.

A Delivery row is written in the same transaction as what it announces, and so is its worker
task (the task queue is a database table: no ``on_commit`` hand-off a crash could lose); then
the worker sends it (in two recorded steps, so a worker killed mid-send never sends twice). If the
mail server is down the attempt is recorded, the status says
"retrying", and the task runs again later; after the last attempt the status says "failed:
deliver in person" and a check-in goes to the front desk's call list. Nothing is lost on the
way. The retry schedule and the attempt bookkeeping are the outbox's
(:mod:`filiform.notices.outbox`), shared with the staff safety alerts.
A patient without an e-mail address, or who has not agreed to e-mail, gets no e-mail at all:
the delivery says "deliver in person" from the start."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.aftercare.models import (
    Channel,
    CheckIn,
    CheckInStatus,
    Delivery,
    DeliveryStatus,
    MessageKind,
)
from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.notices.outbox import MAX_ATTEMPTS as MAX_ATTEMPTS  # one schedule for all
from filiform.notices.outbox import RETRY_MINUTES as RETRY_MINUTES
from filiform.notices.outbox import Outgoing, send_recorded
from filiform.patients.models import Patient


def patient_email_or_reason(patient: Patient) -> tuple[str, str]:
    """(address, "") when the patient can be e-mailed, else ("", why not)."""
    if not patient.email:
        return "", _("No e-mail address on file")
    if not patient.email_ok:
        return "", _("The patient has not agreed to e-mail")
    return patient.email, ""


def delivery_to_patient(
    *,
    patient: Patient,
    kind: MessageKind,
    sheet_id: int | None = None,
    check_in_id: int | None = None,
    measure_request_id: int | None = None,
) -> Delivery:
    """A message to the patient: queued for e-mail, or "deliver in person" with the reason."""
    address, why_not = patient_email_or_reason(patient)
    delivery = Delivery.objects.of_clinic(patient.clinic_id).create(
        patient=patient,
        kind=kind,
        channel=Channel.EMAIL if address else Channel.IN_PERSON,
        to=[address] if address else [],
        why_in_person=why_not,
        status=DeliveryStatus.QUEUED if address else DeliveryStatus.IN_PERSON,
        sheet_id=sheet_id,
        check_in_id=check_in_id,
        measure_request_id=measure_request_id,
    )
    if address:
        delivery_enqueue(delivery)
    return delivery


def delivery_to_staff(
    *, patient: Patient, kind: MessageKind, to: Sequence[str], alert_id: int
) -> Delivery | None:
    addresses = sorted({a for a in to if a})
    if not addresses:
        return None
    delivery = Delivery.objects.of_clinic(patient.clinic_id).create(
        patient=patient,
        kind=kind,
        channel=Channel.EMAIL,
        to=addresses,
        alert_id=alert_id,
    )
    delivery_enqueue(delivery)
    return delivery


def delivery_enqueue(delivery: Delivery, *, run_after: dt.datetime | None = None) -> None:
    from filiform.aftercare.tasks import deliver

    task = deliver.using(run_after=run_after) if run_after else deliver
    task.enqueue(delivery_id=delivery.pk)  # in the caller's transaction, with the delivery


# The messages of deliveries that other apps queue (outcomes: the questionnaires before a visit),
# by kind, registered in their AppConfig.ready: outcomes imports aftercare, so aftercare must not
# import it back (docs/architecture.md, layers).
_composers: dict[str, Callable[[Delivery], EmailMultiAlternatives]] = {}


def register_message(
    kind: MessageKind, compose: Callable[[Delivery], EmailMultiAlternatives]
) -> None:
    _composers[kind] = compose


def _message(delivery: Delivery) -> EmailMultiAlternatives:
    from filiform.aftercare import messages

    if delivery.kind == MessageKind.AFTERCARE:
        assert delivery.sheet_id is not None
        return messages.sheet_message(delivery)
    if delivery.kind == MessageKind.CHECK_IN:
        return messages.check_in_message(delivery)
    if delivery.kind == MessageKind.RED_FLAG:
        return messages.red_flag_message(delivery)
    return _composers[delivery.kind](delivery)


def delivery_attempt(delivery_id: int) -> str:
    """One attempt to send (the worker's task), safe to run again after a crash (the outbox's
    two-step record). Returns the status it leaves."""
    from filiform.aftercare.tasks import deliveries_to_send

    return send_recorded(
        deliveries_to_send().select_related("clinic", "patient"),
        delivery_id,
        compose=lambda delivery: Outgoing(_message(delivery)),
        retry=lambda delivery: delivery_enqueue(delivery, run_after=delivery.next_attempt_at),
        failed=_failed,
    )


def _failed(delivery: Delivery) -> None:
    """An e-mail that never went: a check-in becomes a call for the front desk."""
    if delivery.kind == MessageKind.CHECK_IN and delivery.check_in_id:
        CheckIn.objects.of_clinic(delivery.clinic_id).filter(
            pk=delivery.check_in_id, status=CheckInStatus.SENT
        ).update(status=CheckInStatus.CALL)


@transaction.atomic
def delivery_handed_over(*, access: Access, delivery_id: int) -> Delivery:
    """The front desk gave the printed sheet to the patient (no e-mail, or e-mail failed)."""
    delivery = clinic_get(
        access, Delivery, delivery_id, permission=Permission.PATIENT_EDIT, for_update=True
    )
    if delivery.kind != MessageKind.AFTERCARE or delivery.status not in (
        DeliveryStatus.IN_PERSON,
        DeliveryStatus.FAILED,
        DeliveryStatus.RETRYING,
    ):
        raise ValidationError(
            _("Only an aftercare sheet waiting to be handed over can be marked as handed over.")
        )
    delivery.status, delivery.sent_at, delivery.handed_over_by = (
        DeliveryStatus.HANDED_OVER,
        timezone.now(),
        access.user,
    )
    delivery.next_attempt_at = None
    delivery.save()
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="delivery",
        object_id=delivery.pk,
        patient_id=delivery.patient_id,
        detail={"handed_over": True},
    )
    return delivery
