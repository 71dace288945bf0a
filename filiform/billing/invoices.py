"""Invoices from signed visits: lines from the fee schedule, totals computed once, a
gap-free number per clinic when issued, and voiding (never deleting) with a reason.

Who: invoicing a visit and issuing it is desk work (PATIENT_EDIT or BILLING, see
``selectors.require_desk``); voiding needs BILLING.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.billing.fees import fee_for, services_of_kind
from filiform.billing.models import (
    BillTo,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    InvoiceStatus,
    Service,
    ServiceKind,
)
from filiform.billing.money import ZERO, format_cad, invoice_totals
from filiform.billing.selectors import (
    business_date_of,
    checked_write,
    invoice_of_clinic,
    require_billing,
    require_desk,
)
from filiform.charting.codes import VisitStatus
from filiform.charting.models import NeedlingSession, Visit
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.typed_text import typed_text

MAX_LINES = 20


def _audit(access: Access, action: AuditAction, invoice: Invoice, **detail: Any) -> None:
    audit_access(
        access,
        action=action,
        object_type="invoice",
        object_id=invoice.pk,
        patient_id=invoice.patient_id,
        detail=detail or None,
    )


def _default_service(*, access: Access, kind: str, province: str, on: dt.date) -> Service:
    found = services_of_kind(access=access, kind=kind, province=province, on=on)
    label = ServiceKind(kind).label
    if not found:
        raise ValidationError(
            {
                "service_codes": _(
                    "The fee schedule has no %(kind)s service in force on %(d)s: add one, or choose the services to bill."
                )
                % {"kind": label, "d": on}
            }
        )
    if len(found) > 1:
        raise ValidationError(
            {
                "service_codes": _(
                    "The fee schedule has several %(kind)s services (%(codes)s): choose the ones to bill."
                )
                % {"kind": label, "codes": ", ".join(s.code for s in found)}
            }
        )
    return found[0]


def _next_number(clinic_id: int) -> int:
    """The clinic's next invoice number, taken under a row lock so that two invoices issued
    at once get consecutive numbers, and a rolled-back issue leaves no gap."""
    InvoiceSequence.objects.get_or_create(clinic_id=clinic_id)
    sequence = InvoiceSequence.objects.select_for_update().get(clinic_id=clinic_id)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number


def _issue(invoice: Invoice) -> None:
    invoice.number = _next_number(invoice.clinic_id)
    invoice.status = InvoiceStatus.PAID if invoice.total == 0 else InvoiceStatus.ISSUED
    invoice.issued_at = timezone.now()
    invoice.save(update_fields=["number", "status", "issued_at"])


@checked_write(require_desk)
def invoice_from_visit(
    *,
    access: Access,
    visit_id: int,
    service_codes: Sequence[str] | None = None,
    issue: bool = True,
) -> Invoice:
    """The invoice for a signed visit, billed to the patient.

    Lines: the services named (each code once per line, in the order given), or by default
    the visit's dry needling / IMS service if it has a needling session, else its treatment
    service. Fees are the versions in force on the date of service in the visit's province
    (the session's location, else the clinic's). A draft or entered-in-error visit is refused,
    and so is a second live invoice for the same visit (a voided one may be replaced).
    """
    require_desk(access)
    visit = clinic_get(
        access, Visit.objects.of(access).select_related("clinic"), visit_id, for_update=True
    )
    if visit.status == VisitStatus.DRAFT:
        raise ValidationError({"visit_id": _("Sign the visit before invoicing it.")})
    if visit.status == VisitStatus.ENTERED_IN_ERROR:
        raise ValidationError(
            {"visit_id": _("This visit was entered in error; it cannot be billed.")}
        )
    existing = visit.invoices.exclude(status=InvoiceStatus.VOID).first()
    if existing is not None:
        raise ValidationError(
            {
                "visit_id": _("This visit already has invoice %(n)s.")
                % {"n": existing.display_number}
            }
        )
    session = (
        NeedlingSession.objects.of(access).select_related("location").filter(visit=visit).first()
    )
    province = (
        session.location.province
        if session is not None and session.location is not None
        else visit.clinic.province
    )
    on = business_date_of(visit.clinic, visit.started_at)
    services: list[Service] = []
    if service_codes:
        if len(service_codes) > MAX_LINES:
            raise ValidationError(
                {"service_codes": _("At most %(n)d lines on an invoice.") % {"n": MAX_LINES}}
            )
        for code in service_codes:
            service = fee_for(access=access, code=str(code), province=province, on=on)
            if service is None:
                raise ValidationError(
                    {
                        "service_codes": _("%(code)s is not in the fee schedule on %(d)s.")
                        % {"code": typed_text(code, 30), "d": on}
                    }
                )
            services.append(service)
    else:
        kind = ServiceKind.NEEDLING if session is not None else ServiceKind.TREATMENT
        services.append(_default_service(access=access, kind=kind, province=province, on=on))
    try:
        with transaction.atomic():
            invoice = Invoice.objects.of(access).create(
                clinic=visit.clinic,
                patient_id=visit.patient_id,
                visit=visit,
                bill_to=BillTo.PATIENT,
                province=province,
                date_of_service=on,
                created_by=access.user,
            )
    except IntegrityError:  # a concurrent invoice for the same visit won
        raise ValidationError({"visit_id": _("This visit already has an invoice.")}) from None
    priced = [(1, s.fee, s.tax_rate if s.taxable else ZERO) for s in services]
    amounts, subtotal, tax, _total = invoice_totals(priced)
    for order, (service, (quantity, fee, rate), (amount, tax_amount)) in enumerate(
        zip(services, priced, amounts, strict=True), start=1
    ):
        InvoiceLine.objects.create(
            invoice=invoice,
            order=order,
            service=service,
            description=service.name,
            quantity=quantity,
            unit_fee=fee,
            tax_rate=rate,
            amount=amount,
            tax=tax_amount,
        )
    invoice.subtotal, invoice.tax = subtotal, tax
    invoice.total = invoice.balance = subtotal + tax
    invoice.save(update_fields=["subtotal", "tax", "total", "balance"])
    if issue:
        _issue(invoice)
    _audit(
        access,
        AuditAction.CREATE,
        invoice,
        visit=visit.pk,
        total=str(invoice.total),
        status=invoice.status,
    )
    return invoice


@checked_write(require_desk)
def invoice_issue(*, access: Access, invoice_id: int) -> Invoice:
    """A draft invoice is issued: it takes the clinic's next number and can be paid."""
    require_desk(access)
    invoice = invoice_of_clinic(access=access, invoice_id=invoice_id, for_update=True)
    if invoice.status != InvoiceStatus.DRAFT:
        raise ValidationError(_("Invoice %(n)s is already issued.") % {"n": invoice.display_number})
    _issue(invoice)
    _audit(access, AuditAction.UPDATE, invoice, issued=invoice.number)
    return invoice


def invoice_void_refusal(invoice: Invoice) -> str | None:
    """Why this invoice cannot be voided, or None if it can. The one statement of the rule:
    the void service refuses with this message and the invoice page shows its Void form only
    when this is None, so the button never offers what the service would refuse."""
    if invoice.status == InvoiceStatus.VOID:
        return _("This invoice is already void.")
    if invoice.payments.exists() or invoice.credits.exists() or invoice.write_offs.exists():
        return _(
            "Payments, credits or write-offs were applied to this invoice (%(paid)s paid): it cannot be voided. Refund the payments and credit the balance instead."
        ) % {"paid": format_cad(invoice.paid - invoice.refunded)}
    # claims live in filiform.insurance, which builds on billing: read through the relation
    if invoice.claims.filter(status="submitted").exists():
        return _(
            "A claim for this invoice is waiting for the insurer: record the insurer's answer before voiding the invoice."
        )
    return None


def invoice_may_be_voided(invoice: Invoice, access: Access) -> bool:
    """Whether ``access`` may void ``invoice`` now: billing staff (BILLING), and the invoice
    is one :func:`invoice_void_refusal` does not refuse."""
    return access.can(Permission.BILLING) and invoice_void_refusal(invoice) is None


@checked_write(require_billing)
def invoice_void(*, access: Access, invoice_id: int, reason: str) -> Invoice:
    """Void an invoice issued by mistake (BILLING). Only an invoice with nothing applied to
    it: money received is refunded first, credits and write-offs cannot be undone. The
    invoice keeps its number and lines; it owes nothing and the visit may be invoiced again."""
    access.require(Permission.BILLING)
    invoice = invoice_of_clinic(access=access, invoice_id=invoice_id, for_update=True)
    refusal = invoice_void_refusal(invoice)
    if invoice.status == InvoiceStatus.VOID and refusal:
        raise ValidationError(refusal)
    reason = typed_text(reason, 300)
    if not reason:  # asked before what else stands in the way, as it always was
        raise ValidationError({"reason": _("Say why the invoice is voided.")})
    if refusal:
        raise ValidationError(refusal)
    invoice.status = InvoiceStatus.VOID
    invoice.balance = Decimal("0.00")
    invoice.voided_at, invoice.voided_by, invoice.void_reason = timezone.now(), access.user, reason
    invoice.save(update_fields=["status", "balance", "voided_at", "voided_by", "void_reason"])
    _audit(access, AuditAction.UPDATE, invoice, voided=reason)
    return invoice
