"""The body chart page (select muscles, see referral zones, find muscles by pain area, IMS
segments), its small htmx fragments, and the printable chart."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from filiform.anatomy.catalogue import Muscle
from filiform.anatomy.chart import VIEWS, chart_zones
from filiform.anatomy.pdf import chart_pdf_response
from filiform.anatomy.regions import Side
from filiform.anatomy.render import Mark, body_chart_svg, trigger_point_mark
from filiform.anatomy.search import (
    ROOT_ORDER,
    muscle_find,
    muscles_for_pain,
    muscles_for_segment,
    parse_pain_areas,
    parse_root_levels,
)
from filiform.anatomy.targets import parse_targets
from filiform.clinics.access import Access
from filiform.clinics.decorators import clinic_page


def _selection(request: HttpRequest, access: Access) -> tuple[list[tuple[str, Side | None]], str]:
    try:
        targets = parse_targets(
            request.GET.getlist("select")[:40], clinic_id=access.membership.clinic_id
        )
    except ValidationError as error:
        return [], " ".join(error.messages)
    return [(t.muscle.slug, t.side) for t in targets], ""


@clinic_page()
def chart(request: HttpRequest, access: Access) -> HttpResponse:
    clinic_id = access.membership.clinic_id
    selected, error = _selection(request, access)
    levels: list[str] = []
    segment: list[Muscle] = []
    if request.GET.get("levels"):
        try:
            levels = parse_root_levels(request.GET["levels"].split(","))
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            segment = list(muscles_for_segment(levels, clinic_id=clinic_id))
    highlight = {m.slug for m in segment}
    views = [
        (view, body_chart_svg(view, clinic_id=clinic_id, selected=selected, highlight=highlight))
        for view in VIEWS
    ]
    return render(
        request,
        "anatomy/chart.html",
        {
            "views": views,
            "error": error,
            "levels": ",".join(levels),
            "segment": segment,
            "root_levels": ROOT_ORDER,
            "zones": chart_zones(),
        },
    )


@clinic_page()
def find(request: HttpRequest, access: Access) -> HttpResponse:
    query = request.GET.get("q", "")[:60]
    muscles = muscle_find(query, clinic_id=access.membership.clinic_id)
    return render(request, "anatomy/_found.html", {"muscles": muscles, "query": query})


@clinic_page()
def pain(request: HttpRequest, access: Access) -> HttpResponse:
    try:
        areas = parse_pain_areas(request.GET.getlist("zones"))
    except ValidationError as error:
        return render(request, "anatomy/_pain.html", {"error": " ".join(error.messages)})
    matches = muscles_for_pain(areas, clinic_id=access.membership.clinic_id)
    return render(request, "anatomy/_pain.html", {"areas": areas, "matches": matches[:25]})


@clinic_page()
def printable(request: HttpRequest, access: Access) -> HttpResponse:
    """A PDF of the chart with the marked trigger points (``marks=slug:side:tp1``)."""
    clinic_id = access.membership.clinic_id
    marks: list[Mark] = []
    for key in request.GET.getlist("marks")[:60]:
        slug, _s, rest = key.partition(":")
        side_text, _s2, tp_id = rest.partition(":")
        side = Side(side_text) if side_text in Side.values else None
        mark = trigger_point_mark(slug, side, tp_id, clinic_id=clinic_id)
        if mark is not None:
            marks.append(mark)
    title = request.GET.get("title", "")[:120] or access.clinic.name
    return chart_pdf_response(title=title, marks=marks, clinic_id=clinic_id)
