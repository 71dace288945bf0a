"""Billing reports in headless Chromium: billing staff open them from the menu, see what is
owed (patients vs insurers) drawn and tabled, change the period, and download a table as CSV."""

import csv
import io

import pytest
from playwright.sync_api import Page, expect

from filiform.billing.payments import payment_record
from filiform.insurance.claims import claim_draft, claim_submit
from tests.browser.test_staff_flows import sign_in
from tests.conftest import World
from tests.insurance.claim_fixtures import acting, billed_invoice, key, policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_billing_staff_read_the_receivables_and_download_them(
    world: World, live_server, page: Page, shot
) -> None:
    invoice = billed_invoice(world)  # $110.00 today
    fran = acting(world, "fran")
    payment_record(
        access=fran, invoice_id=invoice.pk, amount="22.00", method="debit", idempotency_key=key()
    )
    policy(world)
    claim = claim_draft(access=fran, invoice_id=invoice.pk)
    claim_submit(access=fran, claim_id=claim.pk)  # $110.00 awaiting Sun Life

    sign_in(page, live_server.url, "bill@clinic.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing reports").click()
    aging = page.get_by_test_id("aging")
    # $88.00 is still owed and Sun Life is asked for the whole $110.00 charge: it can pay no
    # more than the $88.00, which the patient does not owe while the insurer has not answered
    expect(aging.get_by_test_id("aging-summary")).to_contain_text(
        "Owed: $88.00 (patients $0.00, insurers awaiting $88.00)."
    )
    expect(aging.get_by_test_id("aging-chart").locator("svg title").first).to_be_attached()
    expect(aging.get_by_test_id("aging-insurers")).to_contain_text("Sun Life")
    expect(page.get_by_test_id("claims-summary")).to_contain_text("1 submitted")
    expect(page.get_by_test_id("revenue-summary")).to_contain_text("charges $110.00 before tax")
    shot("billing-reports")

    form = page.get_by_test_id("reports-form")
    form.get_by_label("Revenue from").fill("2020-01-01")
    form.get_by_label("Revenue to").fill("2020-12-31")
    form.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("revenue-summary")).to_contain_text("0 invoice(s)")

    with page.expect_download() as download:
        aging.get_by_role("link", name="CSV").first.click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert ["Total", "0.00", "88.00", "88.00"] in rows
