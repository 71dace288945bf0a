"""The insurance API's shapes. Amounts travel as text in dollars and cents ("110.00"), in and
out, like the rest of billing: parsed by ``billing.money.parse_amount`` in the services, so a
bad amount answers 422 with the same message a form shows. Input schemas only parse types and
bounds (a policy's terms are their spec, ``insurance/specs.py``); the rules (coinsurance 0 to
100 %, one primary, a birthday year's member) stay in :mod:`filiform.insurance.policies`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from filiform.api_types import IsoDate, Text
from filiform.insurance.coverage import Estimate, PlanShare
from filiform.insurance.models import (
    CoverageUsage,
    Insurer,
)
from filiform.insurance.selectors import PolicyWithUsage
from filiform.insurance.specs import PolicyTermsChanges, PolicyTermsSpec


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


# --- input -------------------------------------------------------------------------------------


class PolicyIn(PolicyTermsSpec):
    pass


class PolicyChangeIn(PolicyTermsChanges):
    """Only the fields sent change; null clears an optional field."""


class PolicyEndIn(Schema):
    reason: Text = Field(..., max_length=300, description="Why it ends, e.g. changed employer")


class UsageIn(Schema):
    date_of_service: IsoDate
    insurer_paid: Text = Field(..., max_length=20, description='Paid by the plan, e.g. "60.00"')
    deductible_applied: Text = Field("0.00", max_length=20)
    discipline: Text = Field("physiotherapy", max_length=40, description="e.g. massage therapy")
    note: Text = Field("", max_length=300)


# --- output ------------------------------------------------------------------------------------


class InsurerOut(Schema):
    id: int
    code: str
    name: str
    direct_billing: bool
    network: str
    progress_report_after: int | None

    @staticmethod
    def of(insurer: Insurer) -> InsurerOut:
        return InsurerOut(
            id=insurer.pk,
            code=insurer.code,
            name=insurer.name,
            direct_billing=insurer.direct_billing,
            network=insurer.network,
            progress_report_after=insurer.progress_report_after,
        )


class UsageSummaryOut(Schema):
    benefit_year_start: dt.date
    benefit_year_end: dt.date
    paid: str = Field(..., description="Paid by the plan this benefit year (toward the maximum)")
    deductible_met: str
    visits: int = Field(..., description="Physiotherapy visits claimed this benefit year")
    left: str | None = Field(..., description="Left of the annual maximum (null: no maximum)")


class PolicyOut(Schema):
    id: int
    patient_id: int
    insurer: InsurerOut
    rank: int
    plan_name: str
    group_number: str
    member_id: str
    relationship: str
    subscriber_name: str
    subscriber_birth_date: dt.date | None
    effective_on: dt.date
    ends_on: dt.date | None
    annual_maximum: str | None
    maximum_scope: str
    per_visit_maximum: str | None
    coinsurance_percent: str
    deductible: str
    benefit_year: str
    referral_required: bool
    referral_on_file_on: dt.date | None
    progress_report_after: int | None
    is_active: bool
    ended_reason: str
    usage: UsageSummaryOut | None = Field(..., description="This benefit year (null: not read)")

    @staticmethod
    def of(found: PolicyWithUsage) -> PolicyOut:
        p, u = found.policy, found.usage
        return PolicyOut(
            id=p.pk,
            patient_id=p.patient_id,
            insurer=InsurerOut.of(p.insurer),
            rank=p.rank,
            plan_name=p.plan_name,
            group_number=p.group_number,
            member_id=p.member_id,
            relationship=p.relationship,
            subscriber_name=p.subscriber_name,
            subscriber_birth_date=p.subscriber_birth_date,
            effective_on=p.effective_on,
            ends_on=p.ends_on,
            annual_maximum=_money(p.annual_maximum),
            maximum_scope=p.maximum_scope,
            per_visit_maximum=_money(p.per_visit_maximum),
            coinsurance_percent=f"{p.coinsurance_percent:.2f}",
            deductible=f"{p.deductible:.2f}",
            benefit_year=p.benefit_year,
            referral_required=p.referral_required,
            referral_on_file_on=p.referral_on_file_on,
            progress_report_after=p.progress_report_after,
            is_active=p.is_active,
            ended_reason=p.ended_reason,
            usage=UsageSummaryOut(
                benefit_year_start=u.start,
                benefit_year_end=u.end,
                paid=f"{u.paid:.2f}",
                deductible_met=f"{u.deductible_met:.2f}",
                visits=u.visits,
                left=_money(found.left),
            ),
        )


class UsageOut(Schema):
    id: int
    policy_id: int
    source: str = Field(..., description="claim or reported")
    claim_id: int | None
    discipline: str
    date_of_service: dt.date
    insurer_paid: str
    deductible_applied: str
    note: str
    recorded_at: dt.datetime

    @staticmethod
    def of(row: CoverageUsage) -> UsageOut:
        return UsageOut(
            id=row.pk,
            policy_id=row.policy_id,
            source=row.source,
            claim_id=row.claim_id,
            discipline=row.discipline,
            date_of_service=row.date_of_service,
            insurer_paid=f"{row.insurer_paid:.2f}",
            deductible_applied=f"{row.deductible_applied:.2f}",
            note=row.note,
            recorded_at=row.recorded_at,
        )


class PlanShareOut(Schema):
    plan: str
    insurer_pays: str
    patient_pays: str
    deductible_applied: str
    steps: list[str] = Field(..., description="The arithmetic in words")
    warnings: list[str] = Field(..., description="E.g. a progress report is due")

    @staticmethod
    def of(share: PlanShare | None) -> PlanShareOut | None:
        if share is None:
            return None
        return PlanShareOut(
            plan=share.label,
            insurer_pays=f"{share.insurer_pays:.2f}",
            patient_pays=f"{share.patient_pays:.2f}",
            deductible_applied=f"{share.deductible_applied:.2f}",
            steps=share.steps,
            warnings=share.warnings,
        )


class EstimateOut(Schema):
    patient_id: int
    invoice_id: int | None
    on: dt.date
    fee: str
    primary: PlanShareOut | None
    secondary: PlanShareOut | None
    secondary_pays: str = Field(..., description="The secondary's share after coordination")
    insurer_pays: str
    patient_pays: str = Field(..., description="The patient's share of the fee (insured services)")
    supplies_and_tax: str = Field(
        ..., description="An invoice's supplies and tax: never claimed, the patient's"
    )
    patient_owes: str = Field(..., description="patient_pays + supplies_and_tax")
    steps: list[str]

    @staticmethod
    def of(estimate: Estimate) -> EstimateOut:
        assert estimate.on is not None
        assert estimate.patient_id is not None
        return EstimateOut(
            patient_id=estimate.patient_id,
            invoice_id=estimate.invoice_id,
            on=estimate.on,
            fee=f"{estimate.fee:.2f}",
            primary=PlanShareOut.of(estimate.primary),
            secondary=PlanShareOut.of(estimate.secondary),
            secondary_pays=f"{estimate.secondary_pays:.2f}",
            insurer_pays=f"{estimate.insurer_pays:.2f}",
            patient_pays=f"{estimate.patient_pays:.2f}",
            supplies_and_tax=f"{estimate.supplies_and_tax:.2f}",
            patient_owes=f"{estimate.patient_owes:.2f}",
            steps=estimate.steps,
        )
