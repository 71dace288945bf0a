"""The insurance pages: a patient's policies with used / left, adding with the service's
messages on the form, changing and ending, usage paid elsewhere (billing), and the estimate of
an invoice with every step. Another clinic's user gets 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from filiform.billing.models import Invoice
from filiform.billing.selectors import clinic_today
from filiform.insurance.models import CoverageUsage, Policy
from tests.conftest import World, client_for
from tests.insurance.conftest import add_policy, insurer

pytestmark = pytest.mark.django_db


def url(world: World, name: str, **kwargs: int) -> str:
    return reverse(f"insurance:{name}", kwargs={"clinic_slug": world.clinic.slug, **kwargs})


def form(**values: str) -> dict[str, str]:
    data = {
        "insurer_id": str(insurer("greenshield").pk),
        "rank": "1",
        "group_number": "GS-55",
        "member_id": "C-0042",
        "relationship": "subscriber",
        "effective_on": "2021-01-01",
        "annual_maximum": "500",
        "maximum_scope": "discipline",
        "per_visit_maximum": "80",
        "coinsurance_percent": "80",
        "deductible": "",
        "benefit_year": "calendar",
    }
    data.update(values)
    return {f"add-{k}": v for k, v in data.items()}


def test_the_desk_adds_a_policy_and_sees_the_terms_and_usage(world: World) -> None:
    desk = client_for(world.fran)
    page = url(world, "patient_policies", patient_id=world.patient.pk)
    empty = desk.get(page)
    assert empty.status_code == 200
    assert "No insurance on file" in empty.content.decode()

    refused = desk.post(page, form(coinsurance_percent="150", member_id=""))
    assert refused.status_code == 422
    text = refused.content.decode()
    assert "Coinsurance is the share the plan pays: 0 to 100 %." in text
    assert "Enter the member / certificate id from the card." in text
    assert Policy.objects.count() == 0

    added = desk.post(page, form())
    assert added.status_code == 302
    policy = Policy.objects.get()
    assert policy.progress_report_after == 20
    shown = desk.get(page).content.decode()
    assert "GreenShield" in shown
    assert "GS-55 / C-0042" in shown
    assert 'data-testid="usage-left">$500.00' in shown
    assert "after 20 visits" in shown
    assert "Report usage paid elsewhere" not in shown  # billing's work

    second = desk.post(page, form(group_number="X"))
    assert second.status_code == 422
    assert "already has an active primary policy: GreenShield GS-55 / C-0042" in (
        second.content.decode()
    )

    olga = client_for(world.olga)
    assert olga.get(page).status_code == 404
    assert olga.get(url(world, "policy_change", policy_id=policy.pk)).status_code == 404


def test_change_end_and_usage_pages(world: World) -> None:
    policy = add_policy(world)
    billing = client_for(world.bill)
    change = url(world, "policy_change", policy_id=policy.pk)
    page = billing.get(change)
    assert page.status_code == 200
    assert 'value="G-1000"' in page.content.decode()
    data = {
        f"change-{k}": v
        for k, v in {
            "insurer_id": str(policy.insurer_id),
            "rank": "1",
            "group_number": "G-1000",
            "member_id": "M-0001",
            "relationship": "subscriber",
            "effective_on": "2020-01-01",
            "annual_maximum": "600.00",
            "maximum_scope": "combined",
            "per_visit_maximum": "",
            "coinsurance_percent": "90",
            "deductible": "0.00",
            "benefit_year": "calendar",
        }.items()
    }
    assert billing.post(change, data).status_code == 302
    policy.refresh_from_db()
    assert (policy.annual_maximum, policy.per_visit_maximum, policy.maximum_scope) == (
        600,
        None,
        "combined",
    )

    usage = url(world, "usage_report", policy_id=policy.pk)
    assert client_for(world.fran).get(usage).status_code == 403
    bad = billing.post(
        usage,
        {"date_of_service": "2999-01-01", "discipline": "massage therapy", "insurer_paid": "x"},
    )
    assert bad.status_code == 422
    assert "Enter an amount in dollars and cents" in bad.content.decode()

    ok = billing.post(
        usage,
        {
            "date_of_service": clinic_today(world.clinic).isoformat(),
            "discipline": "massage therapy",
            "insurer_paid": "100.00",
        },
    )
    assert ok.status_code == 302
    assert CoverageUsage.objects.get().insurer_paid == 100
    listing = billing.get(url(world, "patient_policies", patient_id=world.patient.pk))
    assert 'data-testid="usage-used">$100.00' in listing.content.decode()
    assert 'data-testid="usage-left">$500.00' in listing.content.decode()

    end = url(world, "policy_end", policy_id=policy.pk)
    assert billing.post(end, {"end-reason": ""}).status_code == 422
    assert billing.post(end, {"end-reason": "new employer"}).status_code == 302
    policy.refresh_from_db()
    assert not policy.is_active
    assert "Ended" in billing.get(change).content.decode()


def test_the_estimate_page_shows_every_step(world: World, invoice: Invoice) -> None:
    add_policy(world, deductible="25", per_visit_maximum="60.00")
    add_policy(world, rank=2, group_number="G-2", annual_maximum=None, per_visit_maximum=None)
    page = client_for(world.bob).get(url(world, "invoice_estimate", invoice_id=invoice.pk))
    assert page.status_code == 200
    text = page.content.decode()
    for step in (
        "Fee $110.00",
        "Deductible left $25.00 → $85.00 eligible",
        "80 % coinsurance → $68.00",
        "Per-visit maximum $60.00 → $60.00",
        "Annual maximum $500.00, used $0.00, left $500.00 → $60.00",
        "Insurer pays $60.00, you pay $50.00",
        "Secondary plan: its share $88.00, capped at what the primary left $50.00 → $50.00",
        "Insurer pays $110.00, you pay $0.00",
    ):
        assert step in text, step
    assert (
        client_for(world.olga)
        .get(url(world, "invoice_estimate", invoice_id=invoice.pk))
        .status_code
        == 404
    )
