"""The billing API's shapes. Money travels as text with two decimals ("110.00"), never as a
JSON number: an input amount is a string parsed by ``money.parse_amount`` (a number is refused
with 422, because a binary float cannot hold most cents exactly), and every amount read back
is a string. Input schemas only parse and bound; the services decide every rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from filiform.api_types import IsoDate, Text
from filiform.billing.models import (
    CreditNote,
    DailyClose,
    Invoice,
    InvoiceLine,
    Payment,
    Service,
    WriteOff,
)
from filiform.billing.selectors import Takings

MAX_ID = 2**62
AMOUNT = 'Dollars and cents as text, e.g. "110.00" (a JSON number is refused)'
KEY = (
    "One-time key (8 to 64 characters) for this entry; or send it as the Idempotency-Key "
    "header. The same key again returns the first entry and applies nothing."
)


def cents(value: Decimal) -> str:
    """An amount as text with two decimals (Decimal formatting: exact, no float)."""
    return f"{Decimal(value):.2f}"


# --- input -------------------------------------------------------------------------------------


class FeeIn(Schema):
    code: Text = Field(..., max_length=30, description="Short code, e.g. ims")
    name: Text = Field(..., max_length=120, description="The name as it reads on invoices")
    kind: Text = Field(..., max_length=12, description="assessment, treatment, needling or other")
    duration_minutes: int = Field(..., ge=5, le=480)
    fee: Text = Field(..., max_length=20, description=AMOUNT)
    taxable: bool = False
    tax_rate: Text = Field("0", max_length=10, description='Percent as text, e.g. "13"')
    province: Text = Field("", max_length=2, description="Two letters, or empty for every one")
    effective_from: IsoDate | None = Field(None, description="In force from (today if absent)")
    active: bool = Field(True, description="False retires the service from this date")


class InvoiceVisitIn(Schema):
    service_codes: list[Text] | None = Field(
        None,
        max_length=20,
        description="Fee schedule codes to bill; absent: the visit's usual service",
    )
    issue: bool = Field(True, description="Issue at once (takes the next number)")


class VoidIn(Schema):
    reason: Text = Field(..., max_length=300)


class PaymentIn(Schema):
    amount: Text = Field(..., max_length=20, description=AMOUNT)
    method: Text = Field(..., max_length=20, description="cash, debit, credit_card or e_transfer")
    reference: Text = Field("", max_length=100)
    idempotency_key: Text | None = Field(None, max_length=64, description=KEY)


class RefundIn(Schema):
    amount: Text = Field(..., max_length=20, description=AMOUNT)
    reason: Text = Field(..., max_length=300)
    method: Text | None = Field(None, max_length=20, description="Default: the payment's")
    idempotency_key: Text | None = Field(None, max_length=64, description=KEY)


class AdjustmentIn(Schema):
    amount: Text = Field(..., max_length=20, description=AMOUNT)
    reason: Text = Field(..., max_length=300)
    idempotency_key: Text | None = Field(None, max_length=64, description=KEY)


class CloseIn(Schema):
    business_date: IsoDate
    counted_cash: Text = Field(..., max_length=20, description=AMOUNT)
    location_id: int | None = Field(None, ge=1, le=MAX_ID)
    note: Text = Field("", max_length=300)


# --- output ------------------------------------------------------------------------------------


class FeeOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    duration_minutes: int
    fee: str
    taxable: bool
    tax_rate: str
    province: str
    active: bool
    effective_from: dt.date

    @staticmethod
    def of(service: Service) -> FeeOut:
        return FeeOut(
            id=service.pk,
            code=service.code,
            name=service.name,
            kind=service.kind,
            duration_minutes=service.duration_minutes,
            fee=cents(service.fee),
            taxable=service.taxable,
            tax_rate=f"{Decimal(service.tax_rate):.3f}",
            province=service.province,
            active=service.is_active,
            effective_from=service.effective_from,
        )


class LineOut(Schema):
    order: int
    service_code: str
    description: str
    quantity: int
    unit_fee: str
    tax_rate: str
    amount: str
    tax: str

    @staticmethod
    def of(line: InvoiceLine) -> LineOut:
        return LineOut(
            order=line.order,
            service_code=line.service.code,
            description=line.description,
            quantity=line.quantity,
            unit_fee=cents(line.unit_fee),
            tax_rate=f"{Decimal(line.tax_rate):.3f}",
            amount=cents(line.amount),
            tax=cents(line.tax),
        )


class PaymentOut(Schema):
    id: int
    invoice_id: int
    kind: str
    method: str
    amount: str
    refund_of_id: int | None
    received_at: dt.datetime
    business_date: dt.date
    reference: str
    reason: str
    location_id: int | None

    @staticmethod
    def of(payment: Payment) -> PaymentOut:
        return PaymentOut(
            id=payment.pk,
            invoice_id=payment.invoice_id,
            kind=payment.kind,
            method=payment.method,
            amount=cents(payment.amount),
            refund_of_id=payment.refund_of_id,
            received_at=payment.received_at,
            business_date=payment.business_date,
            reference=payment.reference,
            reason=payment.reason,
            location_id=payment.location_id,
        )


class AdjustmentOut(Schema):
    id: int
    invoice_id: int
    amount: str
    reason: str
    created_at: dt.datetime

    @staticmethod
    def of(row: CreditNote | WriteOff) -> AdjustmentOut:
        return AdjustmentOut(
            id=row.pk,
            invoice_id=row.invoice_id,
            amount=cents(row.amount),
            reason=row.reason,
            created_at=row.created_at,
        )


class InvoiceSummaryOut(Schema):
    id: int
    number: int | None
    display_number: str
    status: str
    bill_to: str
    patient_id: int
    visit_id: int | None
    province: str
    date_of_service: dt.date
    subtotal: str
    tax: str
    total: str
    paid: str
    refunded: str
    credited: str
    insurer_paid: str
    written_off: str
    balance: str
    issued_at: dt.datetime | None
    voided_at: dt.datetime | None
    void_reason: str

    @staticmethod
    def fields_of(invoice: Invoice) -> dict[str, object]:
        return {
            "id": invoice.pk,
            "number": invoice.number,
            "display_number": invoice.display_number,
            "status": invoice.status,
            "bill_to": invoice.bill_to,
            "patient_id": invoice.patient_id,
            "visit_id": invoice.visit_id,
            "province": invoice.province,
            "date_of_service": invoice.date_of_service,
            "subtotal": cents(invoice.subtotal),
            "tax": cents(invoice.tax),
            "total": cents(invoice.total),
            "paid": cents(invoice.paid),
            "refunded": cents(invoice.refunded),
            "credited": cents(invoice.credited),
            "insurer_paid": cents(invoice.insurer_paid),
            "written_off": cents(invoice.written_off),
            "balance": cents(invoice.balance),
            "issued_at": invoice.issued_at,
            "voided_at": invoice.voided_at,
            "void_reason": invoice.void_reason,
        }

    @staticmethod
    def of(invoice: Invoice) -> InvoiceSummaryOut:
        return InvoiceSummaryOut(**InvoiceSummaryOut.fields_of(invoice))  # type: ignore[arg-type]


class InvoiceOut(InvoiceSummaryOut):
    """An invoice with its lines, payments and refunds, credits and write-offs. It balances:
    total = paid - refunded + credited + insurer_paid + written_off + balance."""

    lines: list[LineOut]
    payments: list[PaymentOut]
    credits: list[AdjustmentOut]
    write_offs: list[AdjustmentOut]

    @staticmethod
    def full(invoice: Invoice) -> InvoiceOut:
        return InvoiceOut(
            **InvoiceSummaryOut.fields_of(invoice),  # type: ignore[arg-type]
            lines=[LineOut.of(line) for line in invoice.lines.select_related("service")],
            payments=[PaymentOut.of(p) for p in invoice.payments.all()],
            credits=[AdjustmentOut.of(c) for c in invoice.credits.all()],
            write_offs=[AdjustmentOut.of(w) for w in invoice.write_offs.all()],
        )


class TakingsOut(Schema):
    business_date: dt.date
    location_id: int | None
    by_method: dict[str, str]
    payments_total: str
    refunds_total: str
    net_total: str
    cash_expected: str
    payment_count: int
    closed: bool

    @staticmethod
    def of(takings: Takings, *, closed: bool) -> TakingsOut:
        return TakingsOut(
            business_date=takings.business_date,
            location_id=takings.location_id,
            by_method={m: cents(a) for m, a in takings.by_method.items()},
            payments_total=cents(takings.payments_total),
            refunds_total=cents(takings.refunds_total),
            net_total=cents(takings.net_total),
            cash_expected=cents(takings.cash_expected),
            payment_count=takings.payment_count,
            closed=closed,
        )


class CloseOut(Schema):
    id: int
    business_date: dt.date
    location_id: int | None
    totals: dict[str, str]
    payments_total: str
    refunds_total: str
    net_total: str
    cash_expected: str
    counted_cash: str
    cash_difference: str
    payment_count: int
    note: str
    closed_at: dt.datetime

    @staticmethod
    def of(close: DailyClose) -> CloseOut:
        return CloseOut(
            id=close.pk,
            business_date=close.business_date,
            location_id=close.location_id,
            totals={str(k): str(v) for k, v in dict(close.totals).items()},
            payments_total=cents(close.payments_total),
            refunds_total=cents(close.refunds_total),
            net_total=cents(close.net_total),
            cash_expected=cents(close.cash_expected),
            counted_cash=cents(close.counted_cash),
            cash_difference=cents(close.cash_difference),
            payment_count=close.payment_count,
            note=close.note,
            closed_at=close.closed_at,
        )
