"""The insurance API: insurers, a patient's policies (add, read, change, end), usage paid
elsewhere, and coverage estimates for a fee or an invoice.

Each endpoint parses its input and calls one service or selector of
:mod:`filiform.insurance`, which check the role and audit. Amounts are text ("110.00")."""

# No ``from __future__ import annotations`` here: django-ninja reads the annotations at import.

import datetime as dt

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from filiform.api_errors import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS, Error
from filiform.api_types import IsoDate
from filiform.clinics.access import api_access
from filiform.insurance import coverage, policies, selectors
from filiform.insurance.schemas import (
    EstimateOut,
    InsurerOut,
    PolicyChangeIn,
    PolicyEndIn,
    PolicyIn,
    PolicyOut,
    UsageIn,
    UsageOut,
)

router = Router(tags=["insurance"])

MAX_ID = 2**62
WRITE_ONE = {**WRITE_ERRORS, 404: Error}
PATIENT_QUERY = Query(..., ge=1, le=MAX_ID, description="The patient")
FEE_QUERY = Query(..., max_length=20, description='The fee, e.g. "110.00"')


def _id(description: str) -> int:
    return Path(..., ge=1, le=MAX_ID, description=description)


@router.get(
    "/insurers",
    response={200: list[InsurerOut], **READ_ERRORS},
    summary="The insurers a policy can name (active ones)",
)
def list_insurers(request: HttpRequest) -> list[InsurerOut]:
    api_access(request)
    return [InsurerOut.of(i) for i in selectors.insurers()]


@router.get(
    "/patients/{patient_id}/policies",
    response={200: list[PolicyOut], **ONE_ERRORS},
    summary="A patient's policies with this benefit year's usage, active first",
)
def list_policies(request: HttpRequest, patient_id: int = _id("The patient")) -> list[PolicyOut]:
    found = selectors.policies_of_patient(access=api_access(request), patient_id=patient_id)
    return [PolicyOut.of(p) for p in found]


@router.post(
    "/patients/{patient_id}/policies",
    response={201: PolicyOut, **WRITE_ONE},
    summary="Add a policy (primary or secondary) to a patient",
)
def add_policy(
    request: HttpRequest, payload: PolicyIn, patient_id: int = _id("The patient")
) -> Status:
    access = api_access(request)
    policy = policies.policy_add(access=access, patient_id=patient_id, terms=payload)
    return Status(201, PolicyOut.of(selectors.policy_get(access=access, policy_id=policy.pk)))


@router.get(
    "/policies/{policy_id}",
    response={200: PolicyOut, **ONE_ERRORS},
    summary="One policy with its terms and this benefit year's usage",
)
def get_policy(request: HttpRequest, policy_id: int = _id("The policy")) -> PolicyOut:
    return PolicyOut.of(selectors.policy_get(access=api_access(request), policy_id=policy_id))


@router.patch(
    "/policies/{policy_id}",
    response={200: PolicyOut, **WRITE_ONE},
    summary="Change a policy's details or terms (only the fields sent)",
)
def change_policy(
    request: HttpRequest, payload: PolicyChangeIn, policy_id: int = _id("The policy")
) -> PolicyOut:
    access = api_access(request)
    policies.policy_change(access=access, policy_id=policy_id, changes=payload)
    return PolicyOut.of(selectors.policy_get(access=access, policy_id=policy_id))


@router.post(
    "/policies/{policy_id}/end",
    response={200: PolicyOut, **WRITE_ONE},
    summary="End a policy (kept for its claims; no longer used for estimates)",
)
def end_policy(
    request: HttpRequest, payload: PolicyEndIn, policy_id: int = _id("The policy")
) -> PolicyOut:
    access = api_access(request)
    policies.policy_end(access=access, policy_id=policy_id, reason=payload.reason)
    return PolicyOut.of(selectors.policy_get(access=access, policy_id=policy_id))


@router.post(
    "/policies/{policy_id}/usage",
    response={201: UsageOut, **WRITE_ONE},
    summary="Record what the plan paid elsewhere this benefit year (billing staff)",
)
def report_usage(
    request: HttpRequest, payload: UsageIn, policy_id: int = _id("The policy")
) -> Status:
    usage = policies.usage_report(access=api_access(request), policy_id=policy_id, **payload.dict())
    return Status(201, UsageOut.of(usage))


@router.get(
    "/policies/{policy_id}/usage",
    response={200: list[UsageOut], **ONE_ERRORS},
    summary="What the plan has paid, claim by claim and reported, oldest first",
)
def list_usage(request: HttpRequest, policy_id: int = _id("The policy")) -> list[UsageOut]:
    rows = selectors.usage_of_policy(access=api_access(request), policy_id=policy_id)
    return [UsageOut.of(r) for r in rows]


@router.get(
    "/estimates",
    response={200: EstimateOut, **ONE_ERRORS},
    summary="What the patient's plans would pay toward a fee on a day, with the arithmetic",
)
def estimate_for_fee(
    request: HttpRequest,
    patient_id: int = PATIENT_QUERY,
    fee: str = FEE_QUERY,
    on: IsoDate | None = None,
) -> EstimateOut:
    """``on``: the date of service, YYYY-MM-DD (default: today in the clinic)."""
    day: dt.date | None = on
    estimate = coverage.coverage_estimate(
        access=api_access(request), patient_id=patient_id, fee=fee, on=day
    )
    return EstimateOut.of(estimate)


@router.get(
    "/invoices/{invoice_id}/estimate",
    response={200: EstimateOut, **ONE_ERRORS},
    summary="What the patient's plans would pay toward an invoice (its insured services, its date)",
)
def estimate_for_invoice(request: HttpRequest, invoice_id: int = _id("The invoice")) -> EstimateOut:
    estimate = coverage.coverage_estimate(access=api_access(request), invoice_id=invoice_id)
    return EstimateOut.of(estimate)
