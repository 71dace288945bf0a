"""The front view of the body chart: valid geometry, every front muscle drawn, shapes on the body."""

from __future__ import annotations

import json

import pytest

from filiform.anatomy.catalogue import muscle_catalogue
from filiform.anatomy.chart import DATA, MIDLINE, ViewGeometry, chart_zones, point_in_polygon

FRONT_MUSCLES = (
    "sternocleidomastoid",
    "scalenes",
    "temporalis",
    "masseter",
    "lateral_pterygoid",
    "upper_trapezius",
    "deltoid",
    "biceps_brachii",
    "brachialis",
    "coracobrachialis",
    "pectoralis_major",
    "pectoralis_minor",
    "serratus_anterior",
    "intercostals",
    "subscapularis",
    "brachioradialis",
    "pronator_teres",
    "flexor_carpi_radialis",
    "flexor_carpi_ulnaris",
    "flexor_digitorum_superficialis",
    "flexor_digitorum_profundus",
    "adductor_pollicis",
    "rectus_abdominis",
    "external_oblique",
    "internal_oblique",
    "iliopsoas",
    "tensor_fasciae_latae",
    "adductor_longus_brevis",
    "adductor_magnus",
    "gracilis",
    "pectineus",
    "sartorius",
    "rectus_femoris",
    "vastus_medialis",
    "vastus_lateralis",
    "vastus_intermedius",
    "tibialis_anterior",
    "fibularis_longus",
    "fibularis_brevis",
    "extensor_digitorum_longus",
    "extensor_hallucis_longus",
    "extensor_digitorum_brevis",
)


@pytest.fixture(scope="module")
def front() -> ViewGeometry:
    raw = json.loads((DATA / "chart_front.json").read_text(encoding="utf-8"))
    return ViewGeometry.model_validate(raw)


def _on_body(point: list[float], geometry: ViewGeometry) -> bool:
    return any(point_in_polygon(point, polygon) for polygon in geometry.outline)


def test_every_front_muscle_is_drawn(front: ViewGeometry) -> None:
    missing = [slug for slug in FRONT_MUSCLES if not front.muscles.get(slug)]
    assert not missing


def test_muscles_are_catalogue_slugs(front: ViewGeometry) -> None:
    catalogue = muscle_catalogue()
    assert set(front.muscles) <= set(catalogue)
    assert set(front.trigger_points) <= set(catalogue)


def test_polygons_have_enough_points_for_a_smooth_outline(front: ViewGeometry) -> None:
    for slug, polygons in front.muscles.items():
        for polygon in polygons:
            assert 8 <= len(polygon) <= 30, slug
    assert sum(len(polygon) for polygon in front.outline) >= 150


def test_outline_is_symmetric_about_the_midline(front: ViewGeometry) -> None:
    for polygon in front.outline:
        points = {(round(x, 1), round(y, 1)) for x, y in polygon}
        mirrored = {(round(2 * MIDLINE - x, 1), y) for x, y in points}
        assert points == mirrored


def test_paired_shapes_are_drawn_on_the_patients_right(front: ViewGeometry) -> None:
    catalogue = muscle_catalogue()
    for slug, polygons in front.muscles.items():
        assert catalogue[slug].paired, slug
        for polygon in polygons:
            assert all(x <= MIDLINE for x, _ in polygon), slug
    for slug, points in front.trigger_points.items():
        assert all(tp.at[0] <= MIDLINE for tp in points), slug
    zones = chart_zones()
    for zone_id, polygon in front.zones.items():
        if zones[zone_id].paired:
            assert all(x <= MIDLINE for x, _ in polygon), zone_id


def test_unpaired_zones_straddle_the_midline(front: ViewGeometry) -> None:
    zones = chart_zones()
    for zone_id, polygon in front.zones.items():
        if not zones[zone_id].paired:
            xs = [x for x, _ in polygon]
            assert min(xs) < MIDLINE < max(xs), zone_id


def test_muscles_lie_on_the_body(front: ViewGeometry) -> None:
    outside = [
        (slug, point)
        for slug, polygons in front.muscles.items()
        for polygon in polygons
        for point in polygon
        if not _on_body(point, front)
    ]
    assert not outside


def test_zones_lie_on_the_body(front: ViewGeometry) -> None:
    outside = [
        (zone_id, point)
        for zone_id, polygon in front.zones.items()
        for point in polygon
        if not _on_body(point, front)
    ]
    assert not outside


def test_trigger_points_lie_in_their_own_muscle(front: ViewGeometry) -> None:
    assert set(front.trigger_points) == set(front.muscles)
    for slug, points in front.trigger_points.items():
        assert 1 <= len(points) <= 3, slug
        assert len({tp.id for tp in points}) == len(points), slug
        for tp in points:
            assert tp.label, (slug, tp.id)
            assert _on_body(tp.at, front), (slug, tp.id)
            assert any(point_in_polygon(tp.at, polygon) for polygon in front.muscles[slug]), (
                slug,
                tp.id,
            )


def test_every_front_zone_is_drawn_and_no_other(front: ViewGeometry) -> None:
    zones = chart_zones()
    expected = {zone_id for zone_id, zone in zones.items() if zone.view == "front"}
    assert set(front.zones) == expected
