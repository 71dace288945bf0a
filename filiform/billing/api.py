"""The billing API: the fee schedule, invoices from signed visits, the receipt PDF, payments,
refunds, credits and write-offs, the day's takings and the daily close.

Each endpoint parses its input and calls one billing service or selector, which checks the
role and audits. The object named in the path is looked up first, so another clinic's id is
404 whatever the body says. Amounts are text ("110.00"): a JSON number is refused (422).
Money writes take a one-time key (``Idempotency-Key`` header, or ``idempotency_key`` in the
body): the same key again returns the first entry (200 instead of 201) and applies nothing.
"""

# No ``from __future__ import annotations`` here: django-ninja reads the enum-typed query
# parameters' annotations at import time.

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from filiform.api_errors import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS, Error
from filiform.api_idempotency import own_idempotency_key
from filiform.api_pagination import ClinicPages
from filiform.api_types import IsoDate
from filiform.audit.services import AuditAction, audit_access
from filiform.billing import close, fees, invoices, payments, receipts, selectors
from filiform.billing.models import (
    CreditNote,
    Invoice,
    InvoiceStatus,
    Payment,
    WriteOff,
)
from filiform.billing.schemas import (
    AdjustmentIn,
    AdjustmentOut,
    CloseIn,
    CloseOut,
    FeeIn,
    FeeOut,
    InvoiceOut,
    InvoiceSummaryOut,
    InvoiceVisitIn,
    PaymentIn,
    PaymentOut,
    RefundIn,
    TakingsOut,
    VoidIn,
)
from filiform.clinics.access import Access, api_access

router = Router(tags=["billing"])

MAX_ID = 2**62
WRITE_ONE = {**WRITE_ERRORS, 404: Error}
KEY_HEADER = "Idempotency-Key"
PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "The receipt (PDF)",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _id(description: str) -> Any:
    return Path(..., ge=1, le=MAX_ID, description=description)


def _key(request: HttpRequest, body_key: str | None) -> str:
    """The one-time key: the Idempotency-Key header, else the body's ``idempotency_key``."""
    key = (request.headers.get(KEY_HEADER) or body_key or "").strip()
    if not 8 <= len(key) <= 64 or "\x00" in key:
        raise ValidationError(
            {
                "idempotency_key": _(
                    "Send a one-time key of 8 to 64 characters, as the Idempotency-Key header or idempotency_key."
                )
            }
        )
    return key


def _replay(
    model: type[Payment] | type[CreditNote] | type[WriteOff], access: Access, key: str
) -> bool:
    return model.objects.of(access).filter(idempotency_key=key).exists()


def _created(replayed: bool, body: Any) -> Status:
    return Status(200 if replayed else 201, body)


# --- fees --------------------------------------------------------------------------------------


@router.get(
    "/fees",
    response={200: list[FeeOut], **READ_ERRORS},
    summary="The fee schedule in force on a day (today by default): one version per service",
)
def list_fees(request: HttpRequest, on: IsoDate | None = None) -> list[FeeOut]:
    return [FeeOut.of(s) for s in selectors.fee_schedule(access=api_access(request), on=on)]


@router.post(
    "/fees",
    response={201: FeeOut, **WRITE_ERRORS},
    summary="Add a version of a fee schedule entry, in force from a date (owners, billing)",
)
def add_fee(request: HttpRequest, payload: FeeIn) -> Status:
    service = fees.fee_set(access=api_access(request), **payload.dict())
    return Status(201, FeeOut.of(service))


# --- invoices ----------------------------------------------------------------------------------


@router.get(
    "/invoices",
    response={200: list[InvoiceSummaryOut], **READ_ERRORS},
    summary="The clinic's invoices, newest first; filter by status and patient",
)
@paginate(ClinicPages)
def list_invoices(
    request: HttpRequest,
    status: InvoiceStatus | None = None,
    patient_id: int | None = Query(None, ge=1, le=MAX_ID, description="Only this patient's"),
) -> list[InvoiceSummaryOut]:
    access = api_access(request)
    selectors.require_desk(access)
    found = Invoice.objects.of(access)
    if status is not None:
        found = found.filter(status=status.value)
    if patient_id is not None:
        found = found.filter(patient_id=patient_id)
    rows = list(found[:1000])
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="invoice_list",
        detail={"count": len(rows), "patients": sorted({r.patient_id for r in rows})[:200]},
    )
    return [InvoiceSummaryOut.of(r) for r in rows]


@router.post(
    "/visits/{visit_id}/invoice",
    response={201: InvoiceOut, **WRITE_ONE},
    summary="Invoice a signed visit to the patient (its usual service, or the codes given)",
)
def invoice_visit(
    request: HttpRequest, payload: InvoiceVisitIn, visit_id: int = _id("The signed visit")
) -> Status:
    invoice = invoices.invoice_from_visit(
        access=api_access(request),
        visit_id=visit_id,
        service_codes=payload.service_codes or None,
        issue=payload.issue,
    )
    return Status(201, InvoiceOut.full(invoice))


@router.get(
    "/invoices/{invoice_id}",
    response={200: InvoiceOut, **ONE_ERRORS},
    summary="One invoice with its lines, payments, refunds, credits and write-offs",
)
def get_invoice(request: HttpRequest, invoice_id: int = _id("The invoice")) -> InvoiceOut:
    return InvoiceOut.full(selectors.invoice_get(access=api_access(request), invoice_id=invoice_id))


@router.post(
    "/invoices/{invoice_id}/issue",
    response={200: InvoiceOut, **WRITE_ONE},
    summary="Issue a draft invoice: it takes the clinic's next number",
)
def issue_invoice(request: HttpRequest, invoice_id: int = _id("The invoice")) -> InvoiceOut:
    return InvoiceOut.full(
        invoices.invoice_issue(access=api_access(request), invoice_id=invoice_id)
    )


@router.post(
    "/invoices/{invoice_id}/void",
    response={200: InvoiceOut, **WRITE_ONE},
    summary="Void an invoice with nothing applied to it, with the reason (billing)",
)
def void_invoice(
    request: HttpRequest, payload: VoidIn, invoice_id: int = _id("The invoice")
) -> InvoiceOut:
    invoice = invoices.invoice_void(
        access=api_access(request), invoice_id=invoice_id, reason=payload.reason
    )
    return InvoiceOut.full(invoice)


@router.get(
    "/invoices/{invoice_id}/receipt.pdf",
    response={200: None, **ONE_ERRORS},
    summary="The receipt insurers accept (PDF); issued or paid invoices only",
    openapi_extra=PDF_RESPONSE,
)
def receipt_pdf(request: HttpRequest, invoice_id: int = _id("The invoice")) -> HttpResponse:
    invoice, pdf = receipts.receipt_pdf(access=api_access(request), invoice_id=invoice_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{receipts.receipt_filename(invoice)}"'
    response["Cache-Control"] = "no-store"
    return response


# --- money ---------------------------------------------------------------------------------------


@router.post(
    "/invoices/{invoice_id}/payments",
    response={201: PaymentOut, 200: PaymentOut, **WRITE_ONE},
    summary="Record a payment at the desk (201); the same one-time key again returns it (200)",
)
@own_idempotency_key
def record_payment(
    request: HttpRequest, payload: PaymentIn, invoice_id: int = _id("The invoice")
) -> Status:
    access = api_access(request)
    selectors.require_desk(access)
    selectors.invoice_of_clinic(access=access, invoice_id=invoice_id)  # 404 before the body
    key = _key(request, payload.idempotency_key)
    replayed = _replay(Payment, access, key)
    payment = payments.payment_record(
        access=access,
        invoice_id=invoice_id,
        amount=payload.amount,
        method=payload.method,
        reference=payload.reference,
        idempotency_key=key,
    )
    return _created(replayed, PaymentOut.of(payment))


@router.post(
    "/payments/{payment_id}/refunds",
    response={201: PaymentOut, 200: PaymentOut, **WRITE_ONE},
    summary="Give back (part of) a payment, with the reason (billing)",
)
@own_idempotency_key
def record_refund(
    request: HttpRequest, payload: RefundIn, payment_id: int = _id("The payment")
) -> Status:
    access = api_access(request)
    selectors.require_billing(access)
    selectors.payment_of_clinic(access=access, payment_id=payment_id)  # 404 before the body
    key = _key(request, payload.idempotency_key)
    replayed = _replay(Payment, access, key)
    refund = payments.refund_record(
        access=access,
        payment_id=payment_id,
        amount=payload.amount,
        reason=payload.reason,
        method=payload.method or None,
        idempotency_key=key,
    )
    return _created(replayed, PaymentOut.of(refund))


@router.post(
    "/invoices/{invoice_id}/credits",
    response={201: AdjustmentOut, 200: AdjustmentOut, **WRITE_ONE},
    summary="Credit part of the balance, with the reason (billing)",
)
@own_idempotency_key
def record_credit(
    request: HttpRequest, payload: AdjustmentIn, invoice_id: int = _id("The invoice")
) -> Status:
    return _adjustment(request, payload, invoice_id, CreditNote, payments.credit_apply)


@router.post(
    "/invoices/{invoice_id}/write-offs",
    response={201: AdjustmentOut, 200: AdjustmentOut, **WRITE_ONE},
    summary="Write off part of the balance, with the reason (billing)",
)
@own_idempotency_key
def record_write_off(
    request: HttpRequest, payload: AdjustmentIn, invoice_id: int = _id("The invoice")
) -> Status:
    return _adjustment(request, payload, invoice_id, WriteOff, payments.write_off)


def _adjustment(
    request: HttpRequest,
    payload: AdjustmentIn,
    invoice_id: int,
    model: type[CreditNote] | type[WriteOff],
    service: Callable[..., CreditNote | WriteOff],
) -> Status:
    """A credit or a write-off (billing): the invoice is found first (another clinic's: 404),
    then the one-time key says whether this is the first time (201) or a replay (200)."""
    access = api_access(request)
    selectors.require_billing(access)
    selectors.invoice_of_clinic(access=access, invoice_id=invoice_id)
    key = _key(request, payload.idempotency_key)
    replayed = _replay(model, access, key)
    row = service(
        access=access,
        invoice_id=invoice_id,
        amount=payload.amount,
        reason=payload.reason,
        idempotency_key=key,
    )
    return _created(replayed, AdjustmentOut.of(row))


# --- the day -------------------------------------------------------------------------------------


@router.get(
    "/billing/takings",
    response={200: TakingsOut, **READ_ERRORS},
    summary="A day's desk takings per method, refunds deducted (billing); today by default",
)
def get_takings(
    request: HttpRequest,
    date: IsoDate | None = None,
    location_id: int | None = Query(None, ge=1, le=MAX_ID),
) -> TakingsOut:
    access = api_access(request)
    day = date or selectors.clinic_today(access.clinic)
    takings = selectors.daily_takings(access=access, business_date=day, location_id=location_id)
    closed = selectors.day_is_closed(access=access, location_id=location_id, day=day)
    return TakingsOut.of(takings, closed=closed)


@router.post(
    "/billing/closes",
    response={201: CloseOut, **WRITE_ERRORS},
    summary="Close a business day with the cash counted (billing); once per day",
)
def close_day(request: HttpRequest, payload: CloseIn) -> Status:
    done = close.daily_close(
        access=api_access(request),
        business_date=payload.business_date,
        counted_cash=payload.counted_cash,
        location_id=payload.location_id,
        note=payload.note,
    )
    return Status(201, CloseOut.of(done))
