"""Finding muscles: by name, by pain area (referral), by nerve root level."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from filiform.anatomy.regions import Side
from filiform.anatomy.search import (
    muscle_find,
    muscles_for_pain,
    muscles_for_segment,
    parse_pain_areas,
    parse_root_levels,
)


def _found(*areas: str) -> list[str]:
    return [m.key for m in muscles_for_pain(parse_pain_areas(areas))]


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        ("temple:right", {"upper_trapezius", "temporalis", "sternocleidomastoid"}),
        ("lateral_thigh:left", {"gluteus_minimus", "tensor_fasciae_latae", "vastus_lateralis"}),
        ("heel:right", {"soleus", "quadratus_plantae", "abductor_hallucis"}),
        ("lateral_elbow:left", {"supinator", "extensor_carpi_radialis", "brachioradialis"}),
        ("kneecap:right", {"rectus_femoris"}),
    ],
)
def test_known_pain_areas_find_the_classic_muscles_on_that_side(
    area: str, expected: set[str]
) -> None:
    _zone, side = area.split(":")
    keys = _found(area)
    assert {f"{slug}:{side}" for slug in expected} <= set(keys)
    assert all(key.endswith(f":{side}") for key in keys)


def test_more_areas_covered_rank_first() -> None:
    keys = _found("temple:right", "posterolateral_neck:right", "mastoid:right")
    assert keys[0] == "upper_trapezius:right"


def test_a_primary_referral_outranks_spillover() -> None:
    matches = muscles_for_pain(parse_pain_areas(["kneecap:left"]))
    assert matches[0].muscle.slug == "rectus_femoris"


@pytest.mark.parametrize(
    ("areas", "message"),
    [
        (["elbow_of_doom:left"], "not a zone"),
        (["temple"], "which side"),
        (["temple:up"], "left or right"),
        (["sternum:left"], "midline"),
    ],
)
def test_bad_pain_areas_are_refused_clearly(areas: list[str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_pain_areas(areas)


def test_midline_zone_finds_muscles_of_both_sides() -> None:
    keys = _found("sternum")
    assert {"pectoralis_major:left", "pectoralis_major:right"} <= set(keys)


def test_names_synonyms_and_abbreviations_are_found() -> None:
    assert [m.slug for m in muscle_find("SCM")] == ["sternocleidomastoid"]
    assert "iliopsoas" in [m.slug for m in muscle_find("psoas")]
    assert "tensor_fasciae_latae" in [m.slug for m in muscle_find("tfl")]
    assert {m.slug for m in muscle_find("trap")} >= {
        "upper_trapezius",
        "middle_trapezius",
        "lower_trapezius",
    }
    assert muscle_find("glute med")[0].slug == "gluteus_medius"
    assert muscle_find("   ") == []


def test_segment_view_lists_the_segments_muscles_with_paraspinals_first() -> None:
    levels = parse_root_levels(["C5-C6"])
    assert levels == ["C5", "C6"]
    muscles = muscles_for_segment(levels)
    slugs = [m.slug for m in muscles]
    assert {"deltoid", "biceps_brachii", "infraspinatus", "supraspinatus"} <= set(slugs)
    assert muscles[0].paraspinal
    assert "cervical_multifidus" in slugs
    lumbar = [m.slug for m in muscles_for_segment(parse_root_levels(["L4–L5"]))]
    assert {"lumbar_multifidus", "tibialis_anterior", "gluteus_medius"} <= set(lumbar)
    assert "deltoid" not in lumbar


@pytest.mark.parametrize("bad", ["C9", "X1", "T13", "S6-S7"])
def test_bad_root_levels_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError, match="nerve root level"):
        parse_root_levels([bad])


def test_every_level_with_paraspinals_from_c3_to_s1() -> None:
    order = (
        [f"C{i}" for i in range(3, 9)]
        + [f"T{i}" for i in range(1, 13)]
        + [f"L{i}" for i in range(1, 6)]
        + ["S1"]
    )
    for level in order:
        assert any(m.paraspinal for m in muscles_for_segment([level])), level


def test_side_values_are_the_sides() -> None:
    matches = muscles_for_pain(parse_pain_areas(["calf:left"]))
    assert matches
    assert {m.side for m in matches} == {Side.LEFT}
