"""Billing in headless Chromium on a 768 px tablet ("Done means" of issue 9): from a finished
(signed) needling visit, "Invoice this visit", a partial payment and then the rest, "Paid",
and the receipt PDF downloaded, whose own text holds every field insurers require."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from filiform.billing.fees import fee_set
from filiform.billing.models import Invoice, InvoiceStatus
from filiform.billing.selectors import invoice_check
from tests.aftercare.needled import cleared, needled_visit
from tests.billing.conftest import acting
from tests.billing.test_receipt import pdf_text, required_fields
from tests.browser.test_staff_flows import sign_in
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_from_a_signed_visit_to_a_paid_invoice_and_its_receipt(
    world: World, live_server, page: Page, shot
) -> None:
    world.clinic.street = "12 Riverside Drive"
    world.clinic.city = "Kingston"
    world.clinic.postal_code = "K7L 3N6"
    world.clinic.phone = "613-555-0142"
    world.clinic.save()
    fee_set(
        access=acting(world, "alice"),
        code="ims",
        name="Dry needling / IMS session",
        kind="needling",
        duration_minutes=30,
        fee="110.00",
    )
    cleared(world)  # Bob: registered (T-100), rostered and trained
    visit = needled_visit(world)
    sign_in(page, live_server.url, "bob@clinic.test")
    page.goto(
        live_server.url
        + reverse("charting:visit", kwargs={"clinic_slug": world.clinic.slug, "visit_id": visit.pk})
    )
    page.get_by_role("button", name="Invoice this visit").click()
    expect(page.locator(".messages")).to_contain_text("for $110.00")
    expect(page.get_by_test_id("invoice-status")).to_have_text("Balance owing $110.00")
    expect(page.get_by_test_id("invoice-total")).to_have_text("$110.00")

    form = page.get_by_test_id("pay-form")
    expect(form.get_by_label("Amount ($)")).to_have_value("110.00")
    form.get_by_label("Method").select_option(label="Cash")
    form.get_by_label("Amount ($)").fill("40.00")
    form.get_by_role("button", name="Record the payment").click()
    expect(page.locator(".messages")).to_contain_text("Payment of $40.00 by Cash recorded.")
    expect(page.get_by_test_id("invoice-status")).to_have_text("Balance owing $70.00")
    shot("billing-partly-paid")

    form = page.get_by_test_id("pay-form")
    expect(form.get_by_label("Amount ($)")).to_have_value("70.00")
    form.get_by_label("Method").select_option(label="Debit")
    form.get_by_label("Reference").fill("AUTH 5521")
    form.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Paid")
    expect(page.get_by_test_id("balance")).to_have_text("$0.00")
    expect(page.get_by_test_id("pay-form")).to_have_count(0)
    shot("billing-paid")

    invoice = Invoice.objects.get(visit=visit)
    assert invoice.status == InvoiceStatus.PAID
    assert invoice_check(invoice) == []
    with page.expect_download() as download_info:
        page.get_by_test_id("receipt-link").click()
    download = download_info.value
    assert download.suggested_filename == f"receipt-{invoice.display_number}.pdf"
    path = download.path()
    with open(path, "rb") as handle:
        pdf = handle.read()
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    for field in required_fields(world, invoice):
        assert field in text, f"{field!r} missing from the receipt"
    assert "Receipt" in text
    assert "Paid in full" in text
    assert "Cash" in text
    assert "Debit" in text
    assert "AUTH 5521" in text
    assert "acupunctur" not in text.lower()
