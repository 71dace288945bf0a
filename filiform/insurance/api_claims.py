"""The claims API: direct billing to insurers (docs/direct-billing.md).

Each endpoint parses its input and calls one service or selector of
:mod:`filiform.insurance.claims` (or ``connections``), which check the role and audit. Drafting
and submitting are desk work; recording the insurer's answer, closing and resubmitting need
BILLING; the insurer connections are BILLING's.
"""

# No ``from __future__ import annotations`` here: django-ninja reads the enum-typed query
# parameters' annotations at import time.

from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from filiform.api_errors import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS, Error
from filiform.api_pagination import ClinicPages
from filiform.clinics.access import api_access
from filiform.insurance import claims, connections
from filiform.insurance.models import ClaimStatus
from filiform.insurance.schemas_claims import (
    MAX_ID,
    AdjudicationIn,
    ClaimDetailOut,
    ClaimDraftIn,
    ClaimOut,
    ConnectionIn,
    ConnectionOut,
    NoteIn,
)

router = Router(tags=["claims"])

WRITE_ONE = {**WRITE_ERRORS, 404: Error}
PATIENT_FILTER = Query(None, ge=1, le=MAX_ID, description="Only this patient's")


@router.get(
    "/claims",
    response={200: list[ClaimOut], **READ_ERRORS},
    summary="The clinic's claims, newest first (the work queue)",
)
@paginate(ClinicPages)
def list_claims(
    request: HttpRequest,
    status: ClaimStatus | None = None,
    patient_id: int | None = PATIENT_FILTER,
) -> list[ClaimOut]:
    found = claims.claims_of_clinic(
        access=api_access(request),
        filters=claims.ClaimFilter(status=status.value if status else None, patient_id=patient_id),
    )
    return [ClaimOut.of(c) for c in found]


@router.get(
    "/claims/{claim_id}",
    response={200: ClaimDetailOut, **ONE_ERRORS},
    summary="One claim with its history, the FHIR Claim sent and the insurer's answer",
)
def get_claim(request: HttpRequest, claim_id: int) -> ClaimDetailOut:
    return ClaimDetailOut.of(claims.claim_get(access=api_access(request), claim_id=claim_id))


@router.post(
    "/invoices/{invoice_id}/claims",
    response={201: ClaimOut, **WRITE_ONE},
    summary="Draft a claim for an issued invoice (default: the patient's primary policy)",
)
def draft_claim(request: HttpRequest, invoice_id: int, payload: ClaimDraftIn) -> Status:
    claim = claims.claim_draft(
        access=api_access(request), invoice_id=invoice_id, policy_id=payload.policy_id
    )
    return Status(201, ClaimOut.of(claim))


@router.post(
    "/claims/{claim_id}/submit",
    response={200: ClaimOut, **WRITE_ONE},
    summary="Send a draft claim through its channel (adjudicated at once if the insurer answers)",
)
def submit_claim(request: HttpRequest, claim_id: int) -> ClaimOut:
    return ClaimOut.of(claims.claim_submit(access=api_access(request), claim_id=claim_id))


@router.post(
    "/claims/{claim_id}/adjudication",
    response={200: ClaimOut, **WRITE_ONE},
    summary="Record the insurer's answer (billing); its payment is posted on the invoice",
)
def adjudicate_claim(request: HttpRequest, claim_id: int, payload: AdjudicationIn) -> ClaimOut:
    claim = claims.claim_adjudicate(
        access=api_access(request),
        claim_id=claim_id,
        paid_amount=payload.paid_amount,
        deductible_applied=payload.deductible_applied,
        outcome=payload.outcome,
        denial_reason=payload.denial_reason,
        insurer_reference=payload.insurer_reference,
    )
    return ClaimOut.of(claim)


@router.post(
    "/claims/{claim_id}/close",
    response={200: ClaimOut, **WRITE_ONE},
    summary="Close an adjudicated claim (billing)",
)
def close_claim(request: HttpRequest, claim_id: int, payload: NoteIn) -> ClaimOut:
    return ClaimOut.of(
        claims.claim_close(access=api_access(request), claim_id=claim_id, note=payload.note)
    )


@router.post(
    "/claims/{claim_id}/resubmit",
    response={201: ClaimOut, **WRITE_ONE},
    summary="Close a denied or partly paid claim and draft it again (billing); returns the new draft",
)
def resubmit_claim(request: HttpRequest, claim_id: int, payload: NoteIn) -> Status:
    claim = claims.claim_resubmit(access=api_access(request), claim_id=claim_id, note=payload.note)
    return Status(201, ClaimOut.of(claim))


@router.get(
    "/insurer-connections/{insurer_id}",
    response={200: ConnectionOut, **ONE_ERRORS},
    summary="How the clinic sends claims to an insurer (billing); the portal unless set",
)
def get_connection(request: HttpRequest, insurer_id: int) -> ConnectionOut:
    connection = connections.connection_get(access=api_access(request), insurer_id=insurer_id)
    return ConnectionOut.of(connections.insurer_of(insurer_id), connection)


@router.put(
    "/insurer-connections/{insurer_id}",
    response={200: ConnectionOut, **WRITE_ONE},
    summary="Set the channel (portal or fhir), the FHIR endpoint and the provider number (billing)",
)
def set_connection(request: HttpRequest, insurer_id: int, payload: ConnectionIn) -> ConnectionOut:
    connection = connections.connection_set(
        access=api_access(request),
        insurer_id=insurer_id,
        channel=payload.channel,
        endpoint=payload.endpoint,
        provider_number=payload.provider_number,
    )
    return ConnectionOut.of(connections.insurer_of(insurer_id), connection)
