"""The depth limits over the lung and the other depth hazards, at their edges."""

from __future__ import annotations

from decimal import Decimal

import pytest

from filiform.anatomy.catalogue import muscle_catalogue, muscle_get
from filiform.anatomy.depth_limits import (
    ClinicDepth,
    depth_findings,
    depth_rule,
    depth_summary,
    depth_table,
)
from filiform.anatomy.regions import THORAX_CAUTIONS, Caution
from filiform.anatomy.segments import caution_at, level_of_trigger_point, levels_of, segmented


def codes(slug: str, depth: str, *, length: int = 13, approach: str = "", **kw) -> list[str]:
    return [
        ("refuse:" if f.refuse else "warn:") + f.code
        for f in depth_findings(
            muscle=muscle_get(slug),
            approach=approach,
            depth_mm=Decimal(depth),
            needle_length_mm=length,
            **kw,
        )
    ]


def test_every_muscle_over_the_lung_has_a_depth_rule_with_sources() -> None:
    """Every catalogue muscle whose caution is the lung, by default or at some level."""
    lung = set()
    for slug, muscle in muscle_catalogue().items():
        levels = levels_of(slug) or ("",)
        if any(caution_at(muscle, level) in THORAX_CAUTIONS for level in levels):
            lung.add(slug)
    assert {"intercostals", "serratus_anterior", "rhomboids", "scalenes"} <= lung
    for slug in lung:
        rule = depth_rule(slug)
        assert rule is not None, f"{slug} is over the lung but has no depth rule"
        assert rule.sources
        assert all(s in depth_table().sources for s in rule.sources)
        assert len(rule.derivation) > 30


def test_rhomboids_limit_is_13_mm_not_the_published_19_mm_target() -> None:
    assert depth_rule("rhomboids").max_depth_mm == 13  # type: ignore[union-attr]
    assert codes("rhomboids", "10.0") == []
    assert codes("rhomboids", "10.1") == ["warn:near_limit"]  # within 3 mm of the limit
    assert codes("rhomboids", "13.0") == ["warn:near_limit"]
    assert codes("rhomboids", "13.1") == ["refuse:too_deep"]
    assert codes("rhomboids", "19") == ["refuse:too_deep"]
    # No technique lifts the rhomboids' cap: a pneumothorax followed rib bracketing.
    assert codes("rhomboids", "14", approach="onto_rib") == ["refuse:too_deep"]


def test_a_needle_longer_than_the_limit_needs_a_reason_when_straight_in() -> None:
    assert codes("rhomboids", "8", length=30) == ["warn:needle_longer_than_limit"]
    assert codes("rhomboids", "8", length=30, approach="oblique") == []
    assert codes("rhomboids", "8", length=13, approach="perpendicular") == []


def test_intercostals_are_blocked_unless_the_clinic_allows_them() -> None:
    assert codes("intercostals", "40", length=75) == ["refuse:blocked"]
    assert codes("intercostals", "2", length=13, approach="flat") == ["refuse:blocked"]
    allowed = ClinicDepth(allow_blocked=True)
    assert codes("intercostals", "5", length=13, choice=allowed) == []


def test_serratus_anterior_only_onto_a_rib_or_flat() -> None:
    assert codes("serratus_anterior", "1") == ["refuse:approach_required"]
    assert codes("serratus_anterior", "1", approach="pincer") == ["refuse:approach_required"]
    assert codes("serratus_anterior", "20", length=30, approach="onto_rib") == []
    assert codes("serratus_anterior", "20", length=30, approach="flat") == []


def test_upper_trapezius_pincer_lifts_the_cap_and_straight_in_is_capped() -> None:
    assert codes("upper_trapezius", "7", approach="oblique") == []
    assert codes("upper_trapezius", "7.1", approach="oblique") == ["warn:near_limit"]
    assert codes("upper_trapezius", "10.1", approach="oblique") == ["refuse:too_deep"]
    assert codes("upper_trapezius", "5", length=13) == ["warn:needle_longer_than_limit"]
    assert codes("upper_trapezius", "20", length=30, approach="pincer") == []


def test_non_lung_hazards_warn_at_their_edges() -> None:
    assert codes("pronator_teres", "25", length=30) == []
    assert codes("pronator_teres", "25.1", length=30) == ["warn:deep_warning"]
    assert codes("supinator", "16", length=30) == []
    assert codes("supinator", "16.1", length=30) == ["warn:deep_warning"]
    assert codes("piriformis", "40", length=60) == ["warn:hazard_warning"]
    assert codes("lumbar_multifidus", "30", length=50, level="T12") == ["warn:level_warning"]
    assert codes("lumbar_multifidus", "30", length=50, level="L4") == []
    assert codes("quadratus_lumborum", "30", length=50, level="L1") == ["warn:level_warning"]
    assert codes("quadratus_lumborum", "30", length=50, level="L3") == []
    assert codes("thoracic_paraspinals", "20", length=30, approach="onto_bone", level="T12") == [
        "warn:level_warning"
    ]
    assert codes("suboccipitals", "40", length=50, approach="oblique") == ["warn:near_limit"]
    assert codes("suboccipitals", "40.5", length=50, approach="oblique") == ["refuse:too_deep"]


def test_a_clinic_choice_replaces_the_default_limit() -> None:
    stricter = ClinicDepth(max_depth_mm=Decimal("10"))
    assert codes("rhomboids", "10.5", choice=stricter) == ["refuse:too_deep"]
    looser = ClinicDepth(max_depth_mm=Decimal("15"))
    assert codes("upper_trapezius", "11", length=15, choice=looser) == []
    assert "15 mm" in depth_summary(muscle_get("upper_trapezius"), looser)


def test_muscles_not_over_the_lung_have_no_findings() -> None:
    assert codes("gluteus_medius", "45", length=60) == []
    assert codes("infraspinatus", "30", length=40) == []


def test_the_level_decides_whether_the_lung_lies_under_the_muscle() -> None:
    multifidus = muscle_get("lumbar_multifidus")
    assert caution_at(multifidus, "T12") == Caution.LUNG
    assert caution_at(multifidus, "L1") not in THORAX_CAUTIONS
    assert caution_at(multifidus, "L5") not in THORAX_CAUTIONS
    assert caution_at(multifidus, "") not in THORAX_CAUTIONS  # the usual lumbar target
    ql = muscle_get("quadratus_lumborum")
    assert caution_at(ql, "L1") == Caution.LUNG
    assert caution_at(ql, "L2") not in THORAX_CAUTIONS
    assert caution_at(muscle_get("thoracic_paraspinals"), "T6") in THORAX_CAUTIONS
    assert levels_of("lumbar_multifidus")[0] == "T12"
    assert levels_of("lumbar_multifidus")[-1] == "S1"
    assert level_of_trigger_point("lumbar_multifidus", "tp2") == "L5"
    assert levels_of("gluteus_medius") == ()


@pytest.mark.parametrize("slug", ["lumbar_multifidus", "quadratus_lumborum"])
def test_every_shipped_trigger_point_of_a_segmented_muscle_has_a_level(slug: str) -> None:
    from filiform.anatomy.chart import chart_view

    row = segmented(slug)
    assert row is not None
    points = {p.id for p in chart_view("back").trigger_points.get(slug, [])}
    assert points
    assert points <= set(row.trigger_points)
