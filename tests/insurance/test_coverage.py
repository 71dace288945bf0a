"""The benefit year, the year's usage and the estimate: the worked examples of
clinical-reference §6 ($500 a year at 80 % with $80 a visit; $1,000 a year at 80 %), the
deductible, the referral, the progress report, and coordination of two plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.http import Http404

from filiform.audit.models import AuditEntry
from filiform.billing.invoices import invoice_from_visit
from filiform.billing.models import Invoice
from filiform.insurance.coverage import (
    Terms,
    benefit_year_of,
    coordinate,
    coverage_estimate,
    plan_share,
    usage_of,
)
from filiform.insurance.models import CoverageUsage, Policy, UsageSource
from filiform.insurance.policies import usage_report
from tests.aftercare.needled import cleared, needled_visit
from tests.conftest import World
from tests.insurance.conftest import acting, add_policy

D = Decimal
ZERO = D("0.00")


def policy(**fields: object) -> Policy:
    values: dict[str, object] = {
        "relationship": "subscriber",
        "benefit_year": "calendar",
        "effective_on": dt.date(2021, 6, 15),
    }
    values.update(fields)
    return Policy(**values)


# --- benefit years -----------------------------------------------------------------------------


def test_calendar_and_policy_years() -> None:
    calendar = policy()
    assert benefit_year_of(calendar, dt.date(2026, 3, 4)) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
    )
    anniversary = policy(benefit_year="policy")
    assert benefit_year_of(anniversary, dt.date(2026, 6, 14)) == (
        dt.date(2025, 6, 15),
        dt.date(2026, 6, 14),
    )
    assert benefit_year_of(anniversary, dt.date(2026, 6, 15)) == (
        dt.date(2026, 6, 15),
        dt.date(2027, 6, 14),
    )


@pytest.mark.django_db
def test_birthday_year_is_the_members_own_or_the_subscribers(world: World) -> None:
    world.patient.birth_date = dt.date(1980, 9, 10)
    member = policy(benefit_year="birthday", patient=world.patient)
    assert benefit_year_of(member, dt.date(2026, 9, 9)) == (
        dt.date(2025, 9, 10),
        dt.date(2026, 9, 9),
    )
    child = policy(
        benefit_year="birthday",
        relationship="dependent",
        subscriber_birth_date=dt.date(1975, 4, 2),
        patient=world.patient,
    )
    assert benefit_year_of(child, dt.date(2026, 9, 9)) == (
        dt.date(2026, 4, 2),
        dt.date(2027, 4, 1),
    )


def test_a_february_29_birthday_starts_the_year_on_february_28_in_other_years() -> None:
    leapling = policy(
        benefit_year="birthday", relationship="spouse", subscriber_birth_date=dt.date(1988, 2, 29)
    )
    assert benefit_year_of(leapling, dt.date(2026, 2, 27)) == (
        dt.date(2025, 2, 28),
        dt.date(2026, 2, 27),
    )
    assert benefit_year_of(leapling, dt.date(2026, 2, 28)) == (
        dt.date(2026, 2, 28),
        dt.date(2027, 2, 27),
    )
    # 2028 is a leap year: the year before it ends on Feb 28, the new one starts on Feb 29
    assert benefit_year_of(leapling, dt.date(2028, 2, 28)) == (
        dt.date(2027, 2, 28),
        dt.date(2028, 2, 28),
    )
    assert benefit_year_of(leapling, dt.date(2028, 2, 29)) == (
        dt.date(2028, 2, 29),
        dt.date(2029, 2, 27),
    )


# --- the arithmetic: the worked examples -------------------------------------------------------

FIVE_HUNDRED = Terms(
    coinsurance_percent=D("80"), annual_maximum=D("500.00"), per_visit_maximum=D("80.00")
)
ONE_THOUSAND = Terms(coinsurance_percent=D("80"), annual_maximum=D("1000.00"))


def test_500_a_year_at_80_percent_with_80_a_visit() -> None:
    first = plan_share(FIVE_HUNDRED, D("110.00"), ZERO, ZERO, 0, False)
    assert (first.insurer_pays, first.patient_pays) == (D("80.00"), D("30.00"))
    assert first.steps == [
        "Fee $110.00",
        "80 % coinsurance → $88.00",
        "Per-visit maximum $80.00 → $80.00",
        "Annual maximum $500.00, used $0.00, left $500.00 → $80.00",
        "Insurer pays $80.00, you pay $30.00",
    ]
    # after six visits ($480 used) the plan has $20 left, then nothing
    seventh = plan_share(FIVE_HUNDRED, D("110.00"), D("480.00"), ZERO, 6, False)
    assert (seventh.insurer_pays, seventh.patient_pays) == (D("20.00"), D("90.00"))
    eighth = plan_share(FIVE_HUNDRED, D("110.00"), D("500.00"), ZERO, 7, False)
    assert (eighth.insurer_pays, eighth.patient_pays) == (ZERO, D("110.00"))
    assert "The annual maximum is used up for this benefit year." in eighth.warnings


def test_1000_a_year_at_80_percent() -> None:
    share = plan_share(ONE_THOUSAND, D("110.00"), D("300.00"), ZERO, 3, False)
    assert (share.insurer_pays, share.patient_pays) == (D("88.00"), D("22.00"))
    assert share.steps[-2] == "Annual maximum $1,000.00, used $300.00, left $700.00 → $88.00"


def test_the_deductible_then_every_cap_in_words() -> None:
    terms = Terms(
        coinsurance_percent=D("80"),
        deductible=D("25.00"),
        annual_maximum=D("500.00"),
        per_visit_maximum=D("60.00"),
    )
    share = plan_share(terms, D("110.00"), D("460.00"), ZERO, 0, False)
    assert share.steps == [
        "Fee $110.00",
        "Deductible left $25.00 → $85.00 eligible",
        "80 % coinsurance → $68.00",
        "Per-visit maximum $60.00 → $60.00",
        "Annual maximum $500.00, used $460.00, left $40.00 → $40.00",
        "Insurer pays $40.00, you pay $70.00",
    ]
    assert share.deductible_applied == D("25.00")
    met = plan_share(terms, D("110.00"), ZERO, D("25.00"), 1, False)
    assert met.deductible_applied == ZERO
    assert met.steps[1] == "Deductible left $0.00 → $110.00 eligible"
    assert met.insurer_pays == D("60.00")


def test_coinsurance_is_rounded_once_half_up() -> None:
    terms = Terms(coinsurance_percent=D("82.5"))
    share = plan_share(terms, D("99.99"), ZERO, ZERO, 0, False)  # 82.491750
    assert share.insurer_pays == D("82.49")
    assert share.insurer_pays + share.patient_pays == D("99.99")
    assert "82.5 % coinsurance → $82.49" in share.steps
    half = plan_share(Terms(coinsurance_percent=D("50")), D("0.05"), ZERO, ZERO, 0, False)
    assert half.insurer_pays == D("0.03")  # 0.025 → 0.03


def test_referral_required_and_none_on_file_pays_nothing_with_the_reason() -> None:
    terms = Terms(coinsurance_percent=D("80"), referral_required=True)
    refused = plan_share(terms, D("110.00"), ZERO, ZERO, 0, False)
    assert (refused.insurer_pays, refused.patient_pays) == (ZERO, D("110.00"))
    assert "physician's referral" in refused.steps[1]
    assert plan_share(terms, D("110.00"), ZERO, ZERO, 0, True).insurer_pays == D("88.00")


def test_a_due_progress_report_is_a_warning_not_a_refusal() -> None:
    terms = Terms(coinsurance_percent=D("80"), progress_report_after=20)
    twentieth = plan_share(terms, D("110.00"), ZERO, ZERO, 19, False)
    assert twentieth.warnings == []
    twenty_first = plan_share(terms, D("110.00"), ZERO, ZERO, 20, False)
    assert twenty_first.insurer_pays == D("88.00")
    assert "progress report is due" in twenty_first.warnings[0]
    assert "visit 21" in twenty_first.warnings[0]


def test_coverage_not_in_force_pays_nothing() -> None:
    terms = Terms(coinsurance_percent=D("80"), not_in_force="Coverage ended → $0.00")
    share = plan_share(terms, D("110.00"), ZERO, ZERO, 0, True)
    assert (share.insurer_pays, share.patient_pays) == (ZERO, D("110.00"))
    assert share.steps[1] == "Coverage ended → $0.00"


def test_coordination_caps_the_secondary_at_what_the_primary_left() -> None:
    primary = plan_share(FIVE_HUNDRED, D("110.00"), ZERO, ZERO, 0, False)  # 80.00
    secondary = plan_share(ONE_THOUSAND, D("110.00"), ZERO, ZERO, 0, False)  # 88.00 alone
    both = coordinate(D("110.00"), primary, secondary)
    assert (both.secondary_pays, both.insurer_pays, both.patient_pays) == (
        D("30.00"),
        D("110.00"),
        ZERO,
    )
    assert both.steps == [
        "Secondary plan: its share $88.00, capped at what the primary left $30.00 → $30.00",
        "Insurer pays $110.00, you pay $0.00",
    ]
    small = plan_share(Terms(coinsurance_percent=D("10")), D("110.00"), ZERO, ZERO, 0, False)
    assert coordinate(D("110.00"), primary, small).patient_pays == D("19.00")
    assert coordinate(D("110.00"), None, None).patient_pays == D("110.00")


# --- with the database: usage and the estimate -------------------------------------------------


def _usage(policy: Policy, world: World, day: dt.date, paid: str, discipline: str) -> None:
    CoverageUsage.objects.create(
        clinic=world.clinic,
        policy=policy,
        source=UsageSource.CLAIM if discipline == "physiotherapy" else UsageSource.REPORTED,
        discipline=discipline,
        date_of_service=day,
        insurer_paid=D(paid),
        recorded_by=world.bill,
    )


@pytest.mark.django_db
def test_usage_counts_other_disciplines_only_under_a_combined_maximum(world: World) -> None:
    physio = add_policy(world)
    _usage(physio, world, dt.date(2026, 2, 1), "80.00", "physiotherapy")
    _usage(physio, world, dt.date(2026, 3, 1), "60.00", "massage therapy")
    _usage(physio, world, dt.date(2025, 12, 31), "80.00", "physiotherapy")  # last year
    usage = usage_of(physio, dt.date(2026, 6, 1))
    assert (usage.paid, usage.visits) == (D("80.00"), 1)
    assert (usage.start, usage.end) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    physio.maximum_scope = "combined"
    assert usage_of(physio, dt.date(2026, 6, 1)).paid == D("140.00")


@pytest.mark.django_db
def test_the_estimate_of_an_invoice_counts_usage_and_coordinates(
    world: World, invoice: Invoice
) -> None:
    assert invoice.total == D("110.00")
    primary = add_policy(world, maximum_scope="combined")
    usage_report(
        access=acting(world, "bill"),
        policy_id=primary.pk,
        date_of_service=invoice.date_of_service,
        insurer_paid="460.00",
        discipline="Massage therapy",
    )
    add_policy(
        world,
        insurer_id=primary.insurer_id,
        rank=2,
        group_number="G-2",
        member_id="M-2",
        relationship="spouse",
        annual_maximum="1000.00",
        per_visit_maximum=None,
    )
    estimate = coverage_estimate(access=acting(world, "fran"), invoice_id=invoice.pk)
    assert estimate.primary is not None
    assert estimate.secondary is not None
    assert estimate.primary.insurer_pays == D("40.00")  # $500 - $460 used
    assert estimate.secondary.insurer_pays == D("88.00")
    assert (estimate.secondary_pays, estimate.insurer_pays, estimate.patient_pays) == (
        D("70.00"),
        D("110.00"),
        ZERO,
    )
    assert estimate.on == invoice.date_of_service
    assert AuditEntry.objects.filter(
        object_type="coverage_estimate", patient_id=world.patient.pk
    ).exists()
    with pytest.raises(Http404):
        coverage_estimate(access=acting(world, "olga"), invoice_id=invoice.pk)
    alone = coverage_estimate(
        access=acting(world, "bob"), patient_id=world.patient.pk, fee="50", on=dt.date(2019, 5, 1)
    )
    assert alone.insurer_pays == ZERO  # before the policies took effect
    assert "Coverage starts on 2020-01-01" in alone.primary.steps[1]  # type: ignore[union-attr]


@pytest.mark.django_db
def test_an_invoices_estimate_leaves_supplies_and_tax_to_the_patient(
    world: World, fees: dict[str, Any]
) -> None:
    """Tape and its HST are not physiotherapy: the plan is estimated on the $110.00 session
    only, and the $11.29 of tape and tax is shown apart, the patient's."""
    cleared(world)
    visit = needled_visit(world)
    invoice = invoice_from_visit(
        access=acting(world, "fran"), visit_id=visit.pk, service_codes=["ims", "tape"]
    )
    assert invoice.total == D("121.29")
    add_policy(world)
    estimate = coverage_estimate(access=acting(world, "fran"), invoice_id=invoice.pk)
    assert estimate.fee == D("110.00")
    assert (estimate.insurer_pays, estimate.patient_pays) == (D("80.00"), D("30.00"))
    assert (estimate.supplies_and_tax, estimate.patient_owes) == (D("11.29"), D("41.29"))
    assert "Supplies and tax, not claimed: $11.29 → you pay $41.29 in all" in estimate.steps
