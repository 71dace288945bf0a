"""What an extended health plan is asked to pay toward an invoice: its insured services.

The rule: a physiotherapy plan pays for the practitioner's services, and those are exempt
from GST/HST (Excise Tax Act, Schedule V, Part II, s. 7: physiotherapy by a licensed
practitioner), so a clinic's fee schedule leaves them untaxed. A taxable line is a supply sold
with the visit (kinesiology tape, a brace): not physiotherapy, claimed under another benefit or
not at all, and its HST is never the plan's. Insurers reject or cut a claim that bills supplies
and tax as physiotherapy (issue 17, "claims an adjudicator accepts"), so claims and coverage
estimates take the untaxed lines only; supplies and tax stay on the invoice as the patient's.

Service descriptions go to insurers with the receipt's wording (``receipts.insurer_wording``).
"""

from __future__ import annotations

from decimal import Decimal

from filiform.billing.models import Invoice, InvoiceLine
from filiform.billing.money import ZERO


def is_insured(line: InvoiceLine) -> bool:
    """An untaxed line: a practitioner's service (the fee schedule taxes only supplies)."""
    return line.tax_rate == 0 and line.tax == 0


def insured_lines(invoice: Invoice) -> list[InvoiceLine]:
    return [line for line in invoice.lines.select_related("service").all() if is_insured(line)]


def insured_amount(invoice: Invoice) -> Decimal:
    """The sum of the insured services' amounts: what a primary plan is asked for."""
    return sum((line.amount for line in insured_lines(invoice)), ZERO)


def supplies_and_tax(invoice: Invoice) -> Decimal:
    """Everything on the invoice that no plan is asked for: supplies and all tax."""
    return invoice.total - insured_amount(invoice)
