"""Money against an invoice: payments at the desk, refunds, credits and write-offs.

Each keeps the invoice balancing: total = paid - refunded + credited + insurer paid +
written off + balance, with the balance never below zero (the database checks it too, see
``Invoice`` constraint ``invoice_balances``). The invoice row is locked (SELECT … FOR UPDATE)
and its balance re-read before anything is applied, so two payments arriving at once cannot
together pay more than is owed: the second waits for the first and is then told the new
balance. Every write carries an idempotency key (unique per clinic): the same form submitted
twice returns the first record and applies nothing again.

Who: payments at the desk (PATIENT_EDIT or BILLING); refunds, credits and write-offs need
BILLING. Refunds and payments land on the business day they happen (clinic time zone); once
that day is closed they count on the next day, so a closed day's takings never change.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.billing.models import (
    DESK_METHODS,
    CreditNote,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentKind,
    PaymentMethod,
    WriteOff,
)
from filiform.billing.money import ZERO, format_cad, parse_amount
from filiform.billing.selectors import (
    business_date_of,
    checked_write,
    clinic_today,
    day_is_closed,
    invoice_of_clinic,
    payment_of_clinic,
    require_billing,
    require_desk,
)
from filiform.clinics.access import Access, Permission
from filiform.clinics.models import Location
from filiform.typed_text import typed_text

Row = TypeVar("Row", Payment, CreditNote, WriteOff)
Adjustment = TypeVar("Adjustment", CreditNote, WriteOff)


def _key(value: Any) -> str:
    key = typed_text(value, 64)
    if len(key) < 8:
        raise ValidationError(
            {"idempotency_key": _("Send the form's one-time key (8 to 64 characters).")}
        )
    return key


def _already(model: type[Row], *, access: Access, key: str) -> Row | None:
    return model.objects.of(access).filter(idempotency_key=key).first()


def _same_request(row: Any, *, invoice_id: int, amount: Decimal) -> Any:
    if row.invoice_id != invoice_id or row.amount != amount:
        raise ValidationError(
            {"idempotency_key": _("This key was already used for a different entry.")}
        )
    return row


def _settle(invoice: Invoice) -> None:
    """Status follows the balance: nothing owed is paid, something owed is issued."""
    if invoice.status in (InvoiceStatus.ISSUED, InvoiceStatus.PAID):
        invoice.status = InvoiceStatus.PAID if invoice.balance == 0 else InvoiceStatus.ISSUED
    invoice.save(
        update_fields=[
            "paid",
            "refunded",
            "credited",
            "insurer_paid",
            "written_off",
            "balance",
            "status",
        ]
    )


def _entered_once(model: type[Row], invoice: Invoice, **fields: Any) -> Row:
    """A money row of ``invoice`` (found in the acting clinic, so in its clinic) under its
    one-time key. The key taken meanwhile (by another entry, between the look-up and now) is
    refused; nothing else is written."""
    try:
        with transaction.atomic():
            return model.objects.create(clinic_id=invoice.clinic_id, invoice=invoice, **fields)
    except IntegrityError:
        raise ValidationError(
            {"idempotency_key": _("This key was already used for a different entry.")}
        ) from None


def _open_invoice(access: Access, invoice_id: int, *, what: str) -> Invoice:
    invoice = invoice_of_clinic(access=access, invoice_id=invoice_id, for_update=True)
    if invoice.status == InvoiceStatus.VOID:
        raise ValidationError(_("This invoice is void: nothing can be %(what)s.") % {"what": what})
    if invoice.status == InvoiceStatus.DRAFT:
        raise ValidationError(_("Issue the invoice first."))
    return invoice


def _not_above_balance(invoice: Invoice, amount: Decimal) -> None:
    if amount > invoice.balance:
        raise ValidationError(
            {
                "amount": _("That is more than is owed: the balance is %(b)s.")
                % {"b": format_cad(invoice.balance)}
            }
        )


def _location(access: Access, location_id: int | None) -> int | None:
    if location_id is None:
        return None
    if not Location.objects.of(access).filter(pk=location_id, is_active=True).exists():
        raise ValidationError({"location_id": _("Choose one of the clinic's open locations.")})
    return location_id


def _business_date(
    access: Access, *, location_id: int | None, received_at: dt.datetime | None
) -> tuple[dt.datetime, dt.date]:
    """When money moved and the business day whose close counts it. Today's money after
    today's close counts tomorrow; money dated to an earlier, closed day is refused."""
    now = timezone.now()
    if received_at is None:
        received_at = now
    elif not isinstance(received_at, dt.datetime) or received_at.tzinfo is None:
        raise ValidationError({"received_at": _("Give the date and time it was received.")})
    elif received_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"received_at": _("That is in the future.")})
    day = business_date_of(access.clinic, received_at)
    today = clinic_today(access.clinic)
    if day_is_closed(access=access, location_id=location_id, day=day):
        if day < today:
            raise ValidationError(
                {
                    "received_at": _(
                        "%(d)s is closed: record it today; it will count in today's close."
                    )
                    % {"d": day}
                }
            )
        day = today + dt.timedelta(days=1)
    return received_at, day


@checked_write(require_desk)
def payment_record(
    *,
    access: Access,
    invoice_id: int,
    amount: Any,
    method: str,
    idempotency_key: str,
    reference: str = "",
    received_at: dt.datetime | None = None,
    location_id: int | None = None,
) -> Payment:
    """A payment received at the desk (cash, debit, credit card, e-transfer): recorded, not
    processed. Partial payments are fine; more than the balance is refused, naming the
    balance. The same idempotency key again returns the first payment unchanged."""
    require_desk(access)
    key = _key(idempotency_key)
    value = parse_amount(amount)
    if method not in DESK_METHODS:
        raise ValidationError(
            {"method": _("The method is cash, debit, credit card or e-transfer.")}
        )
    invoice = _open_invoice(access, invoice_id, what=_("paid"))
    # After the lock: a double submit waiting behind its twin now sees the twin's payment.
    first = _already(Payment, access=access, key=key)
    if first is not None:
        return _same_request(first, invoice_id=invoice.pk, amount=value)
    if invoice.balance == 0:
        raise ValidationError(_("This invoice is paid: the balance is $0.00."))
    _not_above_balance(invoice, value)
    location = _location(access, location_id)
    moment, day = _business_date(access, location_id=location, received_at=received_at)
    payment = _entered_once(
        Payment,
        invoice,
        kind=PaymentKind.PAYMENT,
        method=method,
        amount=value,
        received_at=moment,
        business_date=day,
        location_id=location,
        reference=typed_text(reference, 100),
        recorded_by=access.user,
        idempotency_key=key,
    )
    invoice.paid += value
    invoice.balance -= value
    _settle(invoice)
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="payment",
        object_id=payment.pk,
        patient_id=invoice.patient_id,
        detail={"invoice": invoice.pk, "amount": str(value), "method": method},
    )
    return payment


@checked_write(require_billing)
def refund_record(
    *,
    access: Access,
    payment_id: int,
    amount: Any,
    reason: str,
    idempotency_key: str,
    method: str | None = None,
    location_id: int | None = None,
) -> Payment:
    """Give back (part of) a payment (BILLING), by its method unless another is named. Never
    more than what is left of that payment; the invoice's balance goes back up by the amount.
    The refund counts in today's close, whatever day the payment was."""
    access.require(Permission.BILLING)
    key = _key(idempotency_key)
    value = parse_amount(amount)
    reason = typed_text(reason, 300)
    if not reason:
        raise ValidationError({"reason": _("Say why the money is given back.")})
    original = payment_of_clinic(access=access, payment_id=payment_id).invoice_id
    invoice = invoice_of_clinic(access=access, invoice_id=original, for_update=True)
    first = _already(Payment, access=access, key=key)
    if first is not None:
        return _same_request(first, invoice_id=invoice.pk, amount=value)
    payment = payment_of_clinic(access=access, payment_id=payment_id)  # again, under the lock
    refunded = payment.refunds.aggregate(s=models.Sum("amount"))["s"] or ZERO
    left = payment.amount - refunded
    if value > left:
        raise ValidationError(
            {
                "amount": _("Only %(left)s of this payment is left to refund.")
                % {"left": format_cad(left)}
            }
        )
    method = method or payment.method
    if method not in DESK_METHODS:
        raise ValidationError(
            {"method": _("The method is cash, debit, credit card or e-transfer.")}
        )
    location = _location(access, location_id if location_id is not None else payment.location_id)
    moment, day = _business_date(access, location_id=location, received_at=None)
    refund = _entered_once(
        Payment,
        invoice,
        kind=PaymentKind.REFUND,
        method=method,
        amount=value,
        refund_of=payment,
        received_at=moment,
        business_date=day,
        location_id=location,
        reason=reason,
        recorded_by=access.user,
        idempotency_key=key,
    )
    invoice.refunded += value
    invoice.balance += value
    _settle(invoice)
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="refund",
        object_id=refund.pk,
        patient_id=invoice.patient_id,
        detail={"invoice": invoice.pk, "payment": payment.pk, "amount": str(value)},
    )
    return refund


def _adjust(
    model: type[Adjustment],
    *,
    access: Access,
    invoice_id: int,
    amount: Any,
    reason: str,
    idempotency_key: str,
    field: str,
    object_type: str,
    why: str,
) -> Adjustment:
    access.require(Permission.BILLING)
    key = _key(idempotency_key)
    value = parse_amount(amount)
    reason = typed_text(reason, 300)
    if not reason:
        raise ValidationError({"reason": why})
    invoice = _open_invoice(access, invoice_id, what=_("credited or written off"))
    first = _already(model, access=access, key=key)
    if first is not None:
        return _same_request(first, invoice_id=invoice.pk, amount=value)
    _not_above_balance(invoice, value)
    row = _entered_once(
        model,
        invoice,
        amount=value,
        reason=reason,
        created_by=access.user,
        idempotency_key=key,
    )
    setattr(invoice, field, getattr(invoice, field) + value)
    invoice.balance -= value
    _settle(invoice)
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type=object_type,
        object_id=row.pk,
        patient_id=invoice.patient_id,
        detail={"invoice": invoice.pk, "amount": str(value)},
    )
    return row


@checked_write(require_billing)
def credit_apply(
    *, access: Access, invoice_id: int, amount: Any, reason: str, idempotency_key: str
) -> CreditNote:
    """A credit note against what the patient owes (BILLING); never more than the balance."""
    return _adjust(
        CreditNote,
        access=access,
        invoice_id=invoice_id,
        amount=amount,
        reason=reason,
        idempotency_key=idempotency_key,
        field="credited",
        object_type="credit_note",
        why=_("Say what the credit is for."),
    )


@checked_write(require_billing)
def write_off(
    *, access: Access, invoice_id: int, amount: Any, reason: str, idempotency_key: str
) -> WriteOff:
    """Stop collecting (part of) a balance (BILLING), with the reason; never more than the
    balance."""
    return _adjust(
        WriteOff,
        access=access,
        invoice_id=invoice_id,
        amount=amount,
        reason=reason,
        idempotency_key=idempotency_key,
        field="written_off",
        object_type="write_off",
        why=_("Say why the balance is written off."),
    )


@checked_write(require_desk)
def insurer_payment_record(
    *,
    access: Access,
    invoice_id: int,
    amount: Any,
    idempotency_key: str,
    reference: str = "",
) -> Payment:
    """What an insurer pays on an invoice after adjudicating a claim (direct billing): a
    Payment with method ``insurer``, counted in ``invoice.insurer_paid`` (not in ``paid``), so
    it is never desk takings (``selectors.takings`` and the daily close leave it out).

    Called by the claims service (``insurance.claims``) inside its own transaction, with the
    same locking as desk payments: never more than the balance, once per key (the claims
    service uses one key per claim). Who: the claims service decides (billing staff typing
    the insurer's answer, or a desk user whose submission the insurer adjudicated at once);
    here the desk permission is the floor."""
    require_desk(access)
    key = _key(idempotency_key)
    value = parse_amount(amount)
    invoice = _open_invoice(access, invoice_id, what=_("paid"))
    first = _already(Payment, access=access, key=key)
    if first is not None:
        return _same_request(first, invoice_id=invoice.pk, amount=value)
    _not_above_balance(invoice, value)
    moment, day = _business_date(access, location_id=None, received_at=None)
    payment = _entered_once(
        Payment,
        invoice,
        kind=PaymentKind.PAYMENT,
        method=PaymentMethod.INSURER,
        amount=value,
        received_at=moment,
        business_date=day,
        reference=typed_text(reference, 100),
        recorded_by=access.user,
        idempotency_key=key,
    )
    invoice.insurer_paid += value
    invoice.balance -= value
    _settle(invoice)
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="insurer_payment",
        object_id=payment.pk,
        patient_id=invoice.patient_id,
        detail={"invoice": invoice.pk, "amount": str(value), "reference": payment.reference},
    )
    return payment
