"""How the clinic sends claims to each insurer: the channel (the insurer's portal, or a FHIR R4
endpoint), the endpoint's base URL, and the clinic's provider number with that insurer.
Owners and billing staff (BILLING) set them; without a setting an insurer is billed through its
portal."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.billing.selectors import checked_write, require_billing
from filiform.clinics.access import Access
from filiform.insurance.models import ClaimChannel, Insurer, InsurerConnection
from filiform.outgoing import endpoint_check
from filiform.typed_text import typed_text


def _endpoint(value: Any) -> str:
    text = typed_text(value)
    if len(text) > 200:
        raise ValidationError({"endpoint": _("The endpoint URL is at most 200 characters.")})
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("https", "http")
        or not parts.hostname
        or parts.username
        or parts.password
        or any(c.isspace() for c in text)
    ):
        raise ValidationError(
            {
                "endpoint": _(
                    "Give the FHIR endpoint's base URL, such as https://fhir.insurer.example/r4 (the claim goes to …/Claim)."
                )
            }
        )
    # https to a public address only, unless the server's operator allows private ones
    return endpoint_check(text.rstrip("/"))


def insurer_of(insurer_id: int) -> Insurer:
    insurer = Insurer.objects.filter(pk=insurer_id, is_active=True).first()
    if insurer is None:
        raise Http404("No such insurer.")
    return insurer


def connection_get(*, access: Access, insurer_id: int) -> InsurerConnection | None:
    """The clinic's setting for one insurer, or None (the portal)."""
    require_billing(access)
    insurer_of(insurer_id)
    return InsurerConnection.objects.of(access).filter(insurer_id=insurer_id).first()


def connections_of_clinic(*, access: Access) -> dict[int, InsurerConnection]:
    require_billing(access)
    return {c.insurer_id: c for c in InsurerConnection.objects.of(access)}


@checked_write(require_billing)
def connection_set(
    *,
    access: Access,
    insurer_id: int,
    channel: str,
    endpoint: str = "",
    provider_number: str = "",
) -> InsurerConnection:
    """Set how claims to one insurer are sent (BILLING). FHIR needs an https base URL on a
    public address (``filiform.outgoing``); the portal keeps no endpoint. Claims already drafted keep the channel they were drafted with."""
    require_billing(access)
    insurer = insurer_of(insurer_id)
    if channel not in ClaimChannel.values:
        raise ValidationError({"channel": _("The channel is the insurer's portal or FHIR.")})
    url = _endpoint(endpoint) if channel == ClaimChannel.FHIR else ""
    number = typed_text(provider_number, 40)
    connection, created = (
        InsurerConnection.objects.of(access)
        .select_for_update()
        .get_or_create(
            insurer=insurer,
            defaults={
                "channel": channel,
                "endpoint": url,
                "provider_number": number,
                "updated_by": access.user,
            },
        )
    )
    if not created:
        connection.channel = channel
        connection.endpoint = url
        connection.provider_number = number
        connection.updated_at = timezone.now()
        connection.updated_by = access.user
        connection.save()
    audit_access(
        access,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        object_type="insurer_connection",
        object_id=connection.pk,
        detail={"insurer": insurer.code, "channel": channel, "endpoint": url},
    )
    return connection
