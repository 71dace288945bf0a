"""The patient links API's shape: what staff may know about a link, never its token."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from filiform.links.models import PatientLink


class LinkOut(Schema):
    id: int
    patient_id: int
    purpose: str
    target_id: int
    single_use: bool
    status: str
    status_label: str
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None
    opened_count: int
    last_opened_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @staticmethod
    def of(link: PatientLink) -> LinkOut:
        # The token (and the nonce it is made from) stays out: whoever holds it opens the page.
        return LinkOut(
            id=link.pk,
            patient_id=link.patient_id,
            purpose=link.purpose,
            target_id=link.target_id,
            single_use=link.single_use,
            status=link.status,
            status_label=link.get_status_display(),
            created_at=link.created_at,
            expires_at=link.expires_at,
            used_at=link.used_at,
            opened_count=link.opened_count,
            last_opened_at=link.last_opened_at,
            revoked_at=link.revoked_at,
        )
