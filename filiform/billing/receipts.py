"""The receipt an extended health insurer accepts (PDF, WeasyPrint).

Insurers reimburse a patient, or pay the clinic directly, only on a receipt that names
(clinical-reference §6): the patient (with date of birth, to match the plan member), the date
of service, each service with its amount (and tax), the total, what was paid, how and when,
whether it is paid in full, the practitioner's name, designation and registration number,
and the clinic's name, full address and phone; plus the invoice number and issue date.
Claims from practitioners without a registration number are rejected, so a receipt without
one still prints (the patient may need it for their own records) but says so on the page.

Dry needling / IMS by a physiotherapist is physiotherapy: the receipt never says
"acupuncture" or "acupuncturist", which insurers pay under a different (often smaller, or
absent) benefit. A service name from the fee schedule that says so is printed with the
word replaced (``insurer_wording``).

Titled "Receipt" once paid in full, "Invoice" while a balance is owing. Only an issued or paid
invoice has one: a draft has no number yet and a void invoice charges nothing, so both are
refused. Every download is audited as an export.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.billing.models import Invoice, InvoiceStatus, PaymentKind, PaymentMethod
from filiform.billing.money import ZERO, format_cad
from filiform.billing.selectors import clinic_zone, invoice_of_clinic, require_desk
from filiform.charting.models import NeedlingSession
from filiform.clinics.access import Access
from filiform.practitioners.designation import BillingIdentity, billing_identity

_ACUPUNCTURE = re.compile(r"acupunctur\w*", re.IGNORECASE)


def insurer_wording(text: str) -> str:
    """A service description as an insurer must read it: dry needling by a physiotherapist is
    physiotherapy, never "acupuncture" (a different benefit, often not covered)."""
    return _ACUPUNCTURE.sub(_("dry needling"), text)


@dataclass(frozen=True)
class Address:
    name: str
    street: str
    city: str
    province: str
    postal_code: str
    phone: str

    @property
    def lines(self) -> list[str]:
        place = " ".join(p for p in (self.city, self.province, self.postal_code) if p)
        return [line for line in (self.street, place) if line]


@dataclass(frozen=True)
class MoneyRow:
    label: str
    day: dt.date
    method: str
    reference: str
    amount: Decimal
    by_insurer: bool = False

    @property
    def text(self) -> str:
        return format_cad(self.amount)


def _address(access: Access, invoice: Invoice) -> Address:
    """Where the service was given: the needling session's location if it has one (its own
    address), else the clinic's; the phone is the clinic's."""
    clinic = invoice.clinic
    session = (
        NeedlingSession.objects.of(access)
        .select_related("location")
        .filter(visit_id=invoice.visit_id)
        .first()
        if invoice.visit_id
        else None
    )
    place: Any = clinic
    if session is not None and session.location is not None and session.location.street:
        place = session.location
    return Address(
        name=clinic.name,
        street=place.street,
        city=place.city,
        province=place.province,
        postal_code=place.postal_code,
        phone=clinic.phone,
    )


def _day(invoice: Invoice, moment: dt.datetime) -> dt.date:
    return moment.astimezone(clinic_zone(invoice.clinic)).date()


def _money_rows(invoice: Invoice) -> list[MoneyRow]:
    rows = []
    payments = invoice.payments.order_by("received_at", "id")
    for payment in payments:
        insurer = payment.method == PaymentMethod.INSURER
        if payment.kind == PaymentKind.REFUND:
            label = _("Refunded")
        elif insurer:
            label = _("Paid by the insurer")
        else:
            label = _("Paid by the patient")
        rows.append(
            MoneyRow(
                label=label,
                day=_day(invoice, payment.received_at),
                method=str(payment.get_method_display()),
                reference=payment.reference,
                amount=-payment.amount if payment.kind == PaymentKind.REFUND else payment.amount,
                by_insurer=insurer,
            )
        )
    for credit in invoice.credits.all():
        rows.append(
            MoneyRow(
                _("Credit"), _day(invoice, credit.created_at), "", credit.reason, credit.amount
            )
        )
    for written in invoice.write_offs.all():
        rows.append(
            MoneyRow(_("Written off"), _day(invoice, written.created_at), "", "", written.amount)
        )
    return sorted(rows, key=lambda r: r.day)


def receipt_context(access: Access, invoice: Invoice) -> dict[str, Any]:
    """Everything the receipt prints, read from the invoice's own rows."""
    identity: BillingIdentity | None = None
    if invoice.visit is not None:
        identity = billing_identity(
            invoice.visit.practitioner, on=invoice.date_of_service, province=invoice.province
        )
    paid_in_full = invoice.status == InvoiceStatus.PAID and invoice.balance == ZERO
    lines = [
        {
            "description": insurer_wording(line.description),
            "quantity": line.quantity,
            "unit_fee": line.unit_fee,
            "amount": line.amount,
            "tax": line.tax,
            "tax_rate": line.tax_rate,
        }
        for line in invoice.lines.all()
    ]
    issued_on = _day(invoice, invoice.issued_at) if invoice.issued_at else None
    return {
        "invoice": invoice,
        "title": _("Receipt") if paid_in_full else _("Invoice"),
        "paid_in_full": paid_in_full,
        "balance_text": format_cad(invoice.balance),
        "patient": invoice.patient,
        "lines": lines,
        # no tax column and no "Tax $0.00" when nothing on the invoice is taxable
        "has_tax": invoice.tax != 0 or any(line["tax_rate"] for line in lines),
        "money_rows": _money_rows(invoice),
        "paid_net": invoice.paid - invoice.refunded,
        "identity": identity,
        "no_registration": identity is None or not identity.registration_number,
        "address": _address(access, invoice),
        "issued_on": issued_on,
        "discipline": _("Physiotherapy"),
        "language": translation.get_language(),
        "printed_at": timezone.now(),
    }


def receipt_html(access: Access, invoice: Invoice) -> str:
    with timezone.override(invoice.clinic.time_zone):
        return render_to_string("billing/receipt_pdf.html", receipt_context(access, invoice))


def receipt_render(access: Access, invoice: Invoice) -> bytes:
    from weasyprint import HTML  # imported here: pango loads only when a PDF is made

    return bytes(HTML(string=receipt_html(access, invoice)).write_pdf())


def receipt_pdf(*, access: Access, invoice_id: int) -> tuple[Invoice, bytes]:
    """The receipt of an issued or paid invoice, for the desk (PATIENT_EDIT or BILLING);
    audited as an export. A draft (no number yet) or a void invoice has none."""
    require_desk(access)
    invoice = invoice_of_clinic(access=access, invoice_id=invoice_id)
    if invoice.status == InvoiceStatus.DRAFT:
        raise ValidationError(_("Issue the invoice first: a draft has no number and no receipt."))
    if invoice.status == InvoiceStatus.VOID:
        raise ValidationError(_("This invoice is void: it charges nothing and has no receipt."))
    pdf = receipt_render(access, invoice)
    audit_access(
        access,
        action=AuditAction.EXPORT,
        object_type="receipt_pdf",
        object_id=invoice.pk,
        patient_id=invoice.patient_id,
        detail={"number": invoice.display_number, "status": invoice.status},
    )
    return invoice, pdf


def receipt_filename(invoice: Invoice) -> str:
    kind = "receipt" if invoice.status == InvoiceStatus.PAID else "invoice"
    return f"{kind}-{invoice.display_number}.pdf"
