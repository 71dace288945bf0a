"""The charting API's shapes: what a client sends (parsed, typed, bounded) and what it reads back.

Input schemas only parse: types, coded values and sane bounds. A session, an insertion and an
adverse event are their specs (``charting/specs.py``: the same limits as the pages' forms and
the services'), named here as the API has always named them. Every clinical rule (clearance,
justification, depth, counts, locking) stays in the services, which answer 422 with the reason.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from filiform.api_types import Text
from filiform.charting.codes import (
    PlanComponent,
)
from filiform.charting.models import (
    Addendum,
    AdverseEvent,
    Insertion,
    NeedleIncident,
    NeedlingSession,
    TreatmentPlan,
    Visit,
)
from filiform.charting.specs import (
    AdverseEventSpec,
    InsertionSpec,
    NeedleCountSpec,
    SessionSpec,
)
from filiform.charting.stock import RecalledLot, needle_stock
from filiform.charting.visits import MAX_NOTE
from filiform.clinics.records import status_as_before

MAX_ID = 2**62
NOTE = Field("", max_length=MAX_NOTE)


# --- input ---------------------------------------------------------------------------------


class VisitIn(Schema):
    episode_id: int = Field(..., ge=1, le=MAX_ID, description="One of the patient's open episodes")
    subjective: Text = NOTE
    objective: Text = NOTE
    assessment: Text = NOTE
    plan: Text = NOTE


class VisitPatch(Schema):
    version: int = Field(
        ...,
        ge=1,
        le=MAX_ID,
        description="The version you read: a later save by someone else is 409",
    )
    subjective: Text = NOTE
    objective: Text = NOTE
    assessment: Text = NOTE
    plan: Text = NOTE


class AddendumIn(Schema):
    reason: Text = Field(..., min_length=1, max_length=200)
    text: Text = Field(..., min_length=1, max_length=MAX_NOTE)


class SignIn(Schema):
    no_assessment_reason: Text = Field(
        "",
        max_length=500,
        description="Required when the note has no assessment: why (a sentence)",
    )


class ErrorIn(Schema):
    reason: Text = Field(..., min_length=1, max_length=300)


class SessionIn(SessionSpec):
    pass


class InsertionIn(InsertionSpec):
    pass


class CountsIn(NeedleCountSpec):
    pass


class IncidentIn(Schema):
    description: Text = Field(..., min_length=1, max_length=500)
    action_taken: Text = Field(..., min_length=1, max_length=500)


class AdverseEventIn(AdverseEventSpec):
    pass


class PlanIn(Schema):
    goals: Text = Field(..., min_length=1, max_length=4000)
    components: list[PlanComponent] = Field(..., min_length=1, max_length=10)
    frequency: Text = Field("", max_length=100)
    expected_weeks: int | None = Field(None, ge=0, le=10_000)


# --- output --------------------------------------------------------------------------------


def _name(user: Any) -> str:
    return str(user.display_name) if user is not None else ""


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class InsertionOut(Schema):
    id: int
    order: int
    muscle: str
    side: str
    trigger_point: str
    needle_diameter_mm: str
    needle_length_mm: int
    needle_count: int
    depth_mm: str
    approach: str
    level: str
    technique: str
    estim_frequency_hz: str | None
    estim_intensity_ma: str | None
    estim_minutes: int | None
    retention_seconds: int
    twitch: str
    twitch_count: int | None
    referred_pain: bool
    referred_pain_where: str
    tolerance: str
    retest: str
    retest_note: str
    justification: str
    lot: str
    clearance_reasons: list[dict[str, str]]
    created_at: dt.datetime

    @staticmethod
    def of(i: Insertion) -> InsertionOut:
        return InsertionOut(
            id=i.pk,
            order=i.order,
            muscle=i.muscle,
            side=i.side,
            trigger_point=i.trigger_point,
            needle_diameter_mm=str(i.needle_diameter_mm),
            needle_length_mm=i.needle_length_mm,
            needle_count=i.needle_count,
            depth_mm=str(i.depth_mm),
            approach=i.approach,
            level=i.level,
            technique=i.technique,
            estim_frequency_hz=_decimal(i.estim_frequency_hz),
            estim_intensity_ma=_decimal(i.estim_intensity_ma),
            estim_minutes=i.estim_minutes,
            retention_seconds=i.retention_seconds,
            twitch=i.twitch,
            twitch_count=i.twitch_count,
            referred_pain=i.referred_pain,
            referred_pain_where=i.referred_pain_where,
            tolerance=i.tolerance,
            retest=i.retest,
            retest_note=i.retest_note,
            justification=i.justification,
            lot=i.lot.lot_number if i.lot is not None else "",
            clearance_reasons=[{str(k): str(v) for k, v in r.items()} for r in i.clearance_reasons],
            created_at=i.created_at,
        )


class IncidentOut(Schema):
    id: int
    session_id: int
    needles_unaccounted: int
    description: str
    action_taken: str
    recorded_at: dt.datetime
    recorded_by: str

    @staticmethod
    def of(incident: NeedleIncident) -> IncidentOut:
        return IncidentOut(
            id=incident.pk,
            session_id=incident.session_id,
            needles_unaccounted=incident.needles_unaccounted,
            description=incident.description,
            action_taken=incident.action_taken,
            recorded_at=incident.recorded_at,
            recorded_by=_name(incident.recorded_by),
        )


class ClearanceAtStart(Schema):
    verdict: str
    reasons: list[dict[str, str]]
    at: dt.datetime


class RecalledLotOut(Schema):
    """A needle lot recalled after this visit used it."""

    lot_id: int
    lot_number: str
    product: str
    recalled_at: dt.datetime
    reason: str = Field(description="The recall notice's reason or reference")
    insertions: list[int] = Field(description="The numbers (order) of the insertions that used it")
    needles: int

    @staticmethod
    def of(flag: RecalledLot) -> RecalledLotOut:
        return RecalledLotOut(
            lot_id=flag.lot_id,
            lot_number=flag.lot_number,
            product=flag.product,
            recalled_at=flag.recalled_at,
            reason=flag.reason,
            insertions=list(flag.insertions),
            needles=flag.needles,
        )


def recalled_lots_of_visit(visit: Visit) -> list[RecalledLotOut]:
    """The recalled lots the visit used, from supplies' recalls (charting/stock.py)."""
    return [RecalledLotOut.of(f) for f in needle_stock().recalled_lots_of_visit(visit)]


class SessionOut(Schema):
    id: int
    visit_id: int
    performer_id: int
    performer: str
    mode: str
    position: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    clearance: ClearanceAtStart
    consent_version: int | None
    needles_opened: int
    needles_removed: int
    needles_inserted: int
    count_problem: str = Field(description="Why the count stops signing; empty when it does not")
    insertions: list[InsertionOut]
    incident: IncidentOut | None
    recalled_lots: list[RecalledLotOut] = Field(
        description="Needle lots this session used that were recalled since (with date and reason)"
    )

    @staticmethod
    def of(session: NeedlingSession) -> SessionOut:
        from filiform.charting.needling import incident_of, needle_count_blocks_signing

        insertions = list(session.insertions.all())
        found = incident_of(session)
        return SessionOut(
            id=session.pk,
            visit_id=session.visit_id,
            performer_id=session.performer_id,
            performer=_name(session.performer.user),
            mode=session.mode,
            position=session.position,
            started_at=session.started_at,
            ended_at=session.ended_at,
            clearance=ClearanceAtStart(
                verdict=session.clearance_verdict,
                reasons=[{str(k): str(v) for k, v in r.items()} for r in session.clearance_reasons],
                at=session.clearance_at,
            ),
            consent_version=session.consent_version,
            needles_opened=session.needles_opened,
            needles_removed=session.needles_removed,
            needles_inserted=sum(i.needle_count for i in insertions),
            count_problem=needle_count_blocks_signing(session),
            insertions=[InsertionOut.of(i) for i in insertions],
            incident=IncidentOut.of(found) if found else None,
            recalled_lots=recalled_lots_of_visit(session.visit),
        )


class AdverseEventOut(Schema):
    id: int
    visit_id: int
    kind: str
    detail: str
    severity: str
    timing: str
    muscle: str
    side: str
    action_taken: str
    follow_up: str
    reported_to: str
    recorded_at: dt.datetime
    recorded_by: str

    @staticmethod
    def of(e: AdverseEvent) -> AdverseEventOut:
        return AdverseEventOut(
            id=e.pk,
            visit_id=e.visit_id,
            kind=e.kind,
            detail=e.detail,
            severity=e.severity,
            timing=e.timing,
            muscle=e.muscle,
            side=e.side,
            action_taken=e.action_taken,
            follow_up=e.follow_up,
            reported_to=e.reported_to,
            recorded_at=e.recorded_at,
            recorded_by=_name(e.recorded_by),
        )


class AddendumOut(Schema):
    id: int
    visit_id: int
    author: str
    created_at: dt.datetime
    reason: str
    text: str

    @staticmethod
    def of(a: Addendum) -> AddendumOut:
        return AddendumOut(
            id=a.pk,
            visit_id=a.visit_id,
            author=_name(a.author),
            created_at=a.created_at,
            reason=a.reason,
            text=a.text,
        )


class VisitSummary(Schema):
    id: int
    patient_id: int
    episode_id: int
    practitioner: str
    started_at: dt.datetime
    status: str
    version: int
    signed_at: dt.datetime | None
    has_session: bool  # annotated by the selector

    @staticmethod
    def resolve_practitioner(obj: Visit) -> str:
        return _name(obj.practitioner.user)


class VisitOut(Schema):
    id: int
    patient_id: int
    episode_id: int
    practitioner_id: int
    practitioner: str
    started_at: dt.datetime
    subjective: str
    objective: str
    assessment: str
    plan: str
    no_assessment_reason: str
    status: str
    version: int
    updated_at: dt.datetime
    updated_by: str
    signed_at: dt.datetime | None
    signed_by: str | None
    content_sha256: str
    error_reason: str
    session: SessionOut | None
    adverse_events: list[AdverseEventOut]
    addenda: list[AddendumOut]
    recalled_lots: list[RecalledLotOut] = Field(
        description="Needle lots this visit used that were recalled since (with date and reason)"
    )

    @staticmethod
    def of(visit: Visit) -> VisitOut:
        session = (
            NeedlingSession.objects.of_clinic(visit.clinic_id)
            .select_related("performer__user")
            .prefetch_related("insertions")
            .filter(visit=visit)
            .first()
        )
        return VisitOut(
            id=visit.pk,
            patient_id=visit.patient_id,
            episode_id=visit.episode_id,
            practitioner_id=visit.practitioner_id,
            practitioner=_name(visit.practitioner.user),
            started_at=visit.started_at,
            subjective=visit.subjective,
            objective=visit.objective,
            assessment=visit.assessment,
            plan=visit.plan,
            no_assessment_reason=visit.no_assessment_reason,
            status=status_as_before(visit.status),
            version=visit.version,
            updated_at=visit.updated_at,
            updated_by=_name(visit.updated_by),
            signed_at=visit.signed_at,
            signed_by=_name(visit.signed_by) if visit.signed_by_id else None,
            content_sha256=visit.content_sha256,
            error_reason=visit.error_reason,
            session=SessionOut.of(session) if session else None,
            adverse_events=[
                AdverseEventOut.of(e) for e in visit.adverse_events.select_related("recorded_by")
            ],
            addenda=[AddendumOut.of(a) for a in visit.addenda.select_related("author")],
            recalled_lots=recalled_lots_of_visit(visit),
        )


class PlanOut(Schema):
    id: int
    episode_id: int
    goals: str
    components: list[str]
    frequency: str
    expected_weeks: int | None
    updated_at: dt.datetime
    updated_by: str

    @staticmethod
    def of(plan: TreatmentPlan) -> PlanOut:
        return PlanOut(
            id=plan.pk,
            episode_id=plan.episode_id,
            goals=plan.goals,
            components=list(plan.components),
            frequency=plan.frequency,
            expected_weeks=plan.expected_weeks,
            updated_at=plan.updated_at,
            updated_by=_name(plan.updated_by),
        )


class ConflictOut(Schema):
    """409: someone else saved the note since you read it. Nothing was overwritten."""

    detail: str
    version: int = Field(description="The version now on file: read it again, then re-apply")
    saved_by: str
    saved_at: dt.datetime
