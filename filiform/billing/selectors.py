"""Reads for billing: an invoice's balance recomputed from its rows, the acting clinic's
invoices (404 for another clinic's), the fee schedule, and a day's takings. Reads that show
a patient's invoices are audited."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from filiform.audit.services import AuditAction, audit_access
from filiform.billing.models import (
    CreditNote,
    DailyClose,
    Invoice,
    Payment,
    PaymentKind,
    PaymentMethod,
    Service,
    WriteOff,
)
from filiform.billing.money import ZERO
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.clinics.models import Clinic


def require_desk(access: Access) -> None:
    """Invoicing a visit and taking a payment at the desk: front desk and clinicians
    (PATIENT_EDIT) as well as billing staff and owners (BILLING). Refunds, credits, write-offs,
    voids, the daily close and the fee schedule need BILLING."""
    if access.may_take_payment:  # the role rule, in clinics/access.py
        return
    access.require(Permission.BILLING)  # audits the refusal and raises


def require_billing(access: Access) -> None:
    access.require(Permission.BILLING)


P = ParamSpec("P")
R = TypeVar("R")


def checked_write(
    check: Callable[[Access], None],
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A billing write: the permission is checked before the transaction opens, so a refusal's
    audit entry is not rolled back with it; then the service runs in one transaction."""

    def decorate(service: Callable[P, R]) -> Callable[P, R]:
        atomic_service = transaction.atomic(service)

        @functools.wraps(service)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            access = kwargs["access"]
            assert isinstance(access, Access)
            check(access)
            return atomic_service(*args, **kwargs)

        return run

    return decorate


@dataclass(frozen=True)
class Balance:
    """The balance equation of one invoice:
    total = paid - refunded + credited + insurer_paid + written_off + balance."""

    total: Decimal
    paid: Decimal
    refunded: Decimal
    credited: Decimal
    insurer_paid: Decimal
    written_off: Decimal
    balance: Decimal

    @property
    def balances(self) -> bool:
        return self.total == (
            self.paid
            - self.refunded
            + self.credited
            + self.insurer_paid
            + self.written_off
            + self.balance
        )


def _sum(queryset: QuerySet[Payment] | QuerySet[CreditNote] | QuerySet[WriteOff]) -> Decimal:
    value = queryset.aggregate(s=Sum("amount"))["s"]
    return Decimal(value if value is not None else ZERO).quantize(Decimal("0.01"))


def invoice_balance(invoice: Invoice) -> Balance:
    """The invoice's balance recomputed from its payment, refund, credit and write-off rows
    (not from the running totals stored on it). A void invoice owes nothing."""
    # Through the invoice's own relations: the invoice was found in its clinic.
    paid = _sum(
        invoice.payments.filter(kind=PaymentKind.PAYMENT).exclude(method=PaymentMethod.INSURER)
    )
    insurer = _sum(invoice.payments.filter(kind=PaymentKind.PAYMENT, method=PaymentMethod.INSURER))
    refunded = _sum(invoice.payments.filter(kind=PaymentKind.REFUND))
    credited = _sum(invoice.credits.all())
    written_off = _sum(invoice.write_offs.all())
    total = invoice.total if invoice.status != "void" else ZERO
    balance = total - paid + refunded - credited - insurer - written_off
    return Balance(total, paid, refunded, credited, insurer, written_off, balance)


def invoice_check(invoice: Invoice) -> list[str]:
    """What is wrong with an invoice's stored totals, or [] (for tests and a nightly check)."""
    invoice.refresh_from_db()
    computed = invoice_balance(invoice)
    problems = []
    stored = {
        "paid": invoice.paid,
        "refunded": invoice.refunded,
        "credited": invoice.credited,
        "insurer_paid": invoice.insurer_paid,
        "written_off": invoice.written_off,
        "balance": invoice.balance,
    }
    for name, value in stored.items():
        if getattr(computed, name) != value:
            problems.append(f"{name}: stored {value}, computed {getattr(computed, name)}")
    if computed.balance < 0:
        problems.append(f"balance is negative: {computed.balance}")
    lines = list(invoice.lines.all())
    if invoice.subtotal != sum((line.amount for line in lines), ZERO):
        problems.append("subtotal is not the sum of the lines")
    if invoice.tax != sum((line.tax for line in lines), ZERO):
        problems.append("tax is not the sum of the lines' tax")
    if invoice.total != invoice.subtotal + invoice.tax:
        problems.append("total is not subtotal + tax")
    return problems


def invoice_of_clinic(*, access: Access, invoice_id: int, for_update: bool = False) -> Invoice:
    """The acting clinic's invoice, or 404. Not audited: its caller records what it did."""
    return clinic_get(access, Invoice, invoice_id, for_update=for_update)


def payment_of_clinic(*, access: Access, payment_id: int, for_update: bool = False) -> Payment:
    """The acting clinic's payment (not a refund: a refund is not refunded), or 404."""
    payments = Payment.objects.of(access).filter(kind=PaymentKind.PAYMENT)
    return clinic_get(access, payments, payment_id, for_update=for_update)


def invoice_get(*, access: Access, invoice_id: int) -> Invoice:
    """One invoice with its lines and payments, for reading (audited)."""
    require_desk(access)
    invoice = invoice_of_clinic(access=access, invoice_id=invoice_id)
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="invoice",
        object_id=invoice.pk,
        patient_id=invoice.patient_id,
    )
    return invoice


def invoices_of_patient(*, access: Access, patient_id: int) -> list[Invoice]:
    """A patient's invoices, newest first (audited)."""
    require_desk(access)
    invoices = list(Invoice.objects.of(access).filter(patient_id=patient_id))
    if not invoices:
        # an unknown or other clinic's patient: the same empty answer, nothing learned
        from filiform.patients.selectors import patient_of_clinic

        patient_of_clinic(access=access, patient_id=patient_id)
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="patient_invoices",
        object_id=patient_id,
        patient_id=patient_id,
        detail={"invoices": len(invoices)},
    )
    return invoices


def clinic_zone(clinic: Clinic) -> ZoneInfo:
    return ZoneInfo(clinic.time_zone)


def business_date_of(clinic: Clinic, moment: dt.datetime) -> dt.date:
    """The day a moment falls on in the clinic's own time zone."""
    return moment.astimezone(clinic_zone(clinic)).date()


def clinic_today(clinic: Clinic) -> dt.date:
    return business_date_of(clinic, timezone.now())


def day_is_closed(*, access: Access, location_id: int | None, day: dt.date) -> bool:
    """Whether takings at a location (or without one) on a day are already closed: by a
    clinic-wide close, or by that location's own close."""
    closes = DailyClose.objects.of(access).filter(business_date=day)
    if location_id is None:
        return closes.filter(location__isnull=True).exists()
    return closes.filter(Q(location__isnull=True) | Q(location_id=location_id)).exists()


@dataclass(frozen=True)
class Takings:
    business_date: dt.date
    location_id: int | None
    by_method: dict[str, Decimal]  # net of refunds, every desk method present
    payments_total: Decimal
    refunds_total: Decimal
    payment_count: int

    @property
    def net_total(self) -> Decimal:
        return self.payments_total - self.refunds_total

    @property
    def cash_expected(self) -> Decimal:
        return self.by_method.get(PaymentMethod.CASH, ZERO)


def takings(*, access: Access, business_date: dt.date, location_id: int | None) -> Takings:
    """Money through the desk on one business day (clinic time zone), per method, refunds
    deducted. Insurer payments are not desk takings and are left out."""
    rows = (
        Payment.objects.of(access)
        .filter(business_date=business_date)
        .exclude(method=PaymentMethod.INSURER)
    )
    if location_id is not None:
        rows = rows.filter(location_id=location_id)
    by_method: dict[str, Decimal] = {m.value: ZERO for m in PaymentMethod if m != "insurer"}
    payments_total = refunds_total = ZERO
    count = 0
    for row in rows.values("kind", "method", "amount"):
        amount = row["amount"]
        if row["kind"] == PaymentKind.REFUND:
            by_method[row["method"]] -= amount
            refunds_total += amount
        else:
            by_method[row["method"]] += amount
            payments_total += amount
            count += 1
    return Takings(business_date, location_id, by_method, payments_total, refunds_total, count)


def daily_takings(
    *, access: Access, business_date: dt.date, location_id: int | None = None
) -> Takings:
    """The day's takings so far, before closing (no patient data: not audited)."""
    access.require(Permission.BILLING)
    return takings(access=access, business_date=business_date, location_id=location_id)


def fee_schedule(*, access: Access, on: dt.date | None = None) -> list[Service]:
    """The services in force on a day (the latest version of each code and province), offered
    ones only. Every member may read the fee schedule."""
    access.require(Permission.PATIENT_VIEW)
    on = on or clinic_today(access.clinic)
    current: dict[tuple[str, str], Service] = {}
    versions = (
        Service.objects.of(access)
        .filter(effective_from__lte=on)
        .order_by("code", "province", "-effective_from", "-id")
    )
    for service in versions:
        current.setdefault((service.code, service.province), service)
    return [s for s in current.values() if s.is_active]
