"""The patient links API: the links a patient was sent (aftercare sheet, check-in) with their
status and use, and revoking one (a lost phone, a wrong address). Tokens never leave the server
through the API: a link's address is only ever in the patient's e-mail or on the printed sheet.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from filiform.api_errors import ONE_ERRORS, WRITE_ERRORS, Error
from filiform.clinics.access import api_access
from filiform.links.services import link_revoke, links_of_patient
from filiform.portal.schemas import LinkOut

router = Router(tags=["portal"])


@router.get(
    "/patients/{patient_id}/portal-links",
    response={200: list[LinkOut], **ONE_ERRORS},
    summary="The links a patient was sent, newest first, with their status (never the token)",
)
def list_links(request: HttpRequest, patient_id: int) -> list[LinkOut]:
    links = links_of_patient(access=api_access(request), patient_id=patient_id)
    return [LinkOut.of(link) for link in links]


@router.post(
    "/portal-links/{link_id}/revoke",
    response={200: LinkOut, **WRITE_ERRORS, 404: Error},
    summary="Stop a link at once (revoking twice is harmless)",
)
def revoke_link(request: HttpRequest, link_id: int) -> LinkOut:
    return LinkOut.of(link_revoke(access=api_access(request), link_id=link_id))
