"""The muscle catalogue, the chart's zones and the referral search; a clinic's own muscles."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from filiform.anatomy.catalogue import Muscle, clinic_catalogue
from filiform.anatomy.chart import VIEWS, chart_zones
from filiform.anatomy.render import chart_muscles
from filiform.anatomy.search import muscle_find, muscles_for_pain, parse_pain_areas
from filiform.anatomy.services import clinic_muscle_add, clinic_trigger_point_add
from filiform.api_errors import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS, Error
from filiform.api_types import Text
from filiform.clinics.access import api_access

router = Router(tags=["anatomy"])


class MuscleOut(Schema):
    slug: str
    name: str
    synonyms: list[str]
    region: str
    limb: str | None
    paired: bool
    root_levels: list[str]
    caution: str
    caution_note: str
    max_depth_mm: float | None
    compressible: bool
    paraspinal: bool
    uberon: str | None


class TriggerPointOut(Schema):
    id: str
    view: str
    x: float
    y: float
    label: str


class ZoneOut(Schema):
    id: str
    label: str
    view: str
    paired: bool


class MuscleDetailOut(MuscleOut):
    views: list[str]
    trigger_points: list[TriggerPointOut] = Field(
        description="Positions for the patient's right side; mirror x (400 - x) for the left"
    )
    referral_zones: list[ZoneOut]


class ReferralOut(Schema):
    muscle: str
    name: str
    side: str | None
    zones: list[str]
    score: float


class MuscleIn(Schema):
    muscle: dict[str, Any] = Field(..., description="The catalogue fields (slug, name, region, …)")
    view: Text = Field(..., description="front or back")
    shape: list[list[float]] = Field(
        ..., max_length=80, description="Outline, patient's right side"
    )
    referral: list[Text] = Field([], max_length=20)


class TriggerPointIn(Schema):
    view: Text
    x: float = Field(..., ge=-1e6, le=1e6)
    y: float = Field(..., ge=-1e6, le=1e6)
    label: Text = Field("", max_length=120)


def _out(muscle: Muscle) -> dict[str, Any]:
    return muscle.model_dump(mode="json", exclude={"review_note"})


@router.get(
    "/muscles", response={200: list[MuscleOut], **READ_ERRORS}, summary="The muscle catalogue"
)
def list_muscles(
    request: HttpRequest,
    q: Text = "",
    region: Text = "",
    root: Text = "",
    caution: Text = "",
) -> list[dict[str, Any]]:
    access = api_access(request)
    clinic_id = access.membership.clinic_id
    muscles = (
        muscle_find(q[:60], clinic_id=clinic_id, limit=500)
        if q.strip()
        else sorted(clinic_catalogue(clinic_id).values(), key=lambda m: m.name)
    )
    if region:
        muscles = [m for m in muscles if m.region == region]
    if root:
        muscles = [m for m in muscles if root.upper() in m.root_levels]
    if caution:
        muscles = [m for m in muscles if m.caution == caution]
    return [_out(m) for m in muscles]


@router.get(
    "/muscles/{slug}",
    response={200: MuscleDetailOut, **ONE_ERRORS},
    summary="One muscle, with its chart data",
)
def get_muscle(request: HttpRequest, slug: str) -> dict[str, Any]:
    clinic_id = api_access(request).membership.clinic_id
    muscle = clinic_catalogue(clinic_id).get(slug)
    if muscle is None:
        raise Http404("No such muscle in the catalogue.")
    zones = chart_zones()
    views: list[str] = []
    points: list[dict[str, Any]] = []
    referral: tuple[str, ...] = ()
    for view in VIEWS:
        entry = chart_muscles(view, clinic_id=clinic_id).get(slug)
        if entry is None:
            continue
        views.append(view)
        referral = entry.referral
        points += [
            {"id": i, "view": view, "x": at[0], "y": at[1], "label": label}
            for i, at, label in entry.trigger_points
        ]
    return {
        **_out(muscle),
        "views": views,
        "trigger_points": points,
        "referral_zones": [zones[z].model_dump() for z in referral if z in zones],
    }


@router.get(
    "/chart-zones", response={200: list[ZoneOut], **READ_ERRORS}, summary="The body chart's zones"
)
def list_zones(request: HttpRequest) -> list[dict[str, Any]]:
    return [zone.model_dump() for zone in chart_zones().values()]


ZONES = Query(
    [], max_length=40, description="Repeat for each painful area: `temple:right`, `sternum`"
)


@router.get(
    "/referral-search",
    response={200: list[ReferralOut], **READ_ERRORS},
    summary="Muscles whose referral zones cover the painful areas, ranked",
)
def referral_search(request: HttpRequest, zones: list[Text] = ZONES) -> list[dict[str, Any]]:
    areas = parse_pain_areas(zones)
    matches = muscles_for_pain(areas, clinic_id=api_access(request).membership.clinic_id)
    return [
        {
            "muscle": m.muscle.slug,
            "name": m.muscle.name,
            "side": m.side,
            "zones": m.zones,
            "score": round(m.score, 3),
        }
        for m in matches
    ]


@router.post(
    "/muscles",
    response={201: MuscleOut, **WRITE_ERRORS},
    summary="Add the clinic's own muscle (owners)",
)
def add_muscle(request: HttpRequest, payload: MuscleIn) -> Status:
    own = clinic_muscle_add(
        access=api_access(request),
        muscle=payload.muscle,
        view=payload.view,
        shape=payload.shape,
        referral=payload.referral,
    )
    return Status(201, own.muscle)


@router.post(
    "/muscles/{slug}/trigger-points",
    response={201: TriggerPointOut, **WRITE_ERRORS, 404: Error},
    summary="Add a trigger point to a muscle (owners; right-side coordinates; 404 when the clinic has no such muscle)",
)
def add_trigger_point(request: HttpRequest, slug: str, payload: TriggerPointIn) -> Status:
    tp = clinic_trigger_point_add(
        access=api_access(request),
        muscle_slug=slug,
        view=payload.view,
        at=[payload.x, payload.y],
        label=payload.label,
    )
    return Status(
        201, {"id": f"c{tp.pk}", "view": tp.view, "x": tp.x, "y": tp.y, "label": tp.label}
    )
