"""Billing on other apps' pages: the visit page's "Invoice this visit" asks whether the visit
already has a live invoice, without charting's view knowing about billing."""

from __future__ import annotations

from django import template

from filiform.billing.models import Invoice, InvoiceStatus
from filiform.charting.models import Visit

register = template.Library()


@register.simple_tag
def live_invoice_of(visit: object) -> Invoice | None:
    """The visit's invoice that is not void, or None. Shown only to staff who already see the
    visit page; reading the invoice itself is audited on its own page."""
    if not isinstance(visit, Visit) or visit.pk is None:
        return None
    # through the visit's own relation: the page found the visit in the acting clinic
    return visit.invoices.exclude(status=InvoiceStatus.VOID).first()
