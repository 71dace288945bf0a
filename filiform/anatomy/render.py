"""The body chart as SVG, rendered on the server from the geometry data.

Every muscle is a path carrying what the page script needs (slug, side, name, referral zones,
root levels, caution), every referral zone a path the script can light up, every trigger point a
small circle. Marks (needled points, for charting and the printable chart) are drawn on top.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from filiform.anatomy.catalogue import Muscle, clinic_catalogue
from filiform.anatomy.chart import (
    HEIGHT,
    VIEWS,
    WIDTH,
    View,
    chart_view,
    chart_zones,
    on_side,
    referral_zones,
    smooth_path,
)
from filiform.anatomy.regions import Side

SIDES_OF_PAIR = (Side.RIGHT, Side.LEFT)


@dataclass(frozen=True)
class Mark:
    """A point to show on the chart: a muscle's trigger point or a free position, on a side."""

    view: View
    at: tuple[float, float]  # already placed on its side
    label: str = ""
    kind: str = "needled"  # needled | pain


@dataclass(frozen=True)
class ChartMuscle:
    muscle: Muscle
    polygons: list[list[list[float]]]  # right side
    trigger_points: list[tuple[str, tuple[float, float], str]]  # id, at (right side), label
    referral: tuple[str, ...]


def chart_muscles(view: View, *, clinic_id: int | None = None) -> dict[str, ChartMuscle]:
    """Every muscle drawn on this view: the shipped geometry plus the clinic's own."""
    geometry = chart_view(view)
    catalogue = clinic_catalogue(clinic_id)
    referral = referral_zones()
    muscles: dict[str, ChartMuscle] = {}
    for slug, polygons in geometry.muscles.items():
        points = [
            (tp.id, (tp.at[0], tp.at[1]), tp.label) for tp in geometry.trigger_points.get(slug, [])
        ]
        muscles[slug] = ChartMuscle(catalogue[slug], polygons, points, referral.get(slug, ()))
    if clinic_id is not None:
        from filiform.anatomy.models import ClinicMuscle, ClinicTriggerPoint

        for own in ClinicMuscle.objects.of_clinic(clinic_id).filter(active=True, view=view):
            muscles[own.slug] = ChartMuscle(
                catalogue[own.slug], [own.shape], [], tuple(own.referral)
            )
        own_points = ClinicTriggerPoint.objects.of_clinic(clinic_id)
        for tp in own_points.filter(active=True, view=view):
            if tp.muscle_slug in muscles:
                entry = muscles[tp.muscle_slug]
                extra = (f"c{tp.pk}", (tp.x, tp.y), tp.label)
                muscles[tp.muscle_slug] = ChartMuscle(
                    entry.muscle, entry.polygons, [*entry.trigger_points, extra], entry.referral
                )
    return muscles


def _sides(muscle: Muscle) -> tuple[Side | None, ...]:
    return SIDES_OF_PAIR if muscle.paired else (None,)


def _side_attr(side: Side | None) -> str:
    return side.value if side else "midline"


def body_chart_svg(
    view: View,
    *,
    clinic_id: int | None = None,
    selected: Iterable[tuple[str, Side | None]] = (),
    highlight: Iterable[str] = (),
    marks: Iterable[Mark] = (),
    show_trigger_points: bool = True,
    interactive: bool = True,
) -> SafeString:
    """One view of the chart. ``selected`` (muscle, side) pairs are drawn selected with their
    referral zones lit; ``highlight`` muscles (e.g. a root level's) are tinted on both sides."""
    geometry = chart_view(view)
    selected = set(selected)
    highlight = set(highlight)
    lit_zones = set()
    muscles = chart_muscles(view, clinic_id=clinic_id)
    for slug, side in selected:
        if slug in muscles:
            lit_zones |= {(zone, side) for zone in muscles[slug].referral}
    parts: list[str] = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" class="body-chart" '
            'data-view="{}" role="group" aria-label="{}">',
            int(WIDTH),
            int(HEIGHT),
            view,
            _("Body chart, front view") if view == "front" else _("Body chart, back view"),
        ),
        '<g class="outline" fill="#f4e4d4" stroke="#8a6f5a" stroke-width="1.1">',
        *(format_html('<path d="{}"/>', smooth_path(p)) for p in geometry.outline),
        "</g>",
    ]
    if geometry.details:
        parts += ['<g class="details" fill="none" stroke="#b89a84" stroke-width="0.7">']
        parts += [
            format_html('<path d="{}"/>', smooth_path(p, closed=False)) for p in geometry.details
        ]
        parts += ["</g>"]
    zones = chart_zones()
    parts.append('<g class="zones" fill="none">')
    for zone_id, polygon in geometry.zones.items():
        zone = zones[zone_id]
        for side in SIDES_OF_PAIR if zone.paired else (None,):
            lit = (zone_id, side) in lit_zones or (
                not zone.paired and any(z == zone_id for z, _s in lit_zones)
            )
            parts.append(
                format_html(
                    '<path class="zone{}" data-zone="{}" data-side="{}" data-label="{}" d="{}"><title>{}</title></path>',
                    " referral" if lit else "",
                    zone_id,
                    _side_attr(side),
                    zone.label,
                    smooth_path(on_side(polygon, side)),
                    _zone_title(zone.label, side),
                )
            )
    parts.append("</g>")
    parts.append(
        '<g class="muscles" fill="#e7a99c" fill-opacity="0.38" stroke="#a5594c" stroke-width="0.7">'
    )
    for slug, entry in sorted(muscles.items()):
        muscle = entry.muscle
        for side in _sides(muscle):
            classes = ["muscle", f"caution-{muscle.caution}"]
            if (slug, side) in selected:
                classes.append("selected")
            if slug in highlight:
                classes.append("highlight")
            for polygon in entry.polygons:
                parts.append(
                    format_html(
                        '<path class="{}" data-muscle="{}" data-side="{}" data-name="{}" '
                        'data-referral="{}" data-roots="{}"{} d="{}"><title>{}</title></path>',
                        " ".join(classes),
                        slug,
                        _side_attr(side),
                        muscle.name,
                        " ".join(entry.referral),
                        " ".join(muscle.root_levels),
                        mark_safe(' tabindex="-1"') if interactive else "",
                        smooth_path(on_side(polygon, side)),
                        _muscle_title(muscle, side),
                    )
                )
    parts.append("</g>")
    if show_trigger_points:
        parts.append('<g class="trigger-points" fill="#7a271a" stroke="#fff" stroke-width="0.8">')
        for slug, entry in sorted(muscles.items()):
            for side in _sides(entry.muscle):
                for tp_id, at, label in entry.trigger_points:
                    x, y = on_side([list(at)], side)[0]
                    parts.append(
                        format_html(
                            '<circle class="tp" r="3.2" cx="{}" cy="{}" data-muscle="{}" '
                            'data-side="{}" data-tp="{}"><title>{}</title></circle>',
                            f"{x:.1f}",
                            f"{y:.1f}",
                            slug,
                            _side_attr(side),
                            tp_id,
                            f"{_muscle_title(entry.muscle, side)}: {label}"
                            if label
                            else _muscle_title(entry.muscle, side),
                        )
                    )
        parts.append("</g>")
    mark_list = [m for m in marks if m.view == view]
    if mark_list:
        parts.append('<g class="marks" fill="#d92d20" stroke="#d92d20">')
        for mark in mark_list:
            parts.append(
                format_html(
                    '<g class="mark {}"><circle r="7" cx="{}" cy="{}" fill-opacity="0.25"/>'
                    '<circle r="2.5" cx="{}" cy="{}"/><title>{}</title></g>',
                    mark.kind,
                    f"{mark.at[0]:.1f}",
                    f"{mark.at[1]:.1f}",
                    f"{mark.at[0]:.1f}",
                    f"{mark.at[1]:.1f}",
                    mark.label,
                )
            )
        parts.append("</g>")
    parts.append("</svg>")
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308  (every value went through format_html)


def _muscle_title(muscle: Muscle, side: Side | None) -> str:
    return f"{muscle.name} ({Side(side).label.lower()})" if side else muscle.name


def _zone_title(label: str, side: Side | None) -> str:
    return f"{label} ({Side(side).label.lower()})" if side else label


def trigger_point_mark(
    slug: str, side: Side | None, tp_id: str, *, clinic_id: int | None = None, kind: str = "needled"
) -> Mark | None:
    """Where a muscle's trigger point sits on the chart (first view that draws it)."""
    for view in VIEWS:
        entry = chart_muscles(view, clinic_id=clinic_id).get(slug)
        if entry is None:
            continue
        for point_id, at, label in entry.trigger_points:
            if point_id == tp_id:
                x, y = on_side([list(at)], side)[0]
                return Mark(view, (x, y), f"{_muscle_title(entry.muscle, side)}: {label}", kind)
    return None
