"""Channel → adapter. A new channel (TELUS eClaims, see docs/direct-billing.md) is a new value
of ``ClaimChannel``, a module in this package implementing ``ClaimAdapter``, and a line here."""

from __future__ import annotations

from filiform.insurance.adapters.base import ClaimAdapter
from filiform.insurance.adapters.fhir import FhirAdapter
from filiform.insurance.adapters.portal import PortalAdapter
from filiform.insurance.models import ClaimChannel, InsurerConnection


def adapter_for(*, channel: str, connection: InsurerConnection | None) -> ClaimAdapter:
    if channel == ClaimChannel.FHIR:
        if connection is None or not connection.endpoint:
            from django.core.exceptions import ValidationError
            from django.utils.translation import gettext as _

            raise ValidationError(
                _(
                    "No FHIR endpoint is set for this insurer: set it under Claims → Insurer connections."
                )
            )
        return FhirAdapter(endpoint=connection.endpoint, provider_number=connection.provider_number)
    return PortalAdapter()
