"""The FHIR R4 adapter: a validated ``Claim`` POSTed to the insurer's endpoint, its
``ClaimResponse`` validated and read back.

The Claim (built by :func:`claim_resource`, validated with fhir.resources' R4B models, which
share R4's Claim and ClaimResponse shapes):

- ``use`` claim, ``type`` professional (claim-type): physiotherapy in a clinic is a
  practitioner's service, not a hospital stay ("institutional"), and not oral, vision or
  pharmacy; ``priority`` normal.
- the patient, the coverage (member id, group, the patient's relationship to the plan member),
  the insurer (an Organization) and the practitioner (with the registration number as an
  identifier, and the clinic's provider number with this insurer if set) travel as contained
  resources, so the insurer needs nothing else from us.
- ``insurance``: the policy claimed (focal) with its sequence (1 primary, 2 secondary).
- one ``item`` per insured service (``billing.insured``: the untaxed fee lines; supplies such as
  tape and all tax are not claimed): the service's code in the clinic's fee schedule, its
  description worded as on the receipt (never "acupuncture": ``receipts.insurer_wording``), its
  quantity, unit fee and ``net`` (the line's amount); ``total`` is the amount claimed (the
  insured services for a primary, what the primary left of them for a secondary).

The ClaimResponse: ``outcome`` complete or partial gives an adjudication (the sum of the items'
"benefit" adjudication amounts is paid, "deductible" the deductible applied; ``disposition``
the reason); ``error`` is a denial with the reasons in ``error``; ``queued`` leaves the claim
submitted. Anything else (network error, timeout, 4xx/5xx, a body that is not a valid
ClaimResponse) raises ValidationError, and the claim stays a draft; staff see the status code,
never the answer's body. The request goes only to a public https address
(:mod:`filiform.outgoing`), checked again when it is sent.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import requests
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from fhir.resources.R4B.claim import Claim as FhirClaim
from fhir.resources.R4B.claimresponse import ClaimResponse
from pydantic import ValidationError as PydanticError

from filiform.billing.insured import insured_lines
from filiform.billing.money import CENT, ZERO
from filiform.billing.receipts import insurer_wording
from filiform.insurance.adapters.base import Adjudication, Submission
from filiform.insurance.models import ClaimChannel, ClaimOutcome, Relationship
from filiform.outgoing import EndpointRefused, answer_summary, post_json

if TYPE_CHECKING:
    from filiform.insurance.models import Claim

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
SERVICE_SYSTEM = "https://filiform.invalid/fhir/CodeSystem/fee-schedule"
REGISTRATION_SYSTEM = "https://filiform.invalid/fhir/NamingSystem/college-registration"
PROVIDER_SYSTEM = "https://filiform.invalid/fhir/NamingSystem/insurer-provider-number"
CLAIM_SYSTEM = "https://filiform.invalid/fhir/NamingSystem/claim"
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"
RELATIONSHIP_CODES: dict[str, str] = {
    Relationship.SUBSCRIBER.value: "self",
    Relationship.SPOUSE.value: "spouse",
    Relationship.DEPENDENT.value: "child",
}


def did_not_answer() -> str:
    return _("The insurer's endpoint did not answer; the claim stays a draft, try again.")


def _money(value: Decimal) -> dict[str, Any]:
    return {"value": value, "currency": "CAD"}


def _concept(system: str, code: str, display: str = "") -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def claim_resource(claim: Claim, *, provider_number: str = "") -> dict[str, Any]:
    """The claim as a FHIR R4 Claim (validated; raises ValueError if we built it wrong)."""
    policy = claim.policy
    patient = claim.patient
    invoice = claim.invoice
    practitioner_ids = [{"system": REGISTRATION_SYSTEM, "value": claim.registration_number}]
    if provider_number:
        practitioner_ids.append({"system": PROVIDER_SYSTEM, "value": provider_number})
    patient_resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": "patient",
        "name": [{"family": patient.family_name, "given": patient.given_names.split()}],
    }
    birth_date = getattr(patient, "birth_date", None)
    if birth_date:
        patient_resource["birthDate"] = birth_date.isoformat()
    coverage: dict[str, Any] = {
        "resourceType": "Coverage",
        "id": "coverage",
        "status": "active",
        "subscriberId": policy.member_id,
        "beneficiary": {"reference": "#patient"},
        "relationship": _concept(
            TERMINOLOGY + "subscriber-relationship",
            RELATIONSHIP_CODES.get(policy.relationship, "other"),
        ),
        "payor": [{"reference": "#insurer"}],
        "class": [
            {
                "type": _concept(TERMINOLOGY + "coverage-class", "group"),
                "value": policy.group_number,
                **({"name": policy.plan_name} if policy.plan_name else {}),
            }
        ],
        "order": claim.sequence,
    }
    items = []
    # Only the insured services, untaxed, worded as on the receipt: supplies and tax are
    # not physiotherapy, and "acupuncture" is another benefit (billing/insured.py, receipts.py).
    for n, line in enumerate(insured_lines(invoice), start=1):
        items.append(
            {
                "sequence": n,
                "productOrService": _concept(
                    SERVICE_SYSTEM, line.service.code, insurer_wording(line.description)
                ),
                "servicedDate": claim.date_of_service.isoformat(),
                "quantity": {"value": line.quantity},
                "unitPrice": _money(line.unit_fee),
                "net": _money(line.amount),
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "Claim",
        "id": str(claim.pk),
        "contained": [
            patient_resource,
            coverage,
            {"resourceType": "Organization", "id": "insurer", "name": policy.insurer.name},
            {
                "resourceType": "Practitioner",
                "id": "practitioner",
                "identifier": practitioner_ids,
                "name": [{"text": claim.practitioner_name}],
                "qualification": [{"code": {"text": claim.practitioner_designation}}],
            },
        ],
        "identifier": [{"system": CLAIM_SYSTEM, "value": f"{claim.clinic_id}-{claim.pk}"}],
        "status": "active",
        "type": _concept(TERMINOLOGY + "claim-type", "professional"),
        "use": "claim",
        "patient": {"reference": "#patient"},
        "created": claim.created_at.isoformat(),
        "insurer": {"reference": "#insurer", "display": policy.insurer.name},
        "provider": {"reference": "#practitioner", "display": claim.practitioner_name},
        "priority": _concept(TERMINOLOGY + "processpriority", "normal"),
        "insurance": [
            {"sequence": claim.sequence, "focal": True, "coverage": {"reference": "#coverage"}}
        ],
        "item": items,
        "total": _money(claim.claimed_amount),
    }
    if claim.resubmission_of_id:
        resource["related"] = [
            {
                "claim": {"reference": f"Claim/{claim.resubmission_of_id}"},
                "relationship": _concept(TERMINOLOGY + "related-claim-relationship", "prior"),
            }
        ]
    return json_ready(FhirClaim.model_validate(resource))


def json_ready(model: Any) -> dict[str, Any]:
    """The validated resource as plain JSON (decimals as numbers)."""
    return dict(json.loads(model.model_dump_json(exclude_none=True)))


def _amount(value: Any) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("not an amount") from None
    if not number.is_finite() or number < 0:
        raise ValueError("not an amount")
    return number.quantize(CENT)


def _text_of(concept: Any) -> str:
    if concept is None:
        return ""
    if concept.text:
        return str(concept.text)
    for coding in concept.coding or []:
        if coding.display or coding.code:
            return str(coding.display or coding.code)
    return ""


def read_response(body: Any) -> Submission:
    """A ClaimResponse (JSON already parsed) as a Submission; ValueError if it is not one."""
    if not isinstance(body, dict) or body.get("resourceType") != "ClaimResponse":
        raise ValueError("not a ClaimResponse")
    try:
        response = ClaimResponse.model_validate(body)
    except PydanticError as error:
        raise ValueError(str(error)) from None
    reference = ""
    for identifier in response.identifier or []:
        if identifier.value:
            reference = str(identifier.value)
            break
    reference = (reference or str(response.id or ""))[:80]
    if response.outcome == "queued":
        return Submission(insurer_reference=reference, response=body)
    if response.outcome == "error":
        reasons = [_text_of(e.code) for e in response.error or []]
        reason = "; ".join(r for r in reasons if r) or str(response.disposition or "")
        denial = Adjudication(
            paid_amount=ZERO,
            outcome=ClaimOutcome.DENIED,
            reason=(reason or _("The insurer returned an error without a reason."))[:300],
            response=body,
        )
        return Submission(insurer_reference=reference, adjudication=denial, response=body)
    paid = deductible = ZERO
    for item in response.item or []:
        for adjudication in item.adjudication or []:
            codes = {c.code for c in adjudication.category.coding or []}
            if adjudication.amount is None or adjudication.amount.value is None:
                continue
            if "benefit" in codes:
                paid += _amount(adjudication.amount.value)
            elif "deductible" in codes:
                deductible += _amount(adjudication.amount.value)
    reasons = [str(response.disposition or "")]
    for item in response.item or []:
        for adjudication in item.adjudication or []:
            reasons.append(_text_of(adjudication.reason))
    # The service keeps a reason only when the claim is not paid in full, and requires one then.
    reason = "; ".join(r for r in reasons if r)[:300] or _("The insurer gave no reason.")
    return Submission(
        insurer_reference=reference,
        adjudication=Adjudication(
            paid_amount=paid, deductible_applied=deductible, reason=reason, response=body
        ),
        response=body,
    )


class FhirAdapter:
    channel = ClaimChannel.FHIR.value

    def __init__(self, *, endpoint: str, provider_number: str = "") -> None:
        self.endpoint = endpoint.rstrip("/")
        self.provider_number = provider_number

    def submit(self, claim: Claim, fhir_claim: dict[str, Any]) -> Submission:
        try:
            answer = post_json(
                f"{self.endpoint}/Claim",
                fhir_claim,
                headers={
                    "Accept": "application/fhir+json",
                    "Content-Type": "application/fhir+json",
                },
                timeout=TIMEOUT_SECONDS,
            )
        except EndpointRefused:
            raise ValidationError(
                _(
                    "The insurer's endpoint is not a public https address, so nothing was sent; the claim stays a draft. Check the endpoint under Claims → Insurer connections."
                )
            ) from None
        except requests.RequestException:
            raise ValidationError(did_not_answer()) from None
        if answer.status_code >= 400:
            # The answer's body is the insurer's (it may echo what we sent, or be anything):
            # staff see the status code, the log a summary of it, never the body itself.
            log.warning(
                "claim %s refused by the insurer's endpoint: %s", claim.pk, answer_summary(answer)
            )
            raise ValidationError(
                _(
                    "The insurer's endpoint refused the claim (HTTP %(code)d); the claim stays a draft. Check the claim and the endpoint, or ask the insurer."
                )
                % {"code": answer.status_code}
            )
        try:
            # amounts read as exact decimals; the record kept on the claim is plain JSON
            exact = json.loads(answer.text, parse_float=Decimal)
            submission = read_response(exact)
            kept = json.loads(answer.text)
        except ValueError:  # not JSON (JSONDecodeError is a ValueError), or not a ClaimResponse
            raise ValidationError(
                _(
                    "The insurer's endpoint answered something that is not a FHIR ClaimResponse; the claim stays a draft, try again or ask the insurer."
                )
            ) from None
        adjudication = submission.adjudication
        if adjudication is not None:
            adjudication = replace(adjudication, response=kept)
        return replace(submission, adjudication=adjudication, response=kept)
