"""Properties of the estimate, for any terms, fee and usage (pure functions: fast):
0 ≤ insurer ≤ fee, ≤ per-visit maximum, ≤ what is left of the annual maximum; insurer +
patient = fee exactly; primary + secondary ≤ fee."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from filiform.insurance.coverage import PlanShare, Terms, coordinate, plan_share

ZERO = Decimal("0.00")


def cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low, high).map(lambda c: Decimal(c) / 100)


percent = st.integers(0, 10_000).map(lambda c: Decimal(c) / 100)  # 0.00 to 100.00
terms = st.builds(
    Terms,
    coinsurance_percent=percent,
    deductible=cents(0, 100_000),
    annual_maximum=st.none() | cents(0, 500_000),
    per_visit_maximum=st.none() | cents(0, 50_000),
    referral_required=st.booleans(),
    progress_report_after=st.none() | st.integers(1, 50),
    not_in_force=st.sampled_from(["", "Coverage ended → $0.00"]),
)
fees = cents(0, 1_000_000)
used = cents(-10_000, 600_000)  # corrections can make a year's sum negative for a while
visits = st.integers(0, 60)


def share(t: Terms, fee: Decimal, u: Decimal, met: Decimal, v: int, referral: bool) -> PlanShare:
    return plan_share(t, fee, u, met, v, referral)


@settings(max_examples=200, deadline=None)
@given(terms, fees, used, cents(0, 100_000), visits, st.booleans())
def test_one_plan_never_pays_more_than_it_may(
    t: Terms, fee: Decimal, u: Decimal, met: Decimal, v: int, referral: bool
) -> None:
    result = share(t, fee, u, met, v, referral)
    assert ZERO <= result.insurer_pays <= fee
    assert result.insurer_pays + result.patient_pays == fee
    assert result.insurer_pays == result.insurer_pays.quantize(Decimal("0.01"))
    if t.per_visit_maximum is not None:
        assert result.insurer_pays <= t.per_visit_maximum
    if t.annual_maximum is not None:
        assert result.insurer_pays <= max(ZERO, t.annual_maximum - max(u, ZERO))
    assert ZERO <= result.deductible_applied <= fee
    assert result.steps[0].startswith("Fee ")
    assert result.steps[-1].startswith("Insurer pays ")


@settings(max_examples=200, deadline=None)
@given(terms, terms, fees, used, used, visits, st.booleans())
def test_two_plans_together_never_pay_more_than_the_fee(
    first: Terms, second: Terms, fee: Decimal, u1: Decimal, u2: Decimal, v: int, referral: bool
) -> None:
    primary = share(first, fee, u1, ZERO, v, referral)
    secondary = share(second, fee, u2, ZERO, v, referral)
    both = coordinate(fee, primary, secondary)
    assert ZERO <= both.secondary_pays <= secondary.insurer_pays
    assert primary.insurer_pays + both.secondary_pays == both.insurer_pays
    assert both.insurer_pays <= fee
    assert both.insurer_pays + both.patient_pays == fee
    assert both.patient_pays >= ZERO
