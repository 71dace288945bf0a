"""Properties of scoring: any valid answers give a score within the instrument's range or a
clear "not scorable"; answering one more item never makes a score unscorable; the value is the
exact result rounded once, half up; change() and mcid_reached() follow the direction."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from filiform.outcomes.instruments import (
    NDI_BANDS,
    ODI_BANDS,
    SPECS,
    Instrument,
    InstrumentSpec,
    ItemError,
    change,
    mcid_reached,
    score,
)
from filiform.outcomes.rom import MOVEMENTS

QUESTIONNAIRES = (Instrument.NDI, Instrument.ODI, Instrument.QUICKDASH, Instrument.LEFS)


def reference_round(value: Fraction, places: int) -> Decimal:
    """An independent single rounding: long division at 60 digits, then ROUND_HALF_UP."""
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def exact_questionnaire(code: Instrument, answered: list[int]) -> Fraction:
    total, n = sum(answered), len(answered)
    if code in (Instrument.NDI, Instrument.ODI):
        return Fraction(total * 100, 5 * n)
    if code is Instrument.QUICKDASH:
        return (Fraction(total, n) - 1) * 25
    return Fraction(total)


@st.composite
def questionnaire(
    draw: st.DrawFn, codes: tuple[Instrument, ...] = QUESTIONNAIRES
) -> tuple[InstrumentSpec, list[int | None]]:
    """A form of one of ``codes`` with every item in range and some items left unanswered."""
    spec = SPECS[draw(st.sampled_from(codes))]
    assert spec.items is not None
    assert spec.item_min is not None
    assert spec.item_max is not None
    values = draw(
        st.lists(
            st.integers(spec.item_min, spec.item_max), min_size=spec.items, max_size=spec.items
        )
    )
    missing = draw(st.sets(st.integers(0, spec.items - 1), max_size=spec.items))
    return spec, [None if position in missing else value for position, value in enumerate(values)]


@given(questionnaire())
def test_questionnaire_score_in_range_or_not_scorable(case):
    spec, items = case
    answered = [item for item in items if item is not None]
    result = score(spec.code, {"items": items})
    assert spec.min_answered is not None
    assert result.scorable is (len(answered) >= spec.min_answered)
    if result.scorable:
        assert result.value is not None
        assert spec.minimum <= result.value <= spec.maximum
        assert result.why_not == ""
    else:
        assert result.value is None
        assert result.why_not
        assert result.band == ""


@given(questionnaire())
def test_questionnaire_rounded_once(case):
    spec, items = case
    answered = [item for item in items if item is not None]
    result = score(spec.code, {"items": items})
    assume(result.scorable)
    exact = exact_questionnaire(spec.code, answered)
    places = 0 if spec.code is Instrument.LEFS else 1
    assert result.value == reference_round(exact, places)
    assert result.value is not None
    assert result.value.as_tuple().exponent == -places
    assert abs(Fraction(result.value) - exact) <= Fraction(1, 2 * 10**places)


@given(questionnaire(), st.data())
def test_answering_one_more_item_keeps_a_score(case, data):
    spec, items = case
    missing = [position for position, item in enumerate(items) if item is None]
    assume(missing)
    before = score(spec.code, {"items": items})
    position = data.draw(st.sampled_from(missing))
    items[position] = data.draw(st.integers(spec.item_min, spec.item_max))
    after = score(spec.code, {"items": items})
    assert after.scorable or not before.scorable


@given(questionnaire((Instrument.NDI, Instrument.ODI)), st.data())
def test_a_worse_item_never_lowers_the_score_or_band(case, data):
    spec, items = case
    bands = [code for _, code in (NDI_BANDS if spec.code is Instrument.NDI else ODI_BANDS)]
    answered = [position for position, item in enumerate(items) if item is not None]
    assume(answered)
    before = score(spec.code, {"items": items})
    assume(before.scorable)
    position = data.draw(st.sampled_from(answered))
    items[position] = 5
    after = score(spec.code, {"items": items})
    assert after.value is not None
    assert before.value is not None
    assert after.value >= before.value
    assert bands.index(after.band) >= bands.index(before.band)


@given(questionnaire(), st.data())
def test_any_out_of_range_item_is_named(case, data):
    spec, items = case
    position = data.draw(st.integers(0, len(items) - 1))
    bad = data.draw(
        st.integers(max_value=spec.item_min - 1)
        | st.integers(min_value=spec.item_max + 1)
        | st.floats()
        | st.booleans()
        | st.text()
    )
    items[position] = bad
    with pytest.raises(ItemError) as caught:
        score(spec.code, {"items": items})
    assert list(caught.value.errors) == [f"items.{position}"]


@given(st.lists(st.integers(0, 10), min_size=3, max_size=5))
def test_psfs_mean_in_range_and_rounded_once(ratings):
    answers = {"activities": [{"name": f"Task {n}", "rating": r} for n, r in enumerate(ratings)]}
    result = score("psfs", answers)
    assert result.value is not None
    assert Decimal(0) <= result.value <= Decimal(10)
    assert result.value == reference_round(Fraction(sum(ratings), len(ratings)), 1)


@given(st.integers(0, 10))
def test_nprs_in_range(rating):
    assert score("nprs", {"rating": rating}).value == rating


@given(st.sampled_from(list(MOVEMENTS.values())), st.data())
def test_rom_within_its_limit(movement, data):
    degrees = data.draw(
        st.decimals(0, movement.limit, places=2)
        | st.floats(0, float(movement.limit))
        | st.integers(0, int(movement.limit))
    )
    answers: dict[str, Any] = {
        "joint": movement.joint,
        "movement": movement.movement,
        "side": "left" if movement.sided else "",
        "mode": "passive",
        "degrees": degrees,
    }
    result = score("rom", answers)
    assert result.value is not None
    assert SPECS[Instrument.ROM].minimum <= result.value <= movement.limit
    answers["degrees"] = movement.limit + Decimal("0.01")
    with pytest.raises(ItemError):
        score("rom", answers)


@given(st.lists(st.decimals(0, 20, places=3), min_size=3, max_size=3))
def test_ppt_mean_in_range_and_rounded_once(trials):
    result = score("ppt", {"site": "Right infraspinatus", "trials": trials})
    assert result.value is not None
    assert Decimal(0) <= result.value <= Decimal(20)
    assert result.value == reference_round(sum(map(Fraction, trials), Fraction(0)) / 3, 2)


def scale_value(spec: InstrumentSpec) -> st.SearchStrategy[Decimal]:
    return st.decimals(spec.minimum, spec.maximum, places=1)


@given(st.sampled_from(list(Instrument)), st.data())
def test_change_follows_the_direction(code, data):
    spec = SPECS[code]
    baseline = data.draw(scale_value(spec))
    latest = data.draw(scale_value(spec))
    delta = change(code, baseline, latest)
    better = latest > baseline if spec.higher_is_better else latest < baseline
    worse = latest < baseline if spec.higher_is_better else latest > baseline
    assert (delta > 0) is better
    assert (delta < 0) is worse
    assert abs(delta) == abs(latest - baseline)
    assert change(code, latest, baseline) == -delta


@given(st.sampled_from(list(Instrument)), st.data())
def test_mcid_is_never_reached_by_getting_worse_and_stays_reached_when_better(code, data):
    spec = SPECS[code]
    baseline = data.draw(scale_value(spec))
    latest = data.draw(scale_value(spec))
    reached = mcid_reached(code, baseline, latest)
    if spec.mcid is None or not spec.mcid.applies:
        assert reached is None
        return
    if change(code, baseline, latest) <= 0:
        assert reached is False
    if reached:
        best = spec.maximum if spec.higher_is_better else spec.minimum
        assert mcid_reached(code, baseline, best) is True
