"""The screening rule engine: every default rule, clinic choices, "unsure" answers, rules aimed at
techniques, and two properties (any answers give a verdict; answering one more risk — "yes" or
"unsure" where it was "no", or one more item in a list — never lowers a muscle's level)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filiform.anatomy.catalogue import muscle_catalogue, muscle_get
from filiform.anatomy.regions import Limb, Region, Side
from filiform.screening.answers import (
    QUESTIONS,
    Anticoagulant,
    Antiplatelet,
    Epilepsy,
    ScreeningAnswers,
)
from filiform.screening.rules import (
    TECHNIQUES,
    Level,
    Rule,
    default_rules,
    muscle_findings,
    region_findings,
    rules_fired,
    rules_for_clinic,
    technique_findings,
    whole_body_findings,
    worst,
)
from tests.clinical import all_answered

TODAY = dt.date(2026, 11, 25)
ADULT = 45


def parsed(answers: dict[str, Any]) -> ScreeningAnswers:
    """Every question answered "no" except those given (shorthand of tests.clinical)."""
    return ScreeningAnswers.model_validate(all_answered(answers))


def level(answers: dict[str, Any], slug: str, side: Side | None = Side.LEFT, **kw: Any) -> Level:
    fired = rules_fired(
        parsed(answers),
        rules=kw.pop("rules", default_rules()),
        age=kw.pop("age", ADULT),
        today=TODAY,
        clinic_flags=kw.pop("flags", frozenset()),
    )
    technique = kw.pop("technique", None)
    return worst(muscle_findings(fired, muscle_get(slug), side, technique=technique))


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
    "pacemaker": (
        {"electrical_implant": ["pacemaker"]},
        ("deltoid", Side.LEFT),
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


def test_every_default_rule_has_a_case_a_source_and_an_unsure_effect() -> None:
    assert {r.id for r in default_rules()} == set(CASES)
    for rule in default_rules():
        assert rule.source.strip()
        # The default: "unsure" on an absolute contraindication blocks, on a precaution cautions.
        assert rule.unsure == ("block" if rule.kind == "absolute" else "caution"), rule.id


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_each_default_rule_fires_where_it_should_and_only_there(rule_id: str) -> None:
    answers, (slug, side), expected, elsewhere = CASES[rule_id]
    age = 12 if rule_id == "child" else ADULT
    rule = next(r for r in default_rules() if r.id == rule_id)
    technique = rule.techniques[0] if rule.techniques else None
    fired = rules_fired(parsed(answers), rules=default_rules(), age=age, today=TODAY)
    assert rule_id in {f.rule.id for f in fired}
    findings = [
        f
        for f in muscle_findings(fired, muscle_get(slug), side, technique=technique)
        if f.rule_id == rule_id
    ]
    assert findings
    assert findings[0].level == expected
    assert findings[0].reason
    if elsewhere is not None:
        other = muscle_findings(fired, muscle_get(elsewhere[0]), elsewhere[1], technique=technique)
        assert rule_id not in {f.rule_id for f in other}
    # Turned off by the clinic, it no longer fires.
    off = rules_fired(
        parsed(answers), rules=rules_for_clinic({rule_id: "off"}), age=age, today=TODAY
    )
    assert rule_id not in {f.rule.id for f in off}


def test_every_question_answered_no_is_ok_everywhere() -> None:
    for technique in (None, *TECHNIQUES):
        assert all(level({}, slug, technique=technique) == Level.OK for slug in muscle_catalogue())


def test_an_unanswered_question_fires_no_rule_it_makes_the_screening_incomplete() -> None:
    blank = ScreeningAnswers()
    assert not rules_fired(blank, rules=default_rules(), age=ADULT, today=TODAY)
    assert not blank.complete
    assert blank.unanswered() == list(QUESTIONS)
    assert ScreeningAnswers.model_validate(all_answered()).complete


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
    answers = parsed({"anticoagulants": ["rivaroxaban"]})
    fired = rules_fired(answers, rules=default_rules(), age=ADULT, today=TODAY)
    regions = {r.region: r for r in region_findings(fired)}
    pelvis = regions[Region.PELVIS_HIP]
    assert pelvis.level == Level.BLOCK
    assert any("Iliopsoas" in line and "cannot be compressed" in line for line in pelvis.lines)
    assert regions[Region.FOREARM_HAND].level == Level.CAUTION


# --- "unsure" ------------------------------------------------------------------------------


def test_unsure_on_an_absolute_contraindication_blocks_and_on_a_precaution_cautions() -> None:
    assert level({"needle_phobia": "unsure"}, "deltoid") == Level.BLOCK
    assert level({"diabetes": "unsure"}, "deltoid") == Level.CAUTION
    assert level({"epilepsy": "unsure"}, "deltoid") == Level.BLOCK  # may be uncontrolled
    # Unsure about anticoagulants: the muscles that cannot be compressed are blocked.
    assert level({"anticoagulants": "unsure"}, "iliopsoas") == Level.BLOCK
    assert level({"anticoagulants": "unsure"}, "deltoid") == Level.CAUTION


def test_unsure_where_reaches_everywhere_the_rule_could_apply() -> None:
    # Unsure about lymphoedema: which limb is not known, so every arm and leg is blocked…
    answers = {"lymphoedema": "unsure"}
    assert level(answers, "deltoid", Side.RIGHT) == Level.BLOCK
    assert level(answers, "gastrocnemius", Side.LEFT) == Level.BLOCK
    # …and not the trunk, where lymphoedema of a limb says nothing.
    assert level(answers, "upper_trapezius", Side.LEFT) == Level.OK
    # Unsure about infected skin: anywhere.
    assert level({"infected_skin": "unsure"}, "upper_trapezius") == Level.BLOCK


def test_an_unsure_finding_says_so_and_names_the_question() -> None:
    fired = rules_fired(
        parsed({"anticoagulants": "unsure"}), rules=default_rules(), age=ADULT, today=TODAY
    )
    findings = muscle_findings(fired, muscle_get("iliopsoas"), Side.LEFT)
    assert {f.answer for f in findings} == {"unsure"}
    assert all(f.reason.startswith("Unsure — Anticoagulants:") for f in findings)
    assert any("Unsure — Anticoagulants" in f.reason for f in whole_body_findings(fired))


def test_unsure_never_outweighs_the_clinics_own_effect_for_the_rule() -> None:
    softer = rules_for_clinic({"bleeding_non_compressible": "caution"})
    assert level({"anticoagulants": "unsure"}, "iliopsoas", rules=softer) == Level.CAUTION
    off = rules_for_clinic({"needle_phobia": "off"})
    assert level({"needle_phobia": "unsure"}, "deltoid", rules=off) == Level.OK


def test_a_yes_without_its_list_reaches_no_muscle_but_leaves_the_screening_incomplete() -> None:
    answers = ScreeningAnswers.model_validate(all_answered({"lymphoedema": "yes"}))
    assert answers.without_list() == ["lymphoedema"]
    assert not answers.complete


# --- techniques ----------------------------------------------------------------------------


def test_the_rule_techniques_are_the_needling_records_techniques() -> None:
    from filiform.charting.codes import Technique

    assert set(TECHNIQUES) == set(Technique.values)


@pytest.mark.parametrize("device", ["pacemaker", "defibrillator", "stimulator"])
def test_an_implanted_electrical_device_blocks_electrical_stimulation_not_needling(
    device: str,
) -> None:
    answers = {"electrical_implant": [device]}
    assert level(answers, "deltoid", technique="electrical") == Level.BLOCK
    for manual in ("static", "pistoning", "rotation", "fanning"):
        assert level(answers, "deltoid", technique=manual) == Level.OK
    # The general view does not block the muscle: the technique is listed on its own.
    assert level(answers, "deltoid") == Level.OK
    fired = rules_fired(parsed(answers), rules=default_rules(), age=ADULT, today=TODAY)
    (limit,) = technique_findings(fired)
    assert (limit.technique, limit.level) == ("electrical", Level.BLOCK)
    assert "electrical stimulation" in limit.reasons[0]
    assert not whole_body_findings(fired)
    assert all(r.level == Level.OK for r in region_findings(fired))


def test_unsure_about_an_implanted_device_blocks_electrical_stimulation() -> None:
    answers = {"electrical_implant": "unsure"}
    assert level(answers, "deltoid", technique="electrical") == Level.BLOCK
    assert level(answers, "deltoid", technique="static") == Level.OK


def test_a_rule_can_aim_a_caution_at_manual_techniques() -> None:
    """Rule data decides: a clinic rule aimed at manual needling cautions those techniques."""
    manual = Rule.model_validate(
        {
            "id": "device_manual",
            "when": ["electrical_implant"],
            "effect": "caution",
            "unsure": "caution",
            "applies_to": "all",
            "techniques": ["static", "pistoning"],
            "kind": "relative",
            "reason": "Device nearby.",
            "source": "test",
        }
    )
    rules = (*default_rules(), manual)
    answers = {"electrical_implant": ["pacemaker"]}
    assert level(answers, "deltoid", technique="static", rules=rules) == Level.CAUTION
    assert level(answers, "deltoid", technique="rotation", rules=rules) == Level.OK
    assert level(answers, "deltoid", technique="electrical", rules=rules) == Level.BLOCK


def test_rule_data_naming_an_unknown_technique_or_answer_is_refused(tmp_path, monkeypatch) -> None:
    import json

    from filiform.screening import rules as engine

    row = next(r for r in json.loads(engine.RULES_FILE.read_text()) if r["id"] == "pacemaker")
    for bad, words in (
        ({**row, "techniques": ["laser"]}, "unknown techniques"),
        ({**row, "when": ["pacemaker"]}, "unknown answers"),
        ({**row, "when": ["epilepsy"]}, "unknown answers"),
    ):
        path = tmp_path / "rules.json"
        path.write_text(json.dumps([bad]))
        monkeypatch.setattr(engine, "RULES_FILE", path)
        engine.default_rules.cache_clear()
        try:
            with pytest.raises(ValueError, match=words):
                engine.default_rules()
        finally:
            monkeypatch.undo()
            engine.default_rules.cache_clear()


# --- properties ----------------------------------------------------------------------------

sides = st.sampled_from(list(Side))
sites = st.fixed_dictionaries(
    {"region": st.sampled_from(list(Region)), "side": st.one_of(st.none(), sides)}
)
limbs = st.fixed_dictionaries({"limb": st.sampled_from(list(Limb)), "side": sides})
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=TODAY)
# Questions that list something, with a strategy for one item of the list.
LISTED = {
    "lymphoedema": limbs,
    "lymph_node_removal": limbs,
    "anticoagulants": st.sampled_from([a.value for a in Anticoagulant if a != "other"]),
    "antiplatelets": st.sampled_from([a.value for a in Antiplatelet if a != "other"]),
    "infected_skin": sites,
    "swollen_area": sites,
    "acute_trauma": sites,
    "implants": sites,
    "recent_surgery": st.builds(lambda s, d: {**s, "on": d.isoformat()}, sites, dates),
    "electrical_implant": st.sampled_from(["pacemaker", "defibrillator", "stimulator"]),
}
PLAIN = [n for n in QUESTIONS if n not in LISTED and n not in ("epilepsy", "medications")]
tri = st.sampled_from(["yes", "no", "unsure"])
answer_sets = st.fixed_dictionaries(
    {
        **{name: tri for name in PLAIN},
        **{
            name: st.one_of(
                st.sampled_from(["no", "unsure"]), st.lists(item, min_size=1, max_size=3)
            )
            for name, item in LISTED.items()
        },
        "epilepsy": st.sampled_from(list(Epilepsy)),
    }
)
# One more risk: "yes" or "unsure" where the answer was "no", or one more item in a list.
more_risk = st.one_of(
    st.tuples(st.just("answer"), st.sampled_from(PLAIN), st.sampled_from(["yes", "unsure"])),
    st.tuples(st.just("answer"), st.sampled_from(list(LISTED)), st.just("unsure")),
    st.sampled_from(list(LISTED)).flatmap(
        lambda n: st.tuples(st.just("item"), st.just(n), LISTED[n])
    ),
    st.tuples(
        st.just("epilepsy"),
        st.just("epilepsy"),
        st.sampled_from(["controlled", "uncontrolled", "unsure"]),
    ),
)
ages = st.integers(min_value=0, max_value=100)
EPILEPSY_ORDER = ["none", "controlled", "unsure", "uncontrolled"]


def _levels(answers: ScreeningAnswers, age: int, flags: frozenset[str]) -> dict[Any, Level]:
    """Each muscle's level on each side, in general and for electrical stimulation (the same
    filter as :func:`muscle_findings`, without writing each reason out)."""
    fired = rules_fired(answers, rules=default_rules(), age=age, today=TODAY, clinic_flags=flags)
    return {
        (slug, side, technique): max(
            (f.level for f in fired if f.concerns(technique) and f.reaches(muscle, side)),
            default=Level.OK,
        )
        for slug, muscle in muscle_catalogue().items()
        for side in Side
        for technique in (None, "electrical")
    }


def _with(answers: dict[str, Any], kind: str, name: str, value: Any) -> dict[str, Any] | None:
    """The answers with one more risk, or None when it is not more (already as risky)."""
    more = dict(answers)
    current = answers.get(name)
    if kind == "epilepsy":
        if EPILEPSY_ORDER.index(value) <= EPILEPSY_ORDER.index(str(current)):
            return None
        more[name] = value
    elif kind == "item":
        if current == "unsure":
            return None  # "unsure" reaches everywhere; naming the place is information
        more[name] = [*(current if isinstance(current, list) else []), value]
    else:
        if current == "yes" or (current == "unsure" and value == "unsure"):
            return None
        more[name] = value
    return more


@settings(max_examples=60, deadline=None)
@given(answer_sets, ages, st.booleans())
def test_any_answers_give_a_verdict_for_every_muscle_and_region(
    answers: dict[str, Any], age: int, safe: bool
) -> None:
    complete = parsed(answers)
    assert complete.complete
    flags = frozenset({"needles_metal_allergy_safe"} if safe else ())
    levels = _levels(complete, age, flags)
    assert set(levels.values()) <= set(Level)
    fired = rules_fired(complete, rules=default_rules(), age=age, today=TODAY, clinic_flags=flags)
    assert len(region_findings(fired)) == len(Region)


@settings(max_examples=100, deadline=None)
@given(answer_sets, more_risk, ages)
def test_answering_one_more_risk_never_lowers_a_level(
    answers: dict[str, Any], risk: tuple[str, str, Any], age: int
) -> None:
    more = _with(answers, *risk)
    if more is None:
        return
    levels_before = _levels(parsed(answers), age, frozenset())
    levels_after = _levels(parsed(more), age, frozenset())
    lowered = [k for k in levels_before if levels_after[k] < levels_before[k]]
    assert not lowered
    # And a BLOCK stays a BLOCK.
    assert all(levels_after[k] == Level.BLOCK for k, v in levels_before.items() if v == Level.BLOCK)


def test_the_documentation_lists_every_default_rule() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "clearance.md").read_text()
    missing = [r.id for r in default_rules() if f"| `{r.id}` |" not in doc]
    assert not missing
