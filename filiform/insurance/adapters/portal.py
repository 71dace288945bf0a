"""The insurer-portal adapter: staff key the claim into the insurer's own provider portal (or
phone it in), so "submitting" records that they did. The insurer's answer comes later, typed
by billing staff from the portal's screen through ``claims.claim_adjudicate``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from filiform.insurance.adapters.base import Submission
from filiform.insurance.models import ClaimChannel

if TYPE_CHECKING:
    from filiform.insurance.models import Claim


class PortalAdapter:
    channel = ClaimChannel.PORTAL.value

    def submit(self, claim: Claim, fhir_claim: dict[str, Any]) -> Submission:
        # Nothing leaves the clinic: the FHIR Claim is kept on the claim as the record of
        # what was claimed, and the portal's claim number (if staff typed one) is kept.
        return Submission(insurer_reference=claim.insurer_reference)
