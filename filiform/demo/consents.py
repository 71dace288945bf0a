"""One way the demo writes a consent record (a fully discussed conversation, signed)."""

from __future__ import annotations

import datetime as dt

from filiform.accounts.models import User
from filiform.consent.models import ConsentRecord, ConsentTemplate
from filiform.patients.models import Patient

DEMO_SIGNATURE = [[[30, 120], [70, 60], [110, 130], [150, 70], [190, 125], [240, 80], [300, 110]]]


def demo_consent(
    patient: Patient,
    template: ConsentTemplate,
    physio: User,
    *,
    signed_at: dt.datetime,
    valid_until: dt.date,
    decision: str = "permit",
    thorax: bool = True,
    withdrawn_at: dt.datetime | None = None,
) -> ConsentRecord:
    return ConsentRecord.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        template=template,
        **template.snapshot(),
        risks_discussed=True,
        benefits_discussed=True,
        alternatives_discussed=True,
        questions_answered=True,
        thorax_acknowledged=thorax,
        discussed_by=physio,
        decision=decision,
        signer_name=patient.display_name,
        signature_strokes=DEMO_SIGNATURE,
        signed_at=signed_at,
        valid_until=valid_until,
        withdrawn_at=withdrawn_at,
        withdrawn_by=physio if withdrawn_at else None,
        withdrawal_note="Patient prefers exercise only" if withdrawn_at else "",
    )
