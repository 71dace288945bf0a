"""The body chart's geometry, shipped as data and drawn by us.

Two views, ``front`` and ``back``, each in its own file (``data/chart_front.json``,
``data/chart_back.json``), in one coordinate system: an SVG viewBox of 400 x 900 with the body's
midline at x = 200, the top of the head near y = 20 and the soles near y = 880. The figure stands
in the anatomical position (palms forward, arms slightly away from the body).

**Sides.** Geometry of a paired muscle or zone is given once, for the patient's RIGHT side, and
mirrored for the left (x becomes 400 - x). On the front view the patient's right is on the viewer's
left (x < 200); on the back view it is on the viewer's right (x > 200). Unpaired (midline)
shapes are drawn as given.

**Shapes** are polygons (lists of [x, y] points, at least three, not closed by repeating the
first). The renderer draws them as smooth closed curves through their points (Catmull-Rom), so a
dozen well-placed points make an organic muscle outline. Containment tests use the polygons.

A view file holds::

    {
      "outline": [[[x, y], ...], ...],        # the silhouette: full polygons (both halves)
      "details": [[[x, y], ...], ...],        # optional open lines (collarbones, navel…), drawn faint
      "muscles": {"slug": [[[x, y], ...]]},    # one or more polygons per muscle on this view
      "trigger_points": {"slug": [{"id": "tp1", "at": [x, y], "label": "…"}]},
      "zones": {"zone_id": [[x, y], ...]}      # referral / pain zones whose view is this one
    }

Referral zones are listed in ``data/zones.json`` (id, label, view, paired) and each muscle's
referral zones in ``data/referral.json`` (slug → [zone ids], same side as the muscle).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from filiform.anatomy.regions import Side

DATA = Path(__file__).with_name("data")
WIDTH, HEIGHT, MIDLINE = 400.0, 900.0, 200.0
VIEWS: tuple[Literal["front", "back"], ...] = ("front", "back")
View = Literal["front", "back"]

Point = Annotated[list[float], Field(min_length=2, max_length=2)]
Polygon = Annotated[list[Point], Field(min_length=3)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TriggerPoint(_Frozen):
    id: Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=30)]
    at: Point
    label: str = ""


class ViewGeometry(_Frozen):
    outline: list[Polygon] = Field(min_length=1)
    details: list[Annotated[list[Point], Field(min_length=2)]] = []
    muscles: dict[str, list[Polygon]] = {}
    trigger_points: dict[str, list[TriggerPoint]] = {}
    zones: dict[str, Polygon] = {}


class Zone(_Frozen):
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    label: str
    view: View
    paired: bool = True


@cache
def chart_view(view: View) -> ViewGeometry:
    path = DATA / f"chart_{view}.json"
    return ViewGeometry.model_validate(json.loads(path.read_text(encoding="utf-8")))


@cache
def chart_zones() -> dict[str, Zone]:
    rows = json.loads((DATA / "zones.json").read_text(encoding="utf-8"))
    return {z.id: z for z in (Zone.model_validate(row) for row in rows)}


@cache
def referral_zones() -> dict[str, tuple[str, ...]]:
    rows = json.loads((DATA / "referral.json").read_text(encoding="utf-8"))
    return {slug: tuple(zones) for slug, zones in rows.items()}


def right_side_is_left_of_midline(view: View) -> bool:
    """On the front view the patient's right is on the viewer's left."""
    return view == "front"


def mirror(points: list[list[float]]) -> list[list[float]]:
    return [[WIDTH - x, y] for x, y in points]


def on_side(points: list[list[float]], side: Side | None) -> list[list[float]]:
    """Geometry given for the patient's right side, placed on ``side`` (None: as given)."""
    return mirror(points) if side == Side.LEFT else points


def point_in_polygon(point: list[float] | tuple[float, float], polygon: list[list[float]]) -> bool:
    """Even-odd ray casting; points on an edge may fall either way."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def smooth_path(points: list[list[float]], *, closed: bool = True, tension: float = 0.5) -> str:
    """An SVG path through every point: a Catmull-Rom spline as cubic Béziers."""
    if len(points) < (3 if closed else 2):
        return ""
    if closed:
        pts = [points[-1], *points, points[0], points[1]]
    else:
        pts = [points[0], *points, points[-1]]
    t = tension * 2 / 3  # tension 0.5: control points a sixth of the way, classic Catmull-Rom
    start = pts[1]
    parts = [f"M{start[0]:.1f} {start[1]:.1f}"]
    for i in range(1, len(pts) - 2):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        c1 = (p1[0] + (p2[0] - p0[0]) * t / 2, p1[1] + (p2[1] - p0[1]) * t / 2)
        c2 = (p2[0] - (p3[0] - p1[0]) * t / 2, p2[1] - (p3[1] - p1[1]) * t / 2)
        parts.append(f"C{c1[0]:.1f} {c1[1]:.1f} {c2[0]:.1f} {c2[1]:.1f} {p2[0]:.1f} {p2[1]:.1f}")
    if closed:
        parts.append("Z")
    return " ".join(parts)
