"""Billing's reports read insurer claims through the source insurance registers (billing does not
import insurance, the app above it: docs/architecture.md)."""

from __future__ import annotations

from filiform.billing import reports
from filiform.insurance.claims import claims_for_reports
from filiform.insurance.models import ClaimStatus


def test_the_reports_statuses_are_insurances() -> None:
    assert (reports.DRAFT, reports.SUBMITTED) == (ClaimStatus.DRAFT, ClaimStatus.SUBMITTED)


def test_insurance_registers_where_the_reports_read_claims() -> None:
    assert reports._claims_source == [claims_for_reports]
