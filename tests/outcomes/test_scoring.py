"""Scoring of every outcome measure, with worked examples computed by hand in the comments:
complete forms, missing items, not scorable, band edges, bad input, and MCIDs both ways.
Pure functions: no database."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from filiform.outcomes.instruments import (
    BAND_LABELS,
    SPECS,
    Instrument,
    ItemError,
    band_label,
    change,
    mcid_reached,
    score,
)
from filiform.outcomes.rom import MAX_LIMIT, MOVEMENTS, ROM_MOVEMENTS

D = Decimal


def errors_of(instrument: str, answers: Any) -> dict[str, str]:
    with pytest.raises(ItemError) as caught:
        score(instrument, answers)
    return caught.value.errors


# --- NPRS ---------------------------------------------------------------------------------------


def test_nprs_is_the_rating():
    result = score("nprs", {"rating": 7})
    assert (result.value, result.scorable, result.band) == (D(7), True, "")


def test_nprs_not_answered_is_not_scorable():
    result = score(Instrument.NPRS, {"rating": None})
    assert not result.scorable
    assert result.value is None
    assert result.why_not == "No pain rating was given."


@pytest.mark.parametrize("rating", [-1, 11, 5.5, True, "5", float("nan"), [5]])
def test_nprs_bad_rating(rating):
    assert set(errors_of("nprs", {"rating": rating})) == {"rating"}


def test_nprs_missing_and_unknown_fields():
    assert errors_of("nprs", {"pain": 4}) == {
        "rating": "This field is required.",
        "pain": "Unknown field.",
    }


# --- PSFS ---------------------------------------------------------------------------------------


def psfs(*ratings: Any) -> dict[str, Any]:
    return {"activities": [{"name": f"Activity {n}", "rating": r} for n, r in enumerate(ratings)]}


def test_psfs_three_activities():
    # 1 + 2 + 2 = 5; 5 / 3 = 1.666… → 1.7
    assert score("psfs", psfs(1, 2, 2)).value == D("1.7")


def test_psfs_five_activities():
    # 2 + 4 + 5 + 6 + 9 = 26; 26 / 5 = 5.2
    result = score("psfs", psfs(2, 4, 5, 6, 9))
    assert result.value == D("5.2")
    assert result.detail == {"activities": 5, "sum": 26}


def test_psfs_rounds_half_up():
    # 3 + 3 + 3 + 4 = 13; 13 / 4 = 3.25 → 3.3 (half up; banker's rounding would give 3.2)
    assert score("psfs", psfs(3, 3, 3, 4)).value == D("3.3")


@pytest.mark.parametrize("count", [0, 1, 2, 6])
def test_psfs_needs_three_to_five_activities(count):
    errors = errors_of("psfs", psfs(*[5] * count))
    assert errors == {"activities": f"The PSFS needs 3 to 5 activities; {count} were given."}


def test_psfs_bad_activities_are_named():
    answers = {
        "activities": [
            {"name": "Walking", "rating": 11},
            {"name": " walking ", "rating": 3},
            {"name": "", "rating": 2.5},
            {"name": "x" * 101, "rating": True},
            {"name": "Lifting"},
        ]
    }
    errors = errors_of("psfs", answers)
    assert errors == {
        "activities.0.rating": "Activity 1's rating is 11; it must be from 0 to 10.",
        "activities.1.name": "Activity 2 repeats an activity already listed.",
        "activities.2.name": "Activity 3's name is required.",
        "activities.2.rating": "Activity 3's rating must be a whole number from 0 to 10.",
        "activities.3.name": "Activity 4's name is longer than 100 characters.",
        "activities.3.rating": "Activity 4's rating must be a whole number from 0 to 10.",
        "activities.4.rating": "This field is required.",
    }


def test_psfs_activities_must_be_a_list_of_objects():
    assert set(errors_of("psfs", {"activities": "walking"})) == {"activities"}
    assert set(errors_of("psfs", {"activities": ["a", "b", "c"]})) == {
        "activities.0",
        "activities.1",
        "activities.2",
    }


# --- NDI ----------------------------------------------------------------------------------------

NDI_EXAMPLE = [2, 1, 3, 0, 2, 1, 2, 3, 1, 2]


def test_ndi_complete():
    # 2+1+3+0+2+1+2+3+1+2 = 17 of 50 → 17 / 50 x 100 = 34.0 %; raw 17 → moderate (15-24)
    result = score("ndi", {"items": NDI_EXAMPLE})
    assert (result.value, result.band) == (D("34.0"), "moderate")
    assert result.detail == {
        "answered": 10,
        "missing": 0,
        "sum": 17,
        "prorated": False,
        "raw_equivalent": D("17.0"),
    }


def test_ndi_one_missing_is_prorated():
    # last item missing: sum 15 of 9 answered → 15 / (5 x 9) x 100 = 33.33… → 33.3 %;
    # raw equivalent 15 x 10 / 9 = 16.7 → moderate
    result = score("ndi", {"items": [*NDI_EXAMPLE[:9], None]})
    assert (result.value, result.band, result.scorable) == (D("33.3"), "moderate", True)
    assert result.detail["raw_equivalent"] == D("16.7")
    assert result.detail["prorated"] is True


def test_ndi_two_missing_is_prorated():
    # sum 2+1+3+0+2+1+2+3 = 14 of 8 answered → 14 / 40 x 100 = 35.0 %; raw 17.5 → moderate
    result = score("ndi", {"items": [*NDI_EXAMPLE[:8], None, None]})
    assert (result.value, result.band) == (D("35.0"), "moderate")


def test_ndi_three_missing_is_not_scorable():
    result = score("ndi", {"items": [*NDI_EXAMPLE[:7], None, None, None]})
    assert not result.scorable
    assert result.value is None
    assert result.band == ""
    assert result.why_not == "NDI needs at least 8 of 10 items answered; 7 were."


def test_ndi_nothing_answered_is_not_scorable():
    result = score("ndi", {"items": [None] * 10})
    assert result.why_not == "NDI needs at least 8 of 10 items answered; 0 were."


def test_ndi_rounds_once():
    # sum 13 of 9 answered: 13 / 45 x 100 = 28.888… → 28.9. Rounding the raw equivalent first
    # (14.444… → 14.4) and doubling would give 28.8. Raw 14.4 is still mild (moderate from 15).
    result = score("ndi", {"items": [2, 2, 2, 2, 2, 1, 1, 1, 0, None]})
    assert (result.value, result.band) == (D("28.9"), "mild")


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "none"),
        (4, "none"),
        (5, "mild"),
        (14, "mild"),
        (15, "moderate"),
        (24, "moderate"),
        (25, "severe"),
        (34, "severe"),
        (35, "complete"),
        (50, "complete"),
    ],
)
def test_ndi_bands_on_whole_raw_scores(total, band):
    items = [5] * (total // 5) + [total % 5] + [0] * 10
    result = score("ndi", {"items": items[:10]})
    assert result.value == D(total * 2).quantize(D("0.1"))
    assert result.band == band


def test_ndi_prorated_raw_between_bands_stays_in_the_lower_band():
    # sum 31 of 9 answered: raw 31 x 10 / 9 = 34.44 (68.9 %). Complete starts at 35: severe.
    result = score("ndi", {"items": [5, 5, 5, 5, 5, 5, 1, 0, 0, None]})
    assert (result.value, result.band) == (D("68.9"), "severe")
    # sum 4 of 9: raw 4.44 (8.9 %), still "none".
    result = score("ndi", {"items": [1, 1, 1, 1, 0, 0, 0, 0, 0, None]})
    assert (result.value, result.band) == (D("8.9"), "none")


# --- ODI ----------------------------------------------------------------------------------------


def test_odi_complete():
    # 3+2+2+1+0+4+3+2+1+2 = 20 → 40.0 % → moderate (21-40)
    result = score("odi", {"items": [3, 2, 2, 1, 0, 4, 3, 2, 1, 2]})
    assert (result.value, result.band) == (D("40.0"), "moderate")
    assert "raw_equivalent" not in result.detail


def test_odi_one_missing():
    # 3+2+2+1+0+4+3+2+1 = 18 of 9 answered → 18 / 45 x 100 = 40.0 % → moderate
    result = score("odi", {"items": [3, 2, 2, 1, 0, 4, 3, 2, 1, None]})
    assert (result.value, result.band) == (D("40.0"), "moderate")


def test_odi_prorated_to_a_repeating_decimal():
    # 10 of 9 answered → 22.22… → 22.2 %, moderate
    result = score("odi", {"items": [None, 2, 2, 1, 1, 1, 1, 1, 1, 0]})
    assert (result.value, result.band) == (D("22.2"), "moderate")


def test_odi_three_missing_is_not_scorable():
    result = score("odi", {"items": [None, None, None, 1, 1, 1, 1, 1, 1, 0]})
    assert result.why_not == "ODI needs at least 8 of 10 items answered; 7 were."


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (10, "minimal"),  # 20 %
        (11, "moderate"),  # 22 %
        (20, "moderate"),  # 40 %
        (21, "severe"),  # 42 %
        (30, "severe"),  # 60 %
        (31, "crippled"),  # 62 %
        (40, "crippled"),  # 80 %
        (41, "bed-bound"),  # 82 %
        (50, "bed-bound"),  # 100 %
    ],
)
def test_odi_bands(total, band):
    items = ([5] * (total // 5) + [total % 5] + [0] * 10)[:10]
    result = score("odi", {"items": items})
    assert result.value == D(total * 2).quantize(D("0.1"))
    assert result.band == band


def test_band_labels_are_words():
    assert band_label("bed-bound") == "Bed-bound or exaggerating"
    assert band_label("") == ""
    assert set(BAND_LABELS) >= {"none", "mild", "moderate", "severe", "complete", "minimal"}


# --- QuickDASH ----------------------------------------------------------------------------------


def test_quickdash_complete_rounds_once():
    # sum 3 + 10 x 2 = 23 of 11 → (23 / 11 - 1) x 25 = 27.27… → 27.3
    # (rounding the mean first, 2.09 → 2.1, would give 27.5)
    result = score("quickdash", {"items": [3] + [2] * 10})
    assert result.value == D("27.3")


def test_quickdash_one_missing():
    # sum 3 + 9 x 2 = 21 of 10 → (2.1 - 1) x 25 = 27.5
    result = score("quickdash", {"items": [3] + [2] * 9 + [None]})
    assert (result.value, result.scorable) == (D("27.5"), True)
    assert result.detail["answered"] == 10


def test_quickdash_two_missing_is_not_scorable():
    result = score("quickdash", {"items": [3] + [2] * 8 + [None, None]})
    assert not result.scorable
    assert result.why_not == "QuickDASH needs at least 10 of 11 items answered; 9 were."


def test_quickdash_ends_of_the_scale():
    assert score("quickdash", {"items": [1] * 11}).value == D("0.0")
    assert score("quickdash", {"items": [5] * 11}).value == D("100.0")


def test_quickdash_items_start_at_one():
    errors = errors_of("quickdash", {"items": [0] + [1] * 10})
    assert errors == {"items.0": "Item 1 is 0; it must be from 1 to 5."}


# --- LEFS ---------------------------------------------------------------------------------------


def test_lefs_total():
    # 10 x 4 + 10 x 3 = 70 of 80, a whole number
    result = score("lefs", {"items": [4] * 10 + [3] * 10})
    assert result.value == D(70)
    assert result.value.as_tuple().exponent == 0


def test_lefs_needs_every_item():
    result = score("lefs", {"items": [4] * 19 + [None]})
    assert not result.scorable
    assert result.why_not == "LEFS needs all 20 items answered; 19 were."


def test_lefs_item_out_of_range():
    assert errors_of("lefs", {"items": [4] * 19 + [5]}) == {
        "items.19": "Item 20 is 5; it must be from 0 to 4."
    }


# --- Bad questionnaire input ------------------------------------------------------------------


@pytest.mark.parametrize("instrument", ["ndi", "odi", "quickdash", "lefs"])
@pytest.mark.parametrize("bad", [-1, 6, 2.0, 2.5, True, False, "3", float("inf"), [1], {}])
def test_every_bad_item_is_named(instrument, bad):
    spec = SPECS[Instrument(instrument)]
    assert spec.items is not None
    items: list[Any] = [spec.item_min] * spec.items
    items[3] = bad
    errors = errors_of(instrument, {"items": items})
    assert list(errors) == ["items.3"]
    assert errors["items.3"].startswith(f"{spec.item_labels[3]} ")


def test_every_bad_item_is_reported_at_once():
    errors = errors_of("ndi", {"items": [9, 0, 0, "x", 0, 0, 0, 0, 0, -2]})
    assert errors == {
        "items.0": "Item 1 is 9; it must be from 0 to 5.",
        "items.3": "Item 4 must be a whole number from 0 to 5.",
        "items.9": "Item 10 is -2; it must be from 0 to 5.",
    }


@pytest.mark.parametrize("items", [[0] * 9, [0] * 11, "0000000000", None, {"1": 0}])
def test_items_must_be_a_list_of_the_right_length(items):
    errors = errors_of("ndi", {"items": items})
    assert errors == {
        "items": "NDI has 10 items: give a list of 10 answers, null where not answered."
    }


def test_questionnaire_fields():
    assert errors_of("odi", {}) == {"items": "This field is required."}
    assert errors_of("odi", {"items": [0] * 10, "total": 3}) == {"total": "Unknown field."}


def test_unknown_instrument_and_answers_not_an_object():
    assert set(errors_of("dash30", {})) == {"instrument"}
    assert "nprs, psfs, ndi" in errors_of("dash30", {})["instrument"]
    assert errors_of("nprs", [7]) == {"answers": "Answers must be an object of named fields."}
    assert score("NDI", {"items": NDI_EXAMPLE}).value == D("34.0")


# --- Range of motion ----------------------------------------------------------------------------


def rom_answers(**overrides: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "joint": "shoulder",
        "movement": "flexion",
        "side": "left",
        "mode": "active",
        "degrees": 150,
    }
    answers.update(overrides)
    return answers


def test_rom_value_is_the_degrees():
    result = score("rom", rom_answers())
    assert result.value == D("150.0")
    assert result.detail["normal_max"] == D(180)
    assert result.detail["limit"] == D(210)


def test_rom_rounds_half_up_to_a_tenth():
    assert score("rom", rom_answers(degrees=D("150.25"))).value == D("150.3")
    assert score("rom", rom_answers(degrees=150.25)).value == D("150.3")


def test_rom_limits():
    assert score("rom", rom_answers(degrees=210)).value == D("210.0")
    assert score("rom", rom_answers(degrees=0)).value == D("0.0")
    assert errors_of("rom", rom_answers(degrees=D("210.1"))) == {
        "degrees": "210.1° is beyond the anatomical limit of 210° for shoulder flexion; check the value."
    }
    assert set(errors_of("rom", rom_answers(degrees=1500))) == {"degrees"}
    assert errors_of("rom", rom_answers(degrees=-5)) == {
        "degrees": "Degrees cannot be negative: record the movement in its own direction."
    }


@pytest.mark.parametrize("degrees", [float("nan"), float("inf"), True, "90", None, D("NaN")])
def test_rom_degrees_must_be_a_number(degrees):
    assert errors_of("rom", rom_answers(degrees=degrees)) == {
        "degrees": "Degrees must be a number."
    }


def test_rom_unknown_joint_and_movement_list_what_is_known():
    errors = errors_of("rom", rom_answers(joint="neck"))
    assert errors == {
        "joint": "Unknown joint. Known joints: cervical, thoracic, lumbar, shoulder, elbow, "
        "forearm, wrist, hip, knee, ankle."
    }
    errors = errors_of("rom", rom_answers(movement="circumduction"))
    assert errors == {
        "movement": "Unknown movement for the shoulder. Known movements: flexion, extension, "
        "abduction, external_rotation, internal_rotation."
    }


def test_rom_sides():
    assert errors_of("rom", rom_answers(side="")) == {
        "side": "Shoulder flexion needs a side: left or right."
    }
    assert errors_of("rom", rom_answers(side="up")) == {
        "side": "Side must be left, right or empty."
    }
    neck = {"joint": "cervical", "movement": "flexion", "mode": "active", "degrees": 45}
    assert score("rom", neck).detail["side"] == ""
    assert errors_of("rom", {**neck, "side": "left"}) == {"side": "Neck flexion takes no side."}
    rotation = {**neck, "movement": "rotation"}
    assert set(errors_of("rom", rotation)) == {"side"}
    assert score("rom", {**rotation, "side": "right"}).value == D("45.0")


def test_rom_mode_and_fields():
    assert errors_of("rom", rom_answers(mode="assisted")) == {
        "mode": "Mode must be active or passive."
    }
    assert errors_of("rom", {"joint": "knee", "movement": "flexion", "side": "left"}) == {
        "mode": "This field is required.",
        "degrees": "This field is required.",
    }


def test_rom_table():
    known = {(joint, movement): normal for joint, movement, _, normal, _, _ in ROM_MOVEMENTS}
    # commonly cited adult normals (AAOS / AMA Guides)
    assert known[("cervical", "flexion")] == 50
    assert known[("cervical", "rotation")] == 80
    assert known[("shoulder", "flexion")] == known[("shoulder", "abduction")] == 180
    assert known[("shoulder", "external_rotation")] == 90
    assert known[("shoulder", "internal_rotation")] == 70
    assert known[("elbow", "flexion")] == 150
    assert known[("hip", "flexion")] == 120
    assert known[("hip", "abduction")] == 45
    assert known[("knee", "flexion")] == 135
    assert known[("ankle", "dorsiflexion")] == 20
    assert known[("ankle", "plantarflexion")] == 50
    assert known[("lumbar", "flexion")] is None
    for movement in MOVEMENTS.values():
        if movement.normal_max is not None:
            assert movement.limit - movement.normal_max >= 30
        assert movement.limit <= MAX_LIMIT == SPECS[Instrument.ROM].maximum
        assert movement.sided or movement.joint in {"cervical", "thoracic", "lumbar"}


# --- Pressure pain threshold --------------------------------------------------------------------


def test_ppt_mean_of_three():
    # (3.1 + 3.4 + 3.6) / 3 = 10.1 / 3 = 3.366… → 3.37
    result = score("ppt", {"site": "Left upper trapezius", "trials": [3.1, 3.4, 3.6]})
    assert result.value == D("3.37")
    assert result.detail == {"site": "Left upper trapezius", "trials": 3}


def test_ppt_rounds_half_up_from_the_decimal_the_clinician_typed():
    # (1 + 1 + 1.015) / 3 = 1.005 exactly → 1.01 (the float 1.015 is read as typed)
    assert score("ppt", {"site": "x", "trials": [1, 1.0, 1.015]}).value == D("1.01")
    assert score("ppt", {"site": "x", "trials": [D(0), D(0), D(20)]}).value == D("6.67")


@pytest.mark.parametrize("trials", [[3.1, 3.4], [3.1, 3.4, 3.6, 3.2], [], "3.1", None])
def test_ppt_needs_exactly_three_trials(trials):
    assert errors_of("ppt", {"site": "x", "trials": trials}) == {
        "trials": "Give exactly 3 trials in kg/cm²."
    }


@pytest.mark.parametrize("bad", [-0.1, 20.01, float("nan"), float("-inf"), True, "3", None])
def test_ppt_trial_out_of_range_or_wrong_type(bad):
    assert errors_of("ppt", {"site": "x", "trials": [3, bad, 4]}) == {
        "trials.1": "Trial 2 must be a number from 0 to 20 kg/cm²."
    }


def test_ppt_site():
    assert errors_of("ppt", {"site": "  ", "trials": [1, 2, 3]}) == {
        "site": "The site is required."
    }
    assert set(errors_of("ppt", {"trials": [1, 2, 3]})) == {"site"}


# --- MCID and change ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "latest", "reached"),
    [
        (7, 5, True),  # 2 points (and 29 %): points rule
        (7, 6, False),  # 1 point, 14 %
        (3, 2, True),  # 1 point but 33 % ≥ 30 %: percent rule
        (5, 4, False),  # 1 point, 20 %
        (10, 7, True),  # 3 points, 30 % exactly
        (2, 3, False),  # worse
        (0, 0, False),  # baseline 0: points rule only
        (5, 5, False),
    ],
)
def test_nprs_mcid_two_points_or_thirty_percent(baseline, latest, reached):
    assert mcid_reached("nprs", D(baseline), D(latest)) is reached


@pytest.mark.parametrize(
    ("instrument", "baseline", "latest", "reached"),
    [
        ("lefs", "40", "49", True),  # +9, higher is better
        ("lefs", "40", "48", False),
        ("lefs", "49", "40", False),
        ("ndi", "34.0", "24.0", True),  # -10 %-points, lower is better
        ("ndi", "34.0", "24.1", False),
        ("ndi", "24.0", "34.0", False),
        ("odi", "40.0", "30.0", True),
        ("odi", "20.0", "14.0", False),  # 30 % but 6 points: Ostelo's percent is not applied
        ("quickdash", "50.0", "36.0", True),
        ("quickdash", "50.0", "36.1", False),
        ("psfs", "3.0", "5.0", True),
        ("psfs", "3.0", "4.9", False),
    ],
)
def test_mcid_by_direction(instrument, baseline, latest, reached):
    assert mcid_reached(instrument, D(baseline), D(latest)) is reached


def test_no_mcid_for_rom_and_ppt():
    assert mcid_reached("rom", D(90), D(150)) is None
    assert mcid_reached("ppt", D("2.00"), D("6.50")) is None
    ppt = SPECS[Instrument.PPT].mcid
    assert ppt is not None
    assert not ppt.applies
    assert "not an MCID for dry needling" in ppt.note
    assert SPECS[Instrument.ROM].mcid is None


def test_change_is_positive_when_better():
    assert change("nprs", D(7), D(5)) == D(2)
    assert change("lefs", D(40), D(49)) == D(9)
    assert change("lefs", D(49), D(40)) == D(-9)
    assert change("ndi", D("34.0"), D("24.0")) == D("10.0")
    assert change("ppt", D("3.37"), D("4.12")) == D("0.75")


@pytest.mark.parametrize("bad", [D(11), D(-1), D("NaN"), float("inf"), "5", True])
def test_change_and_mcid_refuse_values_outside_the_scale(bad):
    with pytest.raises(ItemError) as caught:
        mcid_reached("nprs", bad, D(3))
    assert caught.value.errors == {"baseline": "Must be a number from 0 to 10."}
    with pytest.raises(ItemError) as caught:
        change("nprs", D(3), bad)
    assert set(caught.value.errors) == {"latest"}


# --- The specs ----------------------------------------------------------------------------------


def test_every_instrument_has_a_spec():
    assert set(SPECS) == set(Instrument)
    for code, spec in SPECS.items():
        assert spec.code is code
        assert spec.minimum < spec.maximum
        if spec.items is not None:
            assert len(spec.item_labels) == spec.items
            assert spec.min_answered is not None
            assert spec.min_answered <= spec.items


def test_item_labels_are_neutral():
    for spec in SPECS.values():
        for label in spec.item_labels:
            assert re.fullmatch(r"(Item|Section|Activity|Trial) \d+|Rating", label), label


def test_mcids_from_the_reference():
    def points(code: Instrument) -> Decimal | None:
        mcid = SPECS[code].mcid
        return None if mcid is None else mcid.points

    assert points(Instrument.NPRS) == 2
    assert SPECS[Instrument.NPRS].mcid.percent == 30  # type: ignore[union-attr]
    assert points(Instrument.PSFS) == 2
    assert points(Instrument.NDI) == 10
    assert points(Instrument.ODI) == 10
    assert points(Instrument.QUICKDASH) == 14
    assert points(Instrument.LEFS) == 9
    assert "Ostelo" in SPECS[Instrument.ODI].mcid.source  # type: ignore[union-attr]
