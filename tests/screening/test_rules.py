"""The screening rule engine: every default rule, clinic choices, and two properties (any answers
give a verdict; naming one more risk never lowers a muscle's level)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filiform.anatomy.catalogue import muscle_catalogue, muscle_get
from filiform.anatomy.regions import Limb, Region, Side
from filiform.screening.answers import (
    Anticoagulant,
    Antiplatelet,
    Epilepsy,
    ScreeningAnswers,
)
from filiform.screening.rules import (
    Level,
    default_rules,
    muscle_findings,
    region_findings,
    rules_fired,
    rules_for_clinic,
    worst,
)

TODAY = dt.date(2026, 11, 25)
ADULT = 45


def level(answers: dict[str, Any], slug: str, side: Side | None = Side.LEFT, **kw: Any) -> Level:
    parsed = ScreeningAnswers.model_validate(answers)
    fired = rules_fired(
        parsed,
        rules=kw.pop("rules", default_rules()),
        age=kw.pop("age", ADULT),
        today=TODAY,
        clinic_flags=kw.pop("flags", frozenset()),
    )
    return worst(muscle_findings(fired, muscle_get(slug), side))


# rule id → (answers that set it off, a muscle and side it reaches, the level there,
#            a muscle and side it must not reach, or None when it reaches every muscle)
CASES: dict[str, tuple[dict[str, Any], tuple[str, Side | None], Level, tuple[str, Side] | None]] = {
    "needle_phobia": ({"needle_phobia": True}, ("deltoid", Side.LEFT), Level.BLOCK, None),
    "unwilling": ({"unwilling": True}, ("deltoid", Side.LEFT), Level.BLOCK, None),
    "unable_to_consent": ({"unable_to_consent": True}, ("deltoid", Side.RIGHT), Level.BLOCK, None),
    "acute_medical_condition": (
        {"acute_medical_condition": True},
        ("gluteus_medius", Side.LEFT),
        Level.BLOCK,
        None,
    ),
    "previous_adverse_reaction": (
        {"previous_adverse_reaction": True, "previous_adverse_reaction_detail": "fainted"},
        ("upper_trapezius", Side.LEFT),
        Level.BLOCK,
        None,
    ),
    "lymphoedema_limb": (
        {"lymphoedema": [{"limb": "upper", "side": "left"}]},
        ("deltoid", Side.LEFT),
        Level.BLOCK,
        ("deltoid", Side.RIGHT),
    ),
    "bleeding_non_compressible": (
        {"anticoagulants": ["apixaban"]},
        ("iliopsoas", Side.LEFT),
        Level.BLOCK,
        None,
    ),
    "infected_skin": (
        {"infected_skin": [{"region": "thigh_knee", "side": "right"}]},
        ("vastus_lateralis", Side.RIGHT),
        Level.BLOCK,
        ("vastus_lateralis", Side.LEFT),
    ),
    "swollen_area": (
        {"swollen_area": [{"region": "leg_foot"}]},
        ("gastrocnemius", Side.LEFT),
        Level.BLOCK,
        ("vastus_lateralis", Side.LEFT),
    ),
    "metal_allergy": ({"metal_allergy": True}, ("deltoid", Side.LEFT), Level.BLOCK, None),
    "unstable_heart_condition": (
        {"unstable_heart_condition": True},
        ("deltoid", Side.LEFT),
        Level.BLOCK,
        None,
    ),
    "epilepsy_uncontrolled": (
        {"epilepsy": "uncontrolled"},
        ("deltoid", Side.LEFT),
        Level.BLOCK,
        None,
    ),
    "pregnancy_abdomen_pelvis": (
        {"pregnant": True},
        ("rectus_abdominis", Side.LEFT),
        Level.BLOCK,
        None,
    ),
    "bleeding_risk": ({"antiplatelets": ["asa"]}, ("deltoid", Side.LEFT), Level.CAUTION, None),
    "immunocompromised": (
        {"immunocompromised": True},
        ("deltoid", Side.LEFT),
        Level.CAUTION,
        None,
    ),
    "diabetes": ({"diabetes": True}, ("gastrocnemius", Side.LEFT), Level.CAUTION, None),
    "vascular_disease": ({"vascular_disease": True}, ("deltoid", Side.LEFT), Level.CAUTION, None),
    "lymph_node_removal": (
        {"lymph_node_removal": [{"limb": "upper", "side": "right"}]},
        ("infraspinatus", Side.RIGHT),
        Level.CAUTION,
        ("infraspinatus", Side.LEFT),
    ),
    "pregnancy": ({"pregnant": True}, ("deltoid", Side.LEFT), Level.CAUTION, None),
    "child": ({}, ("deltoid", Side.LEFT), Level.CAUTION, None),
    "epilepsy_controlled": (
        {"epilepsy": "controlled"},
        ("deltoid", Side.LEFT),
        Level.CAUTION,
        None,
    ),
    "recent_surgery": (
        {"recent_surgery": [{"region": "shoulder_arm", "side": "left", "on": "2026-09-01"}]},
        ("deltoid", Side.LEFT),
        Level.CAUTION,
        ("deltoid", Side.RIGHT),
    ),
    "implants": (
        {"implants": [{"region": "thigh_knee", "side": "left", "kind": "knee replacement"}]},
        ("vastus_lateralis", Side.LEFT),
        Level.CAUTION,
        ("gastrocnemius", Side.LEFT),
    ),
    "pacemaker": ({"pacemaker": True}, ("deltoid", Side.LEFT), Level.CAUTION, None),
    "acute_trauma": (
        {"acute_trauma": [{"region": "forearm_hand", "side": "left"}]},
        ("extensor_carpi_radialis", Side.LEFT),
        Level.CAUTION,
        ("extensor_carpi_radialis", Side.RIGHT),
    ),
    "systemic_infection": (
        {"systemic_infection": True},
        ("deltoid", Side.LEFT),
        Level.CAUTION,
        None,
    ),
    "psychogenic_pain": ({"psychogenic_pain": True}, ("deltoid", Side.LEFT), Level.CAUTION, None),
}


def test_every_default_rule_has_a_case() -> None:
    assert {r.id for r in default_rules()} == set(CASES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_each_default_rule_fires_where_it_should_and_only_there(rule_id: str) -> None:
    answers, (slug, side), expected, elsewhere = CASES[rule_id]
    age = 12 if rule_id == "child" else ADULT
    parsed = ScreeningAnswers.model_validate(answers)
    fired = rules_fired(parsed, rules=default_rules(), age=age, today=TODAY)
    assert rule_id in {f.rule.id for f in fired}
    findings = [f for f in muscle_findings(fired, muscle_get(slug), side) if f.rule_id == rule_id]
    assert findings
    assert findings[0].level == expected
    assert findings[0].reason
    if elsewhere is not None:
        other = muscle_findings(fired, muscle_get(elsewhere[0]), elsewhere[1])
        assert rule_id not in {f.rule_id for f in other}
    # Turned off by the clinic, it no longer fires.
    off = rules_fired(parsed, rules=rules_for_clinic({rule_id: "off"}), age=age, today=TODAY)
    assert rule_id not in {f.rule.id for f in off}


def test_nothing_answered_is_ok_everywhere() -> None:
    assert all(level({}, slug) == Level.OK for slug in muscle_catalogue())


def test_anticoagulant_blocks_psoas_and_tibialis_posterior_but_cautions_the_deltoid() -> None:
    answers = {"anticoagulants": ["warfarin"]}
    assert level(answers, "iliopsoas") == Level.BLOCK
    assert level(answers, "tibialis_posterior", Side.RIGHT) == Level.BLOCK
    assert level(answers, "deltoid") == Level.CAUTION
    assert level({"bleeding_disorder": True}, "iliopsoas") == Level.BLOCK


def test_lymphoedema_blocks_that_limb_only() -> None:
    answers = {"lymphoedema": [{"limb": "lower", "side": "right"}]}
    assert level(answers, "gastrocnemius", Side.RIGHT) == Level.BLOCK
    assert level(answers, "vastus_lateralis", Side.RIGHT) == Level.BLOCK
    assert level(answers, "gastrocnemius", Side.LEFT) == Level.OK
    assert level(answers, "deltoid", Side.RIGHT) == Level.OK


def test_pregnancy_blocks_abdomen_and_pelvis_and_cautions_elsewhere() -> None:
    answers = {"pregnant": True, "pregnancy_weeks": 20}
    assert level(answers, "rectus_abdominis") == Level.BLOCK
    assert level(answers, "gluteus_medius") == Level.BLOCK
    assert level(answers, "upper_trapezius") == Level.CAUTION


def test_metal_allergy_blocks_unless_the_clinic_marks_its_needles_suitable() -> None:
    assert level({"metal_allergy": True}, "deltoid") == Level.BLOCK
    safe = frozenset({"needles_metal_allergy_safe"})
    assert level({"metal_allergy": True}, "deltoid", flags=safe) == Level.OK


def test_surgery_long_ago_is_not_recent() -> None:
    old = {"recent_surgery": [{"region": "shoulder_arm", "side": "left", "on": "2025-01-10"}]}
    assert level(old, "deltoid", Side.LEFT) == Level.OK


def test_a_clinic_can_soften_or_harden_a_rule() -> None:
    softer = rules_for_clinic({"bleeding_non_compressible": "caution"})
    assert level({"anticoagulants": ["warfarin"]}, "iliopsoas", rules=softer) == Level.CAUTION
    harder = rules_for_clinic({"diabetes": "block"})
    assert level({"diabetes": True}, "deltoid", rules=harder) == Level.BLOCK


def test_region_findings_name_the_muscles_when_not_the_whole_region() -> None:
    answers = ScreeningAnswers.model_validate({"anticoagulants": ["rivaroxaban"]})
    fired = rules_fired(answers, rules=default_rules(), age=ADULT, today=TODAY)
    regions = {r.region: r for r in region_findings(fired)}
    pelvis = regions[Region.PELVIS_HIP]
    assert pelvis.level == Level.BLOCK
    assert any("Iliopsoas" in line and "cannot be compressed" in line for line in pelvis.lines)
    assert regions[Region.FOREARM_HAND].level == Level.CAUTION


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        ({"pregnancy_weeks": 12}, "pregnant"),
        ({"anticoagulants": ["other"]}, "other"),
        ({"anticoagulant_other": "something"}, "anticoagulant"),
        ({"previous_adverse_reaction_detail": "fainted"}, "previous reaction"),
        ({"epilepsy": "sometimes"}, "epilepsy"),
        ({"lymphoedema": [{"limb": "tail", "side": "left"}]}, "limb"),
        ({"unknown_question": True}, "unknown_question"),
    ],
)
def test_contradictory_or_unknown_answers_are_refused(
    answers: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        ScreeningAnswers.model_validate(answers)


# --- properties ----------------------------------------------------------------------------

sides = st.sampled_from(list(Side))
sites = st.fixed_dictionaries(
    {"region": st.sampled_from(list(Region)), "side": st.one_of(st.none(), sides)}
)
limbs = st.fixed_dictionaries({"limb": st.sampled_from(list(Limb)), "side": sides})
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=TODAY)
BOOLS = [name for name, info in ScreeningAnswers.model_fields.items() if info.annotation is bool]
answer_sets = st.fixed_dictionaries(
    {},
    optional={
        **{name: st.booleans() for name in BOOLS},
        "lymphoedema": st.lists(limbs, max_size=3),
        "lymph_node_removal": st.lists(limbs, max_size=3),
        "anticoagulants": st.lists(
            st.sampled_from([a for a in Anticoagulant if a != "other"]), max_size=3
        ),
        "antiplatelets": st.lists(
            st.sampled_from([a for a in Antiplatelet if a != "other"]), max_size=3
        ),
        "epilepsy": st.sampled_from(list(Epilepsy)),
        "infected_skin": st.lists(sites, max_size=3),
        "swollen_area": st.lists(sites, max_size=3),
        "acute_trauma": st.lists(sites, max_size=3),
        "implants": st.lists(sites, max_size=3),
        "recent_surgery": st.lists(
            st.builds(lambda s, d: {**s, "on": d.isoformat()}, sites, dates), max_size=3
        ),
    },
)
# One more risk: a yes, or one more item in a list.
extra_risk = st.one_of(
    st.sampled_from(BOOLS).map(lambda name: (name, True)),
    limbs.map(lambda x: ("lymphoedema", x)),
    sites.map(lambda x: ("infected_skin", x)),
    sites.map(lambda x: ("acute_trauma", x)),
    st.sampled_from([a for a in Anticoagulant if a != "other"]).map(
        lambda x: ("anticoagulants", x)
    ),
)
ages = st.integers(min_value=0, max_value=100)
targets = st.tuples(st.sampled_from(sorted(muscle_catalogue())), sides)


def _levels(answers: ScreeningAnswers, age: int, flags: frozenset[str]) -> dict[Any, Level]:
    fired = rules_fired(answers, rules=default_rules(), age=age, today=TODAY, clinic_flags=flags)
    return {
        (slug, side): worst(muscle_findings(fired, muscle, side))
        for slug, muscle in muscle_catalogue().items()
        for side in Side
    }


@settings(max_examples=150, deadline=None)
@given(answer_sets, ages, st.booleans())
def test_any_answers_give_a_verdict_for_every_muscle_and_region(
    answers: dict[str, Any], age: int, safe: bool
) -> None:
    parsed = _valid(answers)
    flags = frozenset({"needles_metal_allergy_safe"} if safe else ())
    levels = _levels(parsed, age, flags)
    assert set(levels.values()) <= set(Level)
    fired = rules_fired(parsed, rules=default_rules(), age=age, today=TODAY, clinic_flags=flags)
    assert len(region_findings(fired)) == len(Region)


@settings(max_examples=150, deadline=None)
@given(answer_sets, extra_risk, ages)
def test_naming_one_more_risk_never_lowers_a_level(
    answers: dict[str, Any], risk: tuple[str, Any], age: int
) -> None:
    before = _valid(answers)
    name, value = risk
    more = dict(answers)
    if isinstance(value, bool):
        more[name] = True
        if name == "previous_adverse_reaction":
            more.setdefault("previous_adverse_reaction_detail", "")
    else:
        more[name] = [*answers.get(name, []), value]
    after = _valid(more)
    levels_before, levels_after = (
        _levels(before, age, frozenset()),
        _levels(after, age, frozenset()),
    )
    lowered = [k for k in levels_before if levels_after[k] < levels_before[k]]
    assert not lowered
    # And a BLOCK stays a BLOCK.
    assert all(levels_after[k] == Level.BLOCK for k, v in levels_before.items() if v == Level.BLOCK)


def _valid(answers: dict[str, Any]) -> ScreeningAnswers:
    return ScreeningAnswers.model_validate(answers)


def test_the_documentation_lists_every_default_rule() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "clearance.md").read_text()
    missing = [r.id for r in default_rules() if f"| `{r.id}` |" not in doc]
    assert not missing
