"""The billing pages for each persona: the desk invoices a signed visit and takes payments
(a double submit applies once), billing staff refund, credit, write off, void, set fees and
close the day; bad input comes back on the form with its message; another clinic gets 404."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from filiform.billing.invoices import invoice_from_visit
from filiform.billing.models import (
    CreditNote,
    DailyClose,
    Invoice,
    InvoiceStatus,
    Payment,
    Service,
    WriteOff,
)
from filiform.billing.payments import payment_record
from filiform.billing.selectors import invoice_check
from filiform.charting.models import Visit
from filiform.practitioners.models import Registration
from tests.aftercare.needled import cleared, needled_visit
from tests.billing.conftest import acting, key
from tests.conftest import World, client_for


def url(world: World, name: str, **kwargs: int) -> str:
    return reverse(f"billing:{name}", kwargs={"clinic_slug": world.clinic.slug, **kwargs})


def form_key(html: str, prefix: str = "") -> str:
    name = f"{prefix}-idempotency_key" if prefix else "idempotency_key"
    found = re.search(rf'name="{name}" value="([0-9a-f]+)"', html)
    assert found, f"no one-time key {name!r} on the page"
    return found.group(1)


@pytest.fixture
def signed(world: World, fees: dict[str, Service]) -> Visit:
    cleared(world)
    return needled_visit(world)


def test_the_desk_invoices_a_signed_visit_from_the_visit_page(world: World, signed: Visit) -> None:
    visit_page = reverse(
        "charting:visit", kwargs={"clinic_slug": world.clinic.slug, "visit_id": signed.pk}
    )
    bob, fran = client_for(world.bob), client_for(world.fran)
    assert (
        "Invoice this visit" in bob.get(visit_page).content.decode()
    )  # the visit page: clinicians
    response = bob.post(url(world, "invoice_visit", visit_id=signed.pk))
    invoice = Invoice.objects.get(visit=signed)
    assert response.status_code == 302
    assert response["Location"] == url(world, "invoice", invoice_id=invoice.pk)
    page = bob.get(visit_page).content.decode()
    assert "Invoice this visit" not in page
    assert f"Invoice {invoice.display_number}" in page
    # the front desk cannot open the visit page: the list offers the visits to invoice
    other_visit = needled_visit(world)
    listing = fran.get(url(world, "invoices")).content.decode()
    assert listing.count('data-testid="to-invoice-row"') == 1
    assert url(world, "invoice_visit", visit_id=other_visit.pk) in listing
    # a second time: the message on the chooser page, nothing new
    again = fran.post(url(world, "invoice_visit", visit_id=signed.pk))
    assert again.status_code == 200
    assert "already has invoice" in again.content.decode()
    assert Invoice.objects.filter(visit=signed).count() == 1
    # chosen services
    other = other_visit
    chooser = fran.get(url(world, "invoice_visit", visit_id=other.pk)).content.decode()
    assert "Kinesiology tape" in chooser
    fran.post(url(world, "invoice_visit", visit_id=other.pk), {"service_codes": ["ims", "tape"]})
    assert Invoice.objects.get(visit=other).total == Decimal("121.29")  # 110 + 9.99 + 13% tax
    # not to another clinic; a draft visit is refused with the reason
    assert (
        client_for(world.olga).post(url(world, "invoice_visit", visit_id=signed.pk)).status_code
        == 404
    )
    draft = needled_visit(world, sign=False)
    refused = fran.post(url(world, "invoice_visit", visit_id=draft.pk))
    assert "Sign the visit before invoicing it." in refused.content.decode()
    assert (
        "Invoice this visit"
        not in client_for(world.fran)
        .get(
            reverse(
                "charting:visit", kwargs={"clinic_slug": world.clinic.slug, "visit_id": draft.pk}
            )
        )
        .content.decode()
    )


def test_payment_form_bad_input_and_double_submit(world: World, invoice: Invoice) -> None:
    fran = client_for(world.fran)
    page = fran.get(url(world, "invoice", invoice_id=invoice.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="110.00"' in html  # the amount prefilled with the balance
    assert "Refund the" not in html  # refunds are billing staff's
    assert "Void this invoice" not in html
    assert "Receipt (PDF)" in html
    assert "T-100" in html  # the practitioner's registration, as the receipt prints it
    assert "No registration number on file" not in html
    one_time = form_key(html)
    pay = url(world, "pay", invoice_id=invoice.pk)
    for amount, message in (
        ("abc", "Enter an amount in dollars and cents"),
        ("-5", "cannot be negative"),
        ("0", "more than $0.00"),
        ("10.005", "at most two decimals"),
        ("500", "more than is owed: the balance is $110.00"),
        ("", "Enter an amount"),
    ):
        response = fran.post(pay, {"method": "cash", "amount": amount, "idempotency_key": one_time})
        assert response.status_code == 200
        assert message in response.content.decode(), amount
    bad_method = fran.post(pay, {"method": "insurer", "amount": "5", "idempotency_key": one_time})
    assert "The method is cash, debit, credit card or e-transfer." in bad_method.content.decode()
    assert not Payment.objects.exists()

    form = {"method": "cash", "amount": "40.00", "idempotency_key": one_time}
    assert fran.post(pay, form).status_code == 302
    assert fran.post(pay, form).status_code == 302  # the double submit
    assert Payment.objects.filter(invoice=invoice).count() == 1
    stale = fran.post(pay, {**form, "amount": "41.00"})  # the old form, another amount
    assert "This form was already used for an earlier entry" in stale.content.decode()
    assert form_key(stale.content.decode()) != one_time  # a fresh key to send it again
    assert Payment.objects.filter(invoice=invoice).count() == 1
    invoice.refresh_from_db()
    assert invoice.balance == 70
    html = fran.get(url(world, "invoice", invoice_id=invoice.pk)).content.decode()
    assert "Balance owing $70.00" in html
    assert form_key(html) != one_time  # a new form, a new key
    fran.post(pay, {"method": "debit", "amount": "70", "idempotency_key": form_key(html)})
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert "Paid" in fran.get(url(world, "invoice", invoice_id=invoice.pk)).content.decode()
    assert invoice_check(invoice) == []
    olga = client_for(world.olga)
    assert olga.get(url(world, "invoice", invoice_id=invoice.pk)).status_code == 404
    assert olga.post(pay, form).status_code == 404
    Registration.objects.filter(membership__user=world.bob).update(number="")
    warned = fran.get(url(world, "invoice", invoice_id=invoice.pk)).content.decode()
    assert "No registration number on file for" in warned
    assert "insurers reject receipts" in warned


def test_billing_staff_refund_credit_write_off_and_void(
    world: World, invoice: Invoice, signed: Visit
) -> None:
    paid = payment_record(
        access=acting(world, "fran"),
        invoice_id=invoice.pk,
        amount="60",
        method="cash",
        idempotency_key=key(),
    )
    fran, bill = client_for(world.fran), client_for(world.bill)
    refund = url(world, "refund", payment_id=paid.pk)
    prefix = f"refund-{paid.pk}"
    assert (
        fran.post(
            refund,
            {f"{prefix}-amount": "10", f"{prefix}-reason": "x", f"{prefix}-idempotency_key": key()},
        ).status_code
        == 403
    )
    html = bill.get(url(world, "invoice", invoice_id=invoice.pk)).content.decode()
    refund_key = form_key(html, prefix)
    too_much = bill.post(
        refund,
        {
            f"{prefix}-amount": "70",
            f"{prefix}-reason": "Overcharged",
            f"{prefix}-idempotency_key": refund_key,
        },
    )
    assert "Only $60.00 of this payment is left to refund." in too_much.content.decode()
    no_reason = bill.post(
        refund,
        {f"{prefix}-amount": "10", f"{prefix}-reason": "", f"{prefix}-idempotency_key": refund_key},
    )
    assert "Give the reason" in no_reason.content.decode()
    assert (
        bill.post(
            refund,
            {
                f"{prefix}-amount": "10",
                f"{prefix}-reason": "Overcharged",
                f"{prefix}-idempotency_key": refund_key,
            },
        ).status_code
        == 302
    )

    credit = url(world, "credit", invoice_id=invoice.pk)
    assert (
        fran.post(
            credit, {"credit-amount": "5", "credit-reason": "x", "credit-idempotency_key": key()}
        ).status_code
        == 403
    )
    over = bill.post(
        credit,
        {"credit-amount": "500", "credit-reason": "Package", "credit-idempotency_key": key()},
    )
    assert "the balance is $60.00" in over.content.decode()
    assert (
        bill.post(
            credit,
            {"credit-amount": "20", "credit-reason": "Package", "credit-idempotency_key": key()},
        ).status_code
        == 302
    )
    write = url(world, "write_off", invoice_id=invoice.pk)
    assert (
        fran.post(
            write,
            {"write-off-amount": "5", "write-off-reason": "x", "write-off-idempotency_key": key()},
        ).status_code
        == 403
    )
    assert (
        bill.post(
            write,
            {
                "write-off-amount": "40",
                "write-off-reason": "Hardship",
                "write-off-idempotency_key": key(),
            },
        ).status_code
        == 302
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == (InvoiceStatus.PAID, 0)
    assert CreditNote.objects.count() == WriteOff.objects.count() == 1
    assert invoice_check(invoice) == []

    void = url(world, "void", invoice_id=invoice.pk)
    refused = bill.post(void, {"void-reason": "Mistake"})
    assert "cannot be voided" in refused.content.decode()
    fresh = invoice_from_visit(access=acting(world, "fran"), visit_id=needled_visit(world).pk)
    void = url(world, "void", invoice_id=fresh.pk)
    assert fran.post(void, {"void-reason": "Mistake"}).status_code == 403
    assert "Give the reason" in bill.post(void, {"void-reason": ""}).content.decode()
    assert bill.post(void, {"void-reason": "Wrong patient"}).status_code == 302
    fresh.refresh_from_db()
    assert fresh.status == InvoiceStatus.VOID
    # a void invoice has no receipt; a draft is issued from its page
    receipt = bill.get(url(world, "receipt_pdf", invoice_id=fresh.pk))
    assert receipt.status_code == 302
    assert "void" in " ".join(m.message for m in receipt.wsgi_request._messages)  # type: ignore[attr-defined]
    draft = invoice_from_visit(
        access=acting(world, "fran"), visit_id=needled_visit(world).pk, issue=False
    )
    assert (
        "Issue the invoice" in fran.get(url(world, "invoice", invoice_id=draft.pk)).content.decode()
    )
    assert fran.post(url(world, "issue", invoice_id=draft.pk)).status_code == 302
    again = fran.post(url(world, "issue", invoice_id=draft.pk))
    assert "already issued" in again.content.decode()
    pdf = fran.get(url(world, "receipt_pdf", invoice_id=draft.pk))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_list_and_patient_pages(world: World, invoice: Invoice) -> None:
    fran = client_for(world.fran)
    listing = fran.get(url(world, "invoices")).content.decode()
    assert world.patient.display_name in listing
    assert invoice.display_number in listing
    assert "$110.00" in listing
    none = fran.get(url(world, "invoices"), {"patient": "Nobody-by-that-name"}).content.decode()
    assert invoice.display_number not in none
    paid_only = fran.get(url(world, "invoices"), {"status": "paid"}).content.decode()
    assert invoice.display_number not in paid_only
    assert fran.get(url(world, "invoices"), {"status": "<script>"}).status_code == 200
    patient = fran.get(url(world, "patient", patient_id=world.patient.pk)).content.decode()
    assert "Balance owing: $110.00" in patient
    olga = client_for(world.olga)
    assert olga.get(url(world, "invoices")).status_code == 404
    assert olga.get(url(world, "patient", patient_id=world.patient.pk)).status_code == 404
    elsewhere = reverse(
        "billing:patient",
        kwargs={"clinic_slug": world.other_clinic.slug, "patient_id": world.patient.pk},
    )
    assert olga.get(elsewhere).status_code == 404


def test_fee_schedule_page(world: World, fees: dict[str, Service]) -> None:
    fees_url = url(world, "fees")
    fran, alice = client_for(world.fran), client_for(world.alice)
    page = fran.get(fees_url).content.decode()
    assert "Dry needling / IMS session" in page
    assert "Add a fee version" not in page
    new = {
        "code": "reassess",
        "name": "Reassessment",
        "kind": "assessment",
        "duration_minutes": "30",
        "fee": "85.00",
    }
    assert fran.post(fees_url, new).status_code == 403
    bad = alice.post(fees_url, {**new, "fee": "85.001"})
    assert "at most two decimals" in bad.content.decode()
    untaxed = alice.post(fees_url, {**new, "tax_rate": "13"})
    assert "An untaxed service has no tax rate" in untaxed.content.decode()
    assert alice.post(fees_url, {**new, "kind": "magic"}).status_code == 200
    assert alice.post(fees_url, new).status_code == 302
    assert Service.objects.filter(code="reassess").exists()
    assert client_for(world.olga).get(fees_url).status_code == 404


def test_daily_close_page(world: World, invoice: Invoice) -> None:
    payment_record(
        access=acting(world, "fran"),
        invoice_id=invoice.pk,
        amount="45.50",
        method="cash",
        idempotency_key=key(),
    )
    close_url = url(world, "close")
    assert client_for(world.fran).get(close_url).status_code == 403
    assert client_for(world.bob).post(close_url, {}).status_code == 403
    bill: Client = client_for(world.bill)
    page = bill.get(close_url).content.decode()
    assert "$45.50" in page
    today = page.split('name="business_date" value="')[1][:10]
    bad = bill.post(close_url, {"business_date": today, "counted_cash": "lots"})
    assert "Enter an amount in dollars and cents" in bad.content.decode()
    future = bill.post(close_url, {"business_date": "2999-01-01", "counted_cash": "45.50"})
    assert "A day cannot be closed before it starts." in future.content.decode()
    assert bill.post(close_url, {"business_date": today, "counted_cash": "40"}).status_code == 302
    close = DailyClose.objects.get()
    assert close.cash_difference == Decimal("-5.50")
    twice = bill.post(close_url, {"business_date": today, "counted_cash": "40"})
    assert "is already closed" in twice.content.decode()
