"""The chart as a whole: every catalogue muscle is drawn and has a trigger point somewhere, the
views do not disagree, and the smoothing draws through every point it is given."""

from __future__ import annotations

import re

from filiform.anatomy.catalogue import muscle_catalogue
from filiform.anatomy.chart import VIEWS, chart_view, chart_zones, point_in_polygon, smooth_path


def test_every_catalogue_muscle_is_drawn_with_a_trigger_point() -> None:
    drawn = {slug for view in VIEWS for slug in chart_view(view).muscles}
    pointed = {
        slug for view in VIEWS for slug, tps in chart_view(view).trigger_points.items() if tps
    }
    assert set(muscle_catalogue()) - drawn == set()
    assert set(muscle_catalogue()) - pointed == set()


def test_every_zone_is_drawn_on_its_own_view_only() -> None:
    for zone in chart_zones().values():
        assert zone.id in chart_view(zone.view).zones, zone.id
        other = "back" if zone.view == "front" else "front"
        assert zone.id not in chart_view(other).zones, zone.id


def test_trigger_points_lie_in_their_muscle_on_the_view_that_draws_them() -> None:
    for view in VIEWS:
        geometry = chart_view(view)
        for slug, points in geometry.trigger_points.items():
            for tp in points:
                assert any(point_in_polygon(tp.at, p) for p in geometry.muscles[slug]), (
                    view,
                    slug,
                    tp.id,
                )


def test_smooth_path_passes_through_every_point() -> None:
    square = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]]
    path = smooth_path(square)
    ends = re.findall(r"(?:M|C[^C]*? )(-?[\d.]+) (-?[\d.]+)(?= C| Z|$)", path)
    assert path.startswith("M0.0 0.0")
    assert path.endswith("Z")
    assert {(float(x), float(y)) for x, y in ends} == {(x, y) for x, y in square}
    assert smooth_path(square[:2]) == ""


def test_point_in_polygon() -> None:
    triangle = [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]]
    assert point_in_polygon((2, 2), triangle)
    assert not point_in_polygon((8, 8), triangle)
