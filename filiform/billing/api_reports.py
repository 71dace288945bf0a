"""The billing reports over the API (owners and billing staff): receivables aging, claims
outstanding and revenue. Definitions are those of :mod:`filiform.billing.reports`
(docs/billing-reports.md). Amounts are strings of dollars and cents ("1234.50"), never numbers,
so no client reads them as floats. Dates are YYYY-MM-DD; a revenue period that ends before it
starts, or spans more than five years, answers 422 with the field and the reason."""

# No ``from __future__ import annotations``: django-ninja reads the annotations at import time.

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema

from filiform.api_errors import READ_ERRORS
from filiform.api_types import IsoDate
from filiform.billing import reports
from filiform.clinics.access import api_access

router = Router(tags=["billing reports"])

AS_OF = Query(None, description="Count ages to this day (clinic time), YYYY-MM-DD; default today")
START = Query(
    None,
    description="First date of service, YYYY-MM-DD; default the first of the month 11 "
    "months before the end",
)
END = Query(None, description="Last date of service, YYYY-MM-DD; default today")


def _m(value: Decimal) -> str:
    return f"{value:.2f}"


class ReceivablesBucketOut(Schema):
    bucket: str  # 0-30, 31-60, 61-90, over-90
    label: str
    patient: str
    insurer: str
    total: str


class DebtorOut(Schema):
    id: int
    name: str
    buckets: dict[str, str]
    total: str
    count: int


class ReceivablesOut(Schema):
    as_of: dt.date
    buckets: list[ReceivablesBucketOut]
    patient_total: str
    insurer_total: str
    total: str
    by_insurer: list[DebtorOut]
    top_patients: list[DebtorOut]
    patients_owing: int


def _debtor(d: reports.Debtor) -> DebtorOut:
    return DebtorOut(
        id=d.id,
        name=d.name,
        buckets={k: _m(v) for k, v in d.buckets.items()},
        total=_m(d.total),
        count=d.count,
    )


class OutstandingClaimOut(Schema):
    claim_id: int
    invoice_id: int
    invoice_number: str
    status: str
    insurer_id: int
    insurer: str
    patient_id: int
    patient: str
    date_of_service: dt.date
    amount: str
    since: dt.date
    days_waiting: int


class InsurerClaimsOut(Schema):
    insurer_id: int
    insurer: str
    drafts: int
    drafts_amount: str
    submitted: int
    submitted_amount: str
    count: int
    amount: str


class ClaimsOutstandingOut(Schema):
    as_of: dt.date
    drafts: int
    drafts_amount: str
    submitted: int
    submitted_amount: str
    amount: str
    by_insurer: list[InsurerClaimsOut]
    claims: list[OutstandingClaimOut]


class RevenueGroupOut(Schema):
    key: str
    label: str
    count: int
    charges: str
    tax: str
    patient_collected: str
    insurer_collected: str
    collected: str


class RevenueOut(Schema):
    start: dt.date
    end: dt.date
    invoices: int
    totals: RevenueGroupOut
    outstanding: str
    by_service: list[RevenueGroupOut]
    by_practitioner: list[RevenueGroupOut]
    monthly: list[RevenueGroupOut]


def _group(g: reports.RevenueGroup) -> RevenueGroupOut:
    return RevenueGroupOut(
        key=g.key,
        label=g.label,
        count=g.count,
        charges=_m(g.charges),
        tax=_m(g.tax),
        patient_collected=_m(g.patient_collected),
        insurer_collected=_m(g.insurer_collected),
        collected=_m(g.collected),
    )


@router.get(
    "/reports/receivables",
    response={200: ReceivablesOut, **READ_ERRORS},
    summary="Receivables aging: owed by patients and insurers, by days since the date of "
    "service (owners, billing)",
)
def get_receivables(request: HttpRequest, as_of: IsoDate | None = AS_OF) -> ReceivablesOut:
    r = reports.receivables_aging(access=api_access(request), as_of=as_of)
    return ReceivablesOut(
        as_of=r.as_of,
        buckets=[
            ReceivablesBucketOut(
                bucket=row.key,
                label=row.label,
                patient=_m(row.patient),
                insurer=_m(row.insurer),
                total=_m(row.total),
            )
            for row in r.rows
        ],
        patient_total=_m(r.patient_total),
        insurer_total=_m(r.insurer_total),
        total=_m(r.total),
        by_insurer=[_debtor(d) for d in r.by_insurer],
        top_patients=[_debtor(d) for d in r.top_patients],
        patients_owing=r.patients_owing,
    )


@router.get(
    "/reports/claims-outstanding",
    response={200: ClaimsOutstandingOut, **READ_ERRORS},
    summary="Claims not sent yet and claims awaiting the insurer's answer, oldest first "
    "(owners, billing)",
)
def get_claims_outstanding(
    request: HttpRequest, as_of: IsoDate | None = AS_OF
) -> ClaimsOutstandingOut:
    r = reports.claims_outstanding(access=api_access(request), as_of=as_of)
    return ClaimsOutstandingOut(
        as_of=r.as_of,
        drafts=r.drafts,
        drafts_amount=_m(r.drafts_amount),
        submitted=r.submitted,
        submitted_amount=_m(r.submitted_amount),
        amount=_m(r.amount),
        by_insurer=[
            InsurerClaimsOut(
                insurer_id=i.insurer_id,
                insurer=i.insurer,
                drafts=i.drafts,
                drafts_amount=_m(i.drafts_amount),
                submitted=i.submitted,
                submitted_amount=_m(i.submitted_amount),
                count=i.count,
                amount=_m(i.amount),
            )
            for i in r.by_insurer
        ],
        claims=[
            OutstandingClaimOut(
                claim_id=c.claim_id,
                invoice_id=c.invoice_id,
                invoice_number=c.invoice_number,
                status=c.status,
                insurer_id=c.insurer_id,
                insurer=c.insurer,
                patient_id=c.patient_id,
                patient=c.patient,
                date_of_service=c.date_of_service,
                amount=_m(c.amount),
                since=c.since,
                days_waiting=c.days_waiting,
            )
            for c in r.claims
        ],
    )


@router.get(
    "/reports/revenue",
    response={200: RevenueOut, **READ_ERRORS},
    summary="Revenue by service, practitioner and month: charges before tax, tax, and what "
    "patients and insurers paid on them (owners, billing)",
)
def get_revenue(
    request: HttpRequest, start: IsoDate | None = START, end: IsoDate | None = END
) -> RevenueOut:
    r = reports.revenue(access=api_access(request), start=start, end=end)
    return RevenueOut(
        start=r.start,
        end=r.end,
        invoices=r.invoices,
        totals=_group(r.totals),
        outstanding=_m(r.outstanding),
        by_service=[_group(g) for g in r.by_service],
        by_practitioner=[_group(g) for g in r.by_practitioner],
        monthly=[_group(g) for g in r.monthly],
    )
