"""``GET /api/v1/clearance``: may this practitioner needle this patient in these muscles, now?"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema

from filiform.api_errors import ONE_ERRORS
from filiform.api_types import Text
from filiform.clearance.decision import Clearance, Reason, clearance_decide

router = Router(tags=["clearance"])


class ClearanceReasonOut(Schema):
    source: str
    code: str
    level: str
    text: str


class MuscleClearanceOut(Schema):
    muscle: str
    name: str
    side: str | None
    region: str
    verdict: str
    reasons: list[ClearanceReasonOut]


class ClearanceOut(Schema):
    patient_id: int
    practitioner_id: int
    at: dt.datetime
    verdict: str
    reasons: list[ClearanceReasonOut]
    muscles: list[MuscleClearanceOut]
    consent_record_id: int | None
    screening_id: int | None


def _reason(reason: Reason) -> ClearanceReasonOut:
    return ClearanceReasonOut(
        source=reason.source.value,
        code=reason.code,
        level=reason.level.name.lower(),
        text=reason.text,
    )


def clearance_out(clearance: Clearance) -> ClearanceOut:
    return ClearanceOut(
        patient_id=clearance.patient_id,
        practitioner_id=clearance.practitioner.pk,
        at=clearance.at,
        verdict=clearance.verdict.value,
        reasons=[_reason(r) for r in clearance.reasons],
        muscles=[
            MuscleClearanceOut(
                muscle=m.target.muscle.slug,
                name=m.target.muscle.name,
                side=m.target.side,
                region=m.target.muscle.region,
                verdict=m.verdict.value,
                reasons=[_reason(r) for r in m.reasons],
            )
            for m in clearance.muscles
        ],
        consent_record_id=clearance.consent_record_id,
        screening_id=clearance.screening_id,
    )


MUSCLES = Query(
    [],
    max_length=40,
    description="Repeat for each muscle: `upper_trapezius:left`, `iliopsoas:right`",
)


@router.get(
    "",
    response={200: ClearanceOut, **ONE_ERRORS},
    summary="Go / no-go for a practitioner, a patient and muscles (slug:left|right), with every reason",
)
def get_clearance(
    request: HttpRequest,
    patient: int,
    practitioner: int,
    muscles: list[Text] = MUSCLES,
) -> ClearanceOut:
    clearance = clearance_decide(
        access=request.auth,  # type: ignore[attr-defined]
        patient_id=patient,
        practitioner_id=practitioner,
        muscles=list(muscles or []),
    )
    return clearance_out(clearance)
