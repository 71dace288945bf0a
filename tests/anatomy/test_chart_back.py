"""The back view of the body chart: valid geometry, every back muscle placed, shapes on the right
side and inside the silhouette, trigger points inside their muscles, every back zone drawn."""

from __future__ import annotations

import json

import pytest

from filiform.anatomy import chart
from filiform.anatomy.catalogue import muscle_catalogue

BACK_MUSCLES = [
    "upper_trapezius",
    "middle_trapezius",
    "lower_trapezius",
    "levator_scapulae",
    "splenius_capitis",
    "splenius_cervicis",
    "semispinalis_capitis",
    "cervical_multifidus",
    "suboccipitals",
    "supraspinatus",
    "infraspinatus",
    "teres_minor",
    "teres_major",
    "deltoid",
    "triceps_brachii",
    "extensor_carpi_radialis",
    "extensor_carpi_ulnaris",
    "extensor_digitorum",
    "supinator",
    "first_dorsal_interosseous",
    "rhomboids",
    "latissimus_dorsi",
    "serratus_posterior_superior",
    "thoracic_paraspinals",
    "quadratus_lumborum",
    "lumbar_multifidus",
    "iliocostalis_lumborum",
    "gluteus_maximus",
    "gluteus_medius",
    "gluteus_minimus",
    "piriformis",
    "biceps_femoris",
    "semitendinosus",
    "semimembranosus",
    "adductor_magnus",
    "popliteus",
    "gastrocnemius",
    "soleus",
    "tibialis_posterior",
    "flexor_digitorum_longus",
    "abductor_hallucis",
    "flexor_digitorum_brevis",
    "quadratus_plantae",
    "abductor_digiti_minimi_foot",
]


@pytest.fixture(scope="module")
def back() -> chart.ViewGeometry:
    path = chart.DATA / "chart_back.json"
    return chart.ViewGeometry.model_validate(json.loads(path.read_text(encoding="utf-8")))


def _in_outline(point: list[float], geometry: chart.ViewGeometry) -> bool:
    return any(chart.point_in_polygon(point, polygon) for polygon in geometry.outline)


def test_file_loads_through_the_chart_module(back: chart.ViewGeometry) -> None:
    assert chart.chart_view("back") == back


def test_outline_spans_the_figure(back: chart.ViewGeometry) -> None:
    xs = [x for polygon in back.outline for x, _ in polygon]
    ys = [y for polygon in back.outline for _, y in polygon]
    assert min(ys) == pytest.approx(20, abs=5)
    assert max(ys) == pytest.approx(880, abs=5)
    assert min(xs) > 0
    assert max(xs) < chart.WIDTH
    assert sum(len(polygon) for polygon in back.outline) >= 150
    # both halves are drawn: the silhouette is symmetric about the midline
    assert min(xs) + max(xs) == pytest.approx(2 * chart.MIDLINE, abs=1)


@pytest.mark.parametrize("slug", BACK_MUSCLES)
def test_every_back_muscle_is_drawn(back: chart.ViewGeometry, slug: str) -> None:
    assert back.muscles.get(slug), f"{slug} has no polygon on the back view"


def test_every_muscle_slug_is_in_the_catalogue(back: chart.ViewGeometry) -> None:
    catalogue = muscle_catalogue()
    assert set(back.muscles) <= set(catalogue)
    assert set(back.trigger_points) <= set(back.muscles)


def test_muscles_are_drawn_on_the_right_side_inside_the_outline(
    back: chart.ViewGeometry,
) -> None:
    catalogue = muscle_catalogue()
    for slug, polygons in back.muscles.items():
        for polygon in polygons:
            assert 8 <= len(polygon) <= 30, slug
            for point in polygon:
                if catalogue[slug].paired:
                    assert point[0] >= chart.MIDLINE, (slug, point)
                assert _in_outline(point, back), (slug, point)


@pytest.mark.parametrize("slug", BACK_MUSCLES)
def test_trigger_points_lie_in_their_own_muscle(back: chart.ViewGeometry, slug: str) -> None:
    points = back.trigger_points.get(slug, [])
    assert 1 <= len(points) <= 3, slug
    assert len({tp.id for tp in points}) == len(points)
    for tp in points:
        assert tp.label, (slug, tp.id)
        assert _in_outline(tp.at, back), (slug, tp.id)
        assert any(chart.point_in_polygon(tp.at, polygon) for polygon in back.muscles[slug]), (
            slug,
            tp.id,
        )


def test_every_back_zone_is_drawn_and_no_other(back: chart.ViewGeometry) -> None:
    zones = chart.chart_zones()
    expected = {zone_id for zone_id, zone in zones.items() if zone.view == "back"}
    assert set(back.zones) == expected


def test_zones_lie_inside_the_outline_on_their_side(back: chart.ViewGeometry) -> None:
    zones = chart.chart_zones()
    for zone_id, polygon in back.zones.items():
        xs = [x for x, _ in polygon]
        if zones[zone_id].paired:
            assert min(xs) >= chart.MIDLINE, zone_id
        else:
            # a midline zone is drawn whole, straddling the midline
            assert min(xs) < chart.MIDLINE < max(xs), zone_id
        for point in polygon:
            assert _in_outline(point, back), (zone_id, point)
