"""Billing on other apps' pages: the visit page's "Invoice this visit" asks whether the visit
already has a live invoice, without charting's view knowing about billing."""

from __future__ import annotations

from django import template

from filiform.billing.models import Invoice, InvoiceStatus

register = template.Library()


@register.simple_tag
def live_invoice_of(visit: object) -> Invoice | None:
    """The visit's invoice that is not void, or None. Shown only to staff who already see the
    visit page; reading the invoice itself is audited on its own page."""
    visit_id = getattr(visit, "pk", None)
    if visit_id is None:
        return None
    return Invoice.objects.filter(visit_id=visit_id).exclude(status=InvoiceStatus.VOID).first()
