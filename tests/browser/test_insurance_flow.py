"""Insurance in headless Chromium on a tablet: the front desk adds the patient's benefits card
on the insurance page, is told what is missing, and sees the plan's terms and what is left of
this benefit year's maximum, which counts usage paid elsewhere."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from filiform.billing.selectors import clinic_today
from filiform.insurance.models import Insurer, Policy
from filiform.insurance.policies import usage_report
from tests.browser.test_staff_flows import sign_in
from tests.clinical import access_for
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_front_desk_adds_a_policy_and_sees_the_usage(
    world: World, live_server, page: Page, shot
) -> None:
    # transactional tests empty the seeded tables between tests: make sure the insurer is there
    greenshield, _ = Insurer.objects.get_or_create(
        code="greenshield", defaults={"name": "GreenShield", "progress_report_after": 20}
    )
    sign_in(page, live_server.url, "fran@clinic.test")
    page.goto(
        live_server.url
        + reverse(
            "insurance:patient_policies",
            kwargs={"clinic_slug": world.clinic.slug, "patient_id": world.patient.pk},
        )
    )
    expect(page.get_by_test_id("no-policies")).to_be_visible()
    form = page.get_by_test_id("policy-form")
    form.locator("#id_add-insurer_id").select_option(label=greenshield.name)
    form.get_by_label("Group / policy number").fill("GS-55")
    form.get_by_label("Policy effective date").fill("2021-01-01")
    form.locator("#id_add-annual_maximum").fill("500")
    form.get_by_label("Per-visit maximum").fill("80")
    form.get_by_label("Insurer pays (%)").fill("120")
    form.get_by_role("button", name="Add the policy").click()

    form = page.get_by_test_id("policy-form")
    expect(form).to_contain_text("Coinsurance is the share the plan pays: 0 to 100 %.")
    expect(form).to_contain_text("Enter the member / certificate id from the card.")
    expect(form.get_by_label("Group / policy number")).to_have_value("GS-55")  # kept
    form.get_by_label("Member / certificate id").fill("C-0042")
    form.get_by_label("Insurer pays (%)").fill("80")
    shot("insurance-add-policy")
    form.get_by_role("button", name="Add the policy").click()

    expect(page.locator(".messages")).to_contain_text("GreenShield added as the primary policy.")
    policy_card = page.get_by_test_id("policy")
    expect(policy_card.get_by_test_id("usage-used")).to_have_text("$0.00")
    expect(policy_card.get_by_test_id("usage-left")).to_have_text("$500.00")
    expect(policy_card.get_by_test_id("policy-terms")).to_contain_text("after 20 visits")

    policy = Policy.objects.get(patient=world.patient)
    usage_report(
        access=access_for(world.bill, world.clinic),
        policy_id=policy.pk,
        date_of_service=clinic_today(world.clinic),
        insurer_paid="120.00",
        note="physiotherapy at another clinic",
    )
    page.reload()
    policy_card = page.get_by_test_id("policy")
    expect(policy_card.get_by_test_id("usage-used")).to_have_text("$120.00")
    expect(policy_card.get_by_test_id("usage-left")).to_have_text("$380.00")
    shot("insurance-patient-policies")
