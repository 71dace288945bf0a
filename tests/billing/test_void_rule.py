"""When an invoice may be voided is one rule (``invoice_void_refusal``): the invoice page shows
its Void form exactly when the void service would accept, for each case the service refuses."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from filiform.billing.invoices import invoice_may_be_voided, invoice_void
from filiform.billing.models import Invoice
from filiform.billing.payments import payment_record
from filiform.clinics.access import AccessDenied
from filiform.insurance.claims import claim_draft, claim_submit
from tests.billing.conftest import acting, key
from tests.conftest import World, client_for
from tests.insurance.conftest import add_policy

VOID_FORM = "Void this invoice"


def _page(world: World, who: str, invoice: Invoice) -> str:
    page = reverse(
        "billing:invoice", kwargs={"clinic_slug": world.clinic.slug, "invoice_id": invoice.pk}
    )
    return client_for(getattr(world, who)).get(page).content.decode()


def test_the_void_form_shows_when_the_service_would_void(world: World, invoice: Invoice) -> None:
    assert invoice_may_be_voided(invoice, acting(world, "bill"))
    assert VOID_FORM in _page(world, "bill", invoice)
    invoice_void(access=acting(world, "bill"), invoice_id=invoice.pk, reason="Wrong patient")


def test_no_void_form_for_the_desk_which_may_not_void(world: World, invoice: Invoice) -> None:
    assert not invoice_may_be_voided(invoice, acting(world, "fran"))
    assert VOID_FORM not in _page(world, "fran", invoice)
    with pytest.raises(AccessDenied):
        invoice_void(access=acting(world, "fran"), invoice_id=invoice.pk, reason="Oops")


def test_no_void_form_while_a_claim_waits_for_the_insurer(world: World, invoice: Invoice) -> None:
    """The case where the page and the service used to disagree: the page offered Void on an
    invoice whose claim was with the insurer, and the service then refused it."""
    add_policy(world)
    fran = acting(world, "fran")
    claim_submit(access=fran, claim_id=claim_draft(access=fran, invoice_id=invoice.pk).pk)
    assert not invoice_may_be_voided(invoice, acting(world, "bill"))
    assert VOID_FORM not in _page(world, "bill", invoice)
    with pytest.raises(ValidationError, match="waiting for the insurer"):
        invoice_void(access=acting(world, "bill"), invoice_id=invoice.pk, reason="Oops")


def test_no_void_form_once_money_was_applied(world: World, invoice: Invoice) -> None:
    payment_record(
        access=acting(world, "fran"),
        invoice_id=invoice.pk,
        amount="10.00",
        method="cash",
        idempotency_key=key(),
    )
    invoice.refresh_from_db()
    assert not invoice_may_be_voided(invoice, acting(world, "bill"))
    assert VOID_FORM not in _page(world, "bill", invoice)
    with pytest.raises(ValidationError, match="cannot be voided"):
        invoice_void(access=acting(world, "bill"), invoice_id=invoice.pk, reason="Oops")


def test_no_void_form_on_a_void_invoice(world: World, invoice: Invoice) -> None:
    invoice = invoice_void(access=acting(world, "bill"), invoice_id=invoice.pk, reason="Twice")
    assert not invoice_may_be_voided(invoice, acting(world, "bill"))
    assert VOID_FORM not in _page(world, "bill", invoice)
    with pytest.raises(ValidationError, match="already void"):
        invoice_void(access=acting(world, "bill"), invoice_id=invoice.pk, reason="Again")
