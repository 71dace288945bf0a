"""The depth limits and caution levels, with the clinic's own choices (anatomy/depth_limits.py,
segments.py, safety_settings.py)."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from filiform.anatomy.depth_limits import mm_text
from filiform.anatomy.safety_settings import SafetyRow, muscle_safety_set, muscle_safety_table
from filiform.api_errors import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS, Error
from filiform.api_types import Text
from filiform.clinics.access import api_access

router = Router(tags=["anatomy"])


def _mm(value: Decimal | None) -> str | None:
    return None if value is None else mm_text(value)


class DepthLimitOut(Schema):
    muscle: str
    name: str
    caution: str = Field(description="The catalogue's caution level (the level may change it)")
    clinic_caution: str | None = Field(description="The clinic's own caution level, if any")
    hazard: str | None
    default_max_depth_mm: str | None = Field(description="Filiform's default, in mm")
    max_depth_mm: str | None = Field(description="The limit in force for this clinic, in mm")
    judgement: bool = Field(description="A default chosen by judgement (no measurement found)")
    blocked: bool
    allowed_by_clinic: bool
    exempt_approaches: list[str]
    required_approaches: list[str]
    warn_unless: list[str]
    warn_at_levels: list[str]
    warn_beyond_mm: float | None
    derivation: str
    sources: list[str]
    note: str

    @staticmethod
    def of(row: SafetyRow) -> DepthLimitOut:
        rule, choice = row.rule, row.choice
        return DepthLimitOut(
            muscle=row.muscle.slug,
            name=row.muscle.name,
            caution=row.muscle.caution,
            clinic_caution=choice.caution or None if choice else None,
            hazard=rule.hazard if rule else None,
            default_max_depth_mm=_mm(row.default_limit),
            max_depth_mm=_mm(row.limit),
            judgement=bool(rule and rule.judgement),
            blocked=bool(rule and rule.blocked),
            allowed_by_clinic=bool(choice and choice.allow_blocked),
            exempt_approaches=list(rule.exempt_approaches) if rule else [],
            required_approaches=list(rule.required_approaches) if rule else [],
            warn_unless=list(rule.warn_unless) if rule else [],
            warn_at_levels=list(rule.warn_at_levels) if rule else [],
            warn_beyond_mm=rule.warn_beyond_mm if rule else None,
            derivation=rule.derivation if rule else "",
            sources=row.sources,
            note=choice.note if choice else "",
        )


class DepthLimitIn(Schema):
    max_depth_mm: Text | None = Field(
        None, max_length=8, description="mm as text; empty or null = Filiform's default"
    )
    allow_blocked: bool = Field(False, description="Allow a blocked muscle (the intercostals)")
    caution: Text = Field("", max_length=20, description="A caution level; empty = Filiform's")
    note: Text = Field("", max_length=300, description="Why (required for any change)")


@router.get(
    "/depth-limits",
    response={200: list[DepthLimitOut], **READ_ERRORS},
    summary="Depth limits and caution levels, with the clinic's own choices",
)
def depth_limits(request: HttpRequest) -> list[DepthLimitOut]:
    return [DepthLimitOut.of(row) for row in muscle_safety_table(access=api_access(request))]


@router.put(
    "/depth-limits/{muscle}",
    response={200: DepthLimitOut, **WRITE_ERRORS, **ONE_ERRORS, 404: Error},
    summary="Set the clinic's limit, permission or caution level for a muscle (owners)",
)
def depth_limit_set(request: HttpRequest, muscle: str, payload: DepthLimitIn) -> DepthLimitOut:
    access = api_access(request)
    muscle_safety_set(access=access, muscle=muscle, **payload.model_dump())
    row = next(r for r in muscle_safety_table(access=access) if r.muscle.slug == muscle)
    return DepthLimitOut.of(row)
