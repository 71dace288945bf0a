"""Direct billing in headless Chromium on a 768 px tablet: billing staff open "Bill insurer"
for an invoice, draft the claim to the patient's primary plan, mark it submitted on the
insurer's portal, record the insurer's partial payment, and see the patient's portion, which
is the balance left on the invoice."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.test_staff_flows import sign_in
from tests.conftest import World
from tests.insurance.claim_fixtures import billed_invoice, policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_bill_the_insurer_and_see_the_patient_portion(
    world: World, live_server, page: Page, shot
) -> None:
    invoice = billed_invoice(world)
    policy(world, group_number="G-2040", member_id="M-7788")
    slug = world.clinic.slug
    sign_in(page, live_server.url, "bill@clinic.test")
    page.goto(
        live_server.url
        + reverse(
            "claims:draft_for_invoice", kwargs={"clinic_slug": slug, "invoice_id": invoice.pk}
        )
    )
    expect(page.get_by_label("Policy to claim")).to_contain_text("Sun Life G-2040/M-7788")
    page.get_by_test_id("draft-claim").click()

    expect(page.get_by_test_id("claim-status")).to_have_text("Draft")
    expect(page.get_by_test_id("claim-claimed")).to_have_text("$110.00")
    page.get_by_test_id("submit-claim").click()
    expect(page.get_by_test_id("claim-status")).to_have_text("Submitted")

    page.get_by_label("The insurer pays ($)").fill("88.00")
    page.get_by_label("The insurer's reason").fill("80 % coinsurance")
    page.get_by_label("Insurer's claim number").fill("SL-20261125-01")
    page.get_by_test_id("record-adjudication").click()

    expect(page.get_by_test_id("claim-status")).to_have_text("Adjudicated: Partly paid")
    expect(page.get_by_test_id("claim-paid")).to_contain_text("$88.00")
    expect(page.get_by_test_id("patient-portion")).to_contain_text("$22.00")
    expect(page.get_by_test_id("claim-events")).to_contain_text("Patient portion invoiced: $22.00")
    shot("claims-partly-paid")

    page.get_by_role("link", name=f"Invoice {invoice.display_number}").click()
    expect(page.get_by_test_id("balance")).to_have_text("$22.00")
