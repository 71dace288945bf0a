"""The claims API's shapes. Money travels as text with two decimals ("110.00"), read by
``billing.money.parse_amount`` (never a float). Input schemas only parse and bound; the claims
service checks the rules and names the field it refuses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from filiform.api_types import Text
from filiform.insurance.models import Claim, ClaimEvent, InsurerConnection

MAX_ID = 2**62
MONEY_PATTERN = r"^\$?[0-9][0-9,]*(\.[0-9]{1,2})?$"


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


# --- input -------------------------------------------------------------------------------------


class ClaimDraftIn(Schema):
    policy_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Default: the patient's active primary policy"
    )


class AdjudicationIn(Schema):
    paid_amount: str = Field(
        ...,
        max_length=20,
        pattern=MONEY_PATTERN,
        description='What the insurer pays, dollars and cents as text ("88.00"); 0 for denied',
    )
    deductible_applied: str = Field(
        "0", max_length=20, pattern=MONEY_PATTERN, description="Deductible the plan applied"
    )
    outcome: str | None = Field(
        None,
        max_length=12,
        description="paid, partly_paid or denied; default: from the amounts (and checked against them)",
    )
    denial_reason: Text = Field(
        "", max_length=300, description="The insurer's reason (required unless paid in full)"
    )
    insurer_reference: Text = Field("", max_length=80, description="The insurer's claim number")


class NoteIn(Schema):
    note: Text = Field("", max_length=300)


class ConnectionIn(Schema):
    channel: str = Field("portal", max_length=10, description="portal (default) or fhir")
    endpoint: Text = Field(
        "", max_length=200, description="FHIR base URL (https://…); the claim is POSTed to …/Claim"
    )
    provider_number: Text = Field(
        "", max_length=40, description="The clinic's provider number with this insurer"
    )


# --- output ------------------------------------------------------------------------------------


class ClaimEventOut(Schema):
    status: str
    outcome: str
    note: str
    at: dt.datetime
    by: str

    @staticmethod
    def of(event: ClaimEvent) -> ClaimEventOut:
        return ClaimEventOut(
            status=event.status,
            outcome=event.outcome,
            note=event.note,
            at=event.at,
            by=event.by.display_name,
        )


class ClaimOut(Schema):
    id: int
    invoice_id: int
    invoice_number: str
    patient_id: int
    policy_id: int
    insurer_code: str
    insurer_name: str
    sequence: int = Field(..., description="1 primary, 2 secondary")
    channel: str
    status: str = Field(..., description="draft, submitted, adjudicated, closed")
    outcome: str = Field(..., description="paid, partly_paid, denied, or empty before adjudication")
    date_of_service: dt.date
    practitioner_name: str
    practitioner_designation: str
    registration_number: str
    claimed_amount: str
    paid_amount: str | None
    deductible_applied: str
    patient_portion: str | None = Field(
        ..., description="What the patient owed on the invoice after this claim's answer"
    )
    denial_reason: str
    insurer_reference: str
    resubmission_of_id: int | None
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    adjudicated_at: dt.datetime | None
    closed_at: dt.datetime | None

    @staticmethod
    def fields_of(claim: Claim) -> dict[str, Any]:
        return {
            "id": claim.pk,
            "invoice_id": claim.invoice_id,
            "invoice_number": claim.invoice.display_number,
            "patient_id": claim.patient_id,
            "policy_id": claim.policy_id,
            "insurer_code": claim.policy.insurer.code,
            "insurer_name": claim.policy.insurer.name,
            "sequence": claim.sequence,
            "channel": claim.channel,
            "status": claim.status,
            "outcome": claim.outcome,
            "date_of_service": claim.date_of_service,
            "practitioner_name": claim.practitioner_name,
            "practitioner_designation": claim.practitioner_designation,
            "registration_number": claim.registration_number,
            "claimed_amount": _money(claim.claimed_amount),
            "paid_amount": _money(claim.paid_amount),
            "deductible_applied": _money(claim.deductible_applied),
            "patient_portion": _money(claim.patient_portion),
            "denial_reason": claim.denial_reason,
            "insurer_reference": claim.insurer_reference,
            "resubmission_of_id": claim.resubmission_of_id,
            "created_at": claim.created_at,
            "submitted_at": claim.submitted_at,
            "adjudicated_at": claim.adjudicated_at,
            "closed_at": claim.closed_at,
        }

    @staticmethod
    def of(claim: Claim) -> ClaimOut:
        return ClaimOut(**ClaimOut.fields_of(claim))


class ClaimDetailOut(ClaimOut):
    events: list[ClaimEventOut]
    fhir_claim: dict[str, Any] = Field(..., description="The FHIR R4 Claim sent ({} before)")
    fhir_response: dict[str, Any] = Field(
        ..., description="The insurer's FHIR ClaimResponse, if it sent one ({} otherwise)"
    )

    @staticmethod
    def of(claim: Claim) -> ClaimDetailOut:
        events = ClaimEvent.objects.select_related("by").filter(claim=claim)
        return ClaimDetailOut(
            **ClaimOut.fields_of(claim),
            events=[ClaimEventOut.of(e) for e in events],
            fhir_claim=claim.request or {},
            fhir_response=claim.response or {},
        )


class ConnectionOut(Schema):
    insurer_id: int
    insurer_code: str
    insurer_name: str
    channel: str
    endpoint: str
    provider_number: str
    updated_at: dt.datetime | None

    @staticmethod
    def of(insurer: Any, connection: InsurerConnection | None) -> ConnectionOut:
        return ConnectionOut(
            insurer_id=insurer.pk,
            insurer_code=insurer.code,
            insurer_name=insurer.name,
            channel=connection.channel if connection else "portal",
            endpoint=connection.endpoint if connection else "",
            provider_number=connection.provider_number if connection else "",
            updated_at=connection.updated_at if connection else None,
        )
