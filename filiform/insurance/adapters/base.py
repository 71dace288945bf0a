"""The adapter interface: what the claims service hands an adapter, and what it gets back.

An adapter sends one claim to an insurer through its channel (the insurer's portal, a FHIR
endpoint, a proprietary network such as TELUS eClaims) and says what happened: always the
insurer's reference for the claim (possibly empty), and the adjudication when the insurer
answered at once (real-time adjudication). Without an adjudication the claim waits as
submitted until one is recorded (``claims.claim_adjudicate``).

An adapter that cannot deliver raises ``django.core.exceptions.ValidationError`` with a message
staff can act on; the claims service then leaves the claim a draft, unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from filiform.insurance.models import Claim


@dataclass(frozen=True)
class Adjudication:
    """The insurer's decision. ``outcome`` is a ``ClaimOutcome`` value, or "" to let the claims
    service infer it from the amounts (the whole claim: paid; nothing: denied; else partly
    paid). ``response`` is what the insurer sent, kept on the claim."""

    paid_amount: Decimal
    deductible_applied: Decimal = Decimal("0.00")
    outcome: str = ""
    reason: str = ""
    response: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Submission:
    insurer_reference: str = ""
    adjudication: Adjudication | None = None
    response: dict[str, Any] = field(default_factory=dict)


class ClaimAdapter(Protocol):
    channel: str

    def submit(self, claim: Claim, fhir_claim: dict[str, Any]) -> Submission:
        """Send the claim; ``fhir_claim`` is the validated FHIR R4 Claim built from it."""
        ...
