"""Outcome measures: what each instrument is, how it is scored, and its minimal clinically
important change. Pure functions, no database and no clock: the capture forms, the API, the
progress charts and the clinic reports all score through ``score()`` here.

Facts and rules come from the clinical reference §5 (shared/domain/clinical-reference.md); the
choices it leaves open (missing-item limits, band edges for prorated scores, which ODI MCID) are
made here and explained in docs/outcomes-scoring.md.

Arithmetic is exact (``Fraction``) until the very end, where the score is rounded once, half
up (``ROUND_HALF_UP``): percent scores and means to 0.1, pressure pain threshold to 0.01, whole
totals stay whole. Questionnaire wording belongs to its authors, so items carry neutral labels
only ("Item 1"); a clinic loads licensed item texts separately.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_
from django.utils.translation import ngettext

from filiform.outcomes import rom


class Instrument(StrEnum):
    NPRS = "nprs"
    PSFS = "psfs"
    NDI = "ndi"
    ODI = "odi"
    QUICKDASH = "quickdash"
    LEFS = "lefs"
    ROM = "rom"
    PPT = "ppt"


@dataclass(frozen=True)
class Mcid:
    """The minimal clinically important change and where it comes from."""

    points: Decimal | None  # absolute change in the score's unit
    percent: Decimal | None  # relative change from baseline (NPRS: 30 %), or None
    source: str
    note: str = ""

    @property
    def applies(self) -> bool:
        """False for a reference value that is not a threshold (pressure pain threshold)."""
        return self.points is not None or self.percent is not None


@dataclass(frozen=True)
class InstrumentSpec:
    code: Instrument
    name: str
    unit: str  # "points", "%", "degrees", "kg/cm²"
    higher_is_better: bool
    minimum: Decimal
    maximum: Decimal
    items: int | None
    item_min: int | None
    item_max: int | None
    min_answered: int | None
    mcid: Mcid | None
    item_labels: tuple[str, ...]  # neutral labels only, never questionnaire wording
    description: str  # English, marked for translation (gettext it at display time)


def _labels(word: str, count: int) -> tuple[str, ...]:
    return tuple(f"{word} {n}" for n in range(1, count + 1))


D = Decimal

SPECS: dict[Instrument, InstrumentSpec] = {
    spec.code: spec
    for spec in (
        InstrumentSpec(
            code=Instrument.NPRS,
            name=N_("Numeric Pain Rating Scale (NPRS)"),
            unit="points",
            higher_is_better=False,
            minimum=D(0),
            maximum=D(10),
            items=1,
            item_min=0,
            item_max=10,
            min_answered=1,
            mcid=Mcid(
                points=D(2),
                percent=D(30),
                source="Farrar et al. 2001, Pain 94:149",
                note=N_(
                    "Reached at 2 points or 30 % less pain, whichever comes first. "
                    "Salaffi 2004: 1 point / 15 % minimally better, 2 points / 33 % much better."
                ),
            ),
            item_labels=("Rating",),
            description=N_("Pain intensity right now, from 0 (no pain) to 10 (worst imaginable)."),
        ),
        InstrumentSpec(
            code=Instrument.PSFS,
            name=N_("Patient-Specific Functional Scale (PSFS)"),
            unit="points",
            higher_is_better=True,
            minimum=D(0),
            maximum=D(10),
            items=None,
            item_min=0,
            item_max=10,
            min_answered=3,
            mcid=Mcid(
                points=D(2),
                percent=None,
                source="Stratford 1995, Physiother Can 47:258 (MDC of the mean)",
                note=N_(
                    "MDC 3 for a single activity. MID 1.3 / 2.3 / 2.7 small / medium / large "
                    "(Abbott & Schmitt 2014, JOSPT 44:560)."
                ),
            ),
            item_labels=_labels("Activity", 5),
            description=N_(
                "How well the patient does 3 to 5 activities they chose, from 0 (unable) "
                "to 10 (as before the problem); the score is the mean."
            ),
        ),
        InstrumentSpec(
            code=Instrument.NDI,
            name=N_("Neck Disability Index (NDI)"),
            unit="%",
            higher_is_better=False,
            minimum=D(0),
            maximum=D(100),
            items=10,
            item_min=0,
            item_max=5,
            min_answered=8,
            mcid=Mcid(
                points=D(10),
                percent=None,
                source="Vernon NDI, MCID 5 raw points = 10 percentage points (chiro.org, Painter)",
                note=N_(
                    "Reported values range from 5 raw (10 %-points) to 9.5 raw (19 %-points; "
                    "Cleland 2008, Arch Phys Med Rehabil 89:69); 14 %-points in Abbott & "
                    "Schmitt 2014."
                ),
            ),
            item_labels=_labels("Item", 10),
            description=N_("Disability in daily life caused by neck pain (10 items, 0–5 each)."),
        ),
        InstrumentSpec(
            code=Instrument.ODI,
            name=N_("Oswestry Disability Index (ODI)"),
            unit="%",
            higher_is_better=False,
            minimum=D(0),
            maximum=D(100),
            items=10,
            item_min=0,
            item_max=5,
            min_answered=8,
            mcid=Mcid(
                points=D(10),
                percent=None,
                source="Ostelo et al. 2008, Spine 33:90 (consensus)",
                note=N_(
                    "10 points, the international consensus for low back pain, rather than the "
                    "single-cohort MID of 12 (Abbott & Schmitt 2014). Ostelo's alternative of 30 % "
                    "is not applied, so a small drop from a low baseline does not count."
                ),
            ),
            item_labels=_labels("Section", 10),
            description=N_(
                "Disability in daily life caused by low back pain (10 sections, 0–5 each)."
            ),
        ),
        InstrumentSpec(
            code=Instrument.QUICKDASH,
            name=N_("QuickDASH"),
            unit="points",
            higher_is_better=False,
            minimum=D(0),
            maximum=D(100),
            items=11,
            item_min=1,
            item_max=5,
            min_answered=10,
            mcid=Mcid(
                points=D(14),
                percent=None,
                source="ISSH outcome measures: MCID 14 (95 % CI 9–20)",
                note=N_(
                    "Reported values range from 10.8 (Rysstad 2020, BMC Musculoskelet Disord "
                    "21:328) to 15.9 (Franchignoni 2014, JOSPT 44:30)."
                ),
            ),
            item_labels=_labels("Item", 11),
            description=N_("Disability and symptoms of the arm, shoulder and hand (11 items)."),
        ),
        InstrumentSpec(
            code=Instrument.LEFS,
            name=N_("Lower Extremity Functional Scale (LEFS)"),
            unit="points",
            higher_is_better=True,
            minimum=D(0),
            maximum=D(80),
            items=20,
            item_min=0,
            item_max=4,
            min_answered=20,
            mcid=Mcid(points=D(9), percent=None, source="Binkley et al. 1999, Phys Ther 79:371"),
            item_labels=_labels("Item", 20),
            description=N_("Function of the hip, knee, ankle and foot in daily tasks (20 items)."),
        ),
        InstrumentSpec(
            code=Instrument.ROM,
            name=N_("Range of motion"),
            unit="degrees",
            higher_is_better=True,
            minimum=D(0),
            maximum=rom.MAX_LIMIT,
            items=None,
            item_min=None,
            item_max=None,
            min_answered=None,
            mcid=None,
            item_labels=(),
            description=N_("Degrees of one movement of one joint, active or passive."),
        ),
        InstrumentSpec(
            code=Instrument.PPT,
            name=N_("Pressure pain threshold"),
            unit="kg/cm²",
            higher_is_better=True,
            minimum=D(0),
            maximum=D(20),
            items=None,
            item_min=None,
            item_max=None,
            min_answered=None,
            mcid=Mcid(
                points=None,
                percent=None,
                source="Fischer 1987, Clin J Pain",
                note=N_(
                    "About 4 kg/cm² after a complete trigger-point injection (Fischer); "
                    "not an MCID for dry needling."
                ),
            ),
            item_labels=_labels("Trial", 3),
            description=N_(
                "Pressure at which pressure turns to pain over one site, algometer with a "
                "1 cm² tip; the mean of 3 trials."
            ),
        ),
    )
}

_SHORT = {
    Instrument.NPRS: "NPRS",
    Instrument.PSFS: "PSFS",
    Instrument.NDI: "NDI",
    Instrument.ODI: "ODI",
    Instrument.QUICKDASH: "QuickDASH",
    Instrument.LEFS: "LEFS",
    Instrument.ROM: N_("Range of motion"),
    Instrument.PPT: N_("Pressure pain threshold"),
}

# Severity bands as (lowest value of the band, code). A value belongs to the last band whose
# lowest value it reaches: the reference's bands are for whole numbers, so a prorated 34.4 raw
# NDI is still "severe" (the "complete" band starts at 35) and a prorated ODI between 20 and 21
# would still be "minimal" (none can occur with 8 or more sections answered).
NDI_BANDS: tuple[tuple[int, str], ...] = (
    (0, "none"),
    (5, "mild"),
    (15, "moderate"),
    (25, "severe"),
    (35, "complete"),
)
ODI_BANDS: tuple[tuple[int, str], ...] = (
    (0, "minimal"),
    (21, "moderate"),
    (41, "severe"),
    (61, "crippled"),
    (81, "bed-bound"),
)
BAND_LABELS: dict[str, str] = {
    "none": N_("No disability"),
    "mild": N_("Mild disability"),
    "moderate": N_("Moderate disability"),
    "severe": N_("Severe disability"),
    "complete": N_("Complete disability"),
    "minimal": N_("Minimal disability"),
    "crippled": N_("Crippling disability"),
    "bed-bound": N_("Bed-bound or exaggerating"),
}


def band_label(band: str) -> str:
    """The band's words in the current language ("" when the score has no band)."""
    return _(BAND_LABELS[band]) if band else ""


@dataclass(frozen=True)
class Score:
    instrument: Instrument
    value: Decimal | None  # None when not scorable
    scorable: bool
    why_not: str = ""  # a clinician-readable reason when not scorable
    band: str = ""  # a key of BAND_LABELS (NDI, ODI), else ""
    detail: dict[str, Any] = field(default_factory=dict)


class ItemError(ValueError):
    """Bad input: ``errors`` maps a field ("items.2", "activities.0.rating", "degrees") to a
    clinician-readable message. Item positions in keys count from 0; messages name the item's
    neutral label, which counts from 1 ("Item 3")."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{key}: {message}" for key, message in self.errors.items()))


# ---------------------------------------------------------------------------------------------
# Helpers: exact numbers, one rounding


def round_half_up(value: Fraction, places: int) -> Decimal:
    """Round an exact value once, half away from zero, to ``places`` decimals."""
    whole = math.floor(abs(value) * 10**places + Fraction(1, 2))
    return Decimal(-whole if value < 0 else whole).scaleb(-places)


def _exact(value: object) -> Fraction | None:
    """An exact number from int, Decimal or float; None for anything else (bool, text, NaN).

    A float is read through its shortest repr, so 2.675 means 2.675 and not the binary value
    just below it."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Decimal):
        return Fraction(value) if value.is_finite() else None
    if isinstance(value, float):
        return Fraction(Decimal(repr(value))) if math.isfinite(value) else None
    return None


def _whole_error(value: object, low: int, high: int, label: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        return _("%(label)s must be a whole number from %(low)d to %(high)d.") % {
            "label": label,
            "low": low,
            "high": high,
        }
    if not low <= value <= high:
        return _("%(label)s is %(value)d; it must be from %(low)d to %(high)d.") % {
            "label": label,
            "value": value,
            "low": low,
            "high": high,
        }
    return ""


def _field_errors(
    answers: Mapping[str, Any], required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> dict[str, str]:
    errors = {key: _("This field is required.") for key in required if key not in answers}
    for key in answers:
        if key not in required and key not in optional:
            errors[str(key)] = _("Unknown field.")
    return errors


def _text_error(value: object, label: str) -> str:
    if not isinstance(value, str) or not value.strip():
        return _("%(label)s is required.") % {"label": label}
    if len(value.strip()) > 100:
        return _("%(label)s is longer than 100 characters.") % {"label": label}
    return ""


def _unscorable(spec: InstrumentSpec, answered: int, detail: dict[str, Any]) -> Score:
    assert spec.items is not None
    assert spec.min_answered is not None
    if spec.min_answered == spec.items:
        why = ngettext(
            "%(name)s needs all %(total)d items answered; %(n)d was.",
            "%(name)s needs all %(total)d items answered; %(n)d were.",
            answered,
        )
    else:
        why = ngettext(
            "%(name)s needs at least %(need)d of %(total)d items answered; %(n)d was.",
            "%(name)s needs at least %(need)d of %(total)d items answered; %(n)d were.",
            answered,
        )
    why %= {
        "name": _(_SHORT[spec.code]),
        "need": spec.min_answered,
        "total": spec.items,
        "n": answered,
    }
    return Score(spec.code, None, False, why_not=why, detail=detail)


def _band(value: Fraction, bands: tuple[tuple[int, str], ...]) -> str:
    return [code for lowest, code in bands if value >= lowest][-1]


# ---------------------------------------------------------------------------------------------
# Scorers, one per instrument


def _items(spec: InstrumentSpec, answers: Mapping[str, Any]) -> list[int]:
    """The answered items of a fixed-length questionnaire, after checking every one."""
    assert spec.items is not None
    assert spec.item_min is not None
    assert spec.item_max is not None
    errors = _field_errors(answers, ("items",))
    items = answers.get("items")
    if "items" not in answers:
        pass
    elif not isinstance(items, list | tuple) or len(items) != spec.items:
        errors["items"] = _(
            "%(name)s has %(total)d items: give a list of %(total)d answers, null where not answered."
        ) % {"name": _SHORT[spec.code], "total": spec.items}
    else:
        for position, item in enumerate(items):
            if item is not None:
                label = spec.item_labels[position]
                if message := _whole_error(item, spec.item_min, spec.item_max, label):
                    errors[f"items.{position}"] = message
    if errors:
        raise ItemError(errors)
    return [item for item in answers["items"] if item is not None]


def _questionnaire_detail(spec: InstrumentSpec, answered: list[int]) -> dict[str, Any]:
    assert spec.items is not None
    return {
        "answered": len(answered),
        "missing": spec.items - len(answered),
        "sum": sum(answered),
        "prorated": len(answered) < spec.items,
    }


def _score_percent_index(spec: InstrumentSpec, answers: Mapping[str, Any]) -> Score:
    """NDI and ODI: sum / (5 * items answered) * 100, which prorates a missing item at the mean
    of the answered ones (Vernon). At most 2 of 10 missing: beyond that the proration stands
    on too few answers to compare with a complete form."""
    answered = _items(spec, answers)
    detail = _questionnaire_detail(spec, answered)
    assert spec.min_answered is not None
    if len(answered) < spec.min_answered:
        return _unscorable(spec, len(answered), detail)
    percent = Fraction(sum(answered) * 100, 5 * len(answered))
    if spec.code is Instrument.NDI:
        raw = percent / 2  # the equivalent /50 raw score the NDI bands are written in
        detail["raw_equivalent"] = round_half_up(raw, 1)
        band = _band(raw, NDI_BANDS)
    else:
        band = _band(percent, ODI_BANDS)
    return Score(spec.code, round_half_up(percent, 1), True, band=band, detail=detail)


def _score_quickdash(spec: InstrumentSpec, answers: Mapping[str, Any]) -> Score:
    """(sum / items answered - 1) * 25, with at least 10 of the 11 items answered."""
    answered = _items(spec, answers)
    detail = _questionnaire_detail(spec, answered)
    assert spec.min_answered is not None
    if len(answered) < spec.min_answered:
        return _unscorable(spec, len(answered), detail)
    value = (Fraction(sum(answered), len(answered)) - 1) * 25
    return Score(spec.code, round_half_up(value, 1), True, detail=detail)


def _score_lefs(spec: InstrumentSpec, answers: Mapping[str, Any]) -> Score:
    """The total of the 20 items (0 to 80). All 20 are required: the reference gives no
    missing-item rule, and the MCID of 9 points was set on complete totals."""
    answered = _items(spec, answers)
    detail = _questionnaire_detail(spec, answered)
    assert spec.min_answered is not None
    if len(answered) < spec.min_answered:
        return _unscorable(spec, len(answered), detail)
    return Score(spec.code, Decimal(sum(answered)), True, detail=detail)


def _score_nprs(spec: InstrumentSpec, answers: Mapping[str, Any]) -> Score:
    errors = _field_errors(answers, ("rating",))
    rating = answers.get("rating")
    if rating is not None and (message := _whole_error(rating, 0, 10, _("The pain rating"))):
        errors["rating"] = message
    if errors:
        raise ItemError(errors)
    if rating is None:
        return Score(
            spec.code, None, False, why_not=_("No pain rating was given."), detail={"answered": 0}
        )
    return Score(spec.code, Decimal(rating), True, detail={"answered": 1})


def _score_psfs(spec: InstrumentSpec, answers: Mapping[str, Any]) -> Score:
    """The mean rating of 3 to 5 activities the patient chose; every listed activity is rated."""
    errors = _field_errors(answers, ("activities",))
    activities = answers.get("activities")
    ratings: list[int] = []
    if "activities" in answers and not isinstance(activities, list | tuple):
        errors["activities"] = _("Give a list of 3 to 5 activities, each with a name and a rating.")
    elif isinstance(activities, list | tuple):
        if not 3 <= len(activities) <= 5:
            errors["activities"] = _("The PSFS needs 3 to 5 activities; %(n)d were given.") % {
                "n": len(activities)
            }
        names: set[str] = set()
        for position, activity in enumerate(activities):
            label = _("Activity %(n)d") % {"n": position + 1}
            key = f"activities.{position}"
            if not isinstance(activity, Mapping):
                errors[key] = _("%(label)s needs a name and a rating.") % {"label": label}
                continue
            for part, message in _field_errors(activity, ("name", "rating")).items():
                errors[f"{key}.{part}"] = message
            name = activity.get("name")
            if "name" in activity and (
                message := _text_error(name, _("%(label)s's name") % {"label": label})
            ):
                errors[f"{key}.name"] = message
            elif isinstance(name, str):
                if name.strip().casefold() in names:
                    errors[f"{key}.name"] = _("%(label)s repeats an activity already listed.") % {
                        "label": label
                    }
                names.add(name.strip().casefold())
            rating = activity.get("rating")
            if "rating" in activity:
                if message := _whole_error(
                    rating, 0, 10, _("%(label)s's rating") % {"label": label}
                ):
                    errors[f"{key}.rating"] = message
                else:
                    ratings.append(activity["rating"])
    if errors:
        raise ItemError(errors)
    value = round_half_up(Fraction(sum(ratings), len(ratings)), 1)
    return Score(spec.code, value, True, detail={"activities": len(ratings), "sum": sum(ratings)})


def _score_rom(spec: InstrumentSpec, answers: Mapping[str, Any]) -> Score:
    """Degrees of one movement, refused beyond the movement's anatomical limit (rom.py)."""
    errors = _field_errors(answers, ("joint", "movement", "mode", "degrees"), ("side",))
    joint, movement_code = answers.get("joint"), answers.get("movement")
    side, mode = answers.get("side", ""), answers.get("mode")
    movement = None
    if "joint" in answers and joint not in rom.JOINTS:
        errors["joint"] = _("Unknown joint. Known joints: %(known)s.") % {
            "known": ", ".join(rom.JOINTS)
        }
    elif isinstance(joint, str) and "movement" in answers:
        movement = (
            rom.rom_movement(joint, movement_code) if isinstance(movement_code, str) else None
        )
        if movement is None:
            errors["movement"] = _(
                "Unknown movement for the %(joint)s. Known movements: %(known)s."
            ) % {
                "joint": joint,
                "known": ", ".join(rom.movements_of(joint)),
            }
    if side not in ("left", "right", ""):
        errors["side"] = _("Side must be left, right or empty.")
    elif movement is not None and movement.sided and not side:
        errors["side"] = _("%(movement)s needs a side: left or right.") % {
            "movement": _(movement.label)
        }
    elif movement is not None and not movement.sided and side:
        errors["side"] = _("%(movement)s takes no side.") % {"movement": _(movement.label)}
    if "mode" in answers and mode not in ("active", "passive"):
        errors["mode"] = _("Mode must be active or passive.")
    degrees = _exact(answers.get("degrees"))
    if "degrees" not in answers:
        pass
    elif degrees is None:
        errors["degrees"] = _("Degrees must be a number.")
    elif degrees < 0:
        errors["degrees"] = _(
            "Degrees cannot be negative: record the movement in its own direction."
        )
    elif movement is not None and degrees > movement.limit:
        errors["degrees"] = _(
            "%(value)s° is beyond the anatomical limit of %(limit)s° for %(movement)s; check the value."
        ) % {
            "value": answers["degrees"],
            "limit": movement.limit,
            "movement": _(movement.label).lower(),
        }
    if errors:
        raise ItemError(errors)
    assert movement is not None
    assert degrees is not None
    detail = {
        "joint": movement.joint,
        "movement": movement.movement,
        "side": side,
        "mode": mode,
        "normal_max": movement.normal_max,
        "limit": movement.limit,
    }
    return Score(spec.code, round_half_up(degrees, 1), True, detail=detail)


def _score_ppt(spec: InstrumentSpec, answers: Mapping[str, Any]) -> Score:
    """The mean of exactly 3 trials at one site, each 0 to 20 kg/cm² (the range of common
    algometers), to 0.01."""
    errors = _field_errors(answers, ("site", "trials"))
    if "site" in answers and (message := _text_error(answers["site"], _("The site"))):
        errors["site"] = message
    trials = answers.get("trials")
    values: list[Fraction] = []
    if "trials" not in answers:
        pass
    elif not isinstance(trials, list | tuple) or len(trials) != 3:
        errors["trials"] = _("Give exactly 3 trials in kg/cm².")
    else:
        for position, trial in enumerate(trials):
            value = _exact(trial)
            if value is None or not 0 <= value <= 20:
                errors[f"trials.{position}"] = _(
                    "Trial %(n)d must be a number from 0 to 20 kg/cm²."
                ) % {"n": position + 1}
            else:
                values.append(value)
    if errors:
        raise ItemError(errors)
    mean = sum(values, Fraction(0)) / 3
    return Score(
        spec.code,
        round_half_up(mean, 2),
        True,
        detail={"site": answers["site"].strip(), "trials": 3},
    )


_SCORERS: dict[Instrument, Callable[[InstrumentSpec, Mapping[str, Any]], Score]] = {
    Instrument.NPRS: _score_nprs,
    Instrument.PSFS: _score_psfs,
    Instrument.NDI: _score_percent_index,
    Instrument.ODI: _score_percent_index,
    Instrument.QUICKDASH: _score_quickdash,
    Instrument.LEFS: _score_lefs,
    Instrument.ROM: _score_rom,
    Instrument.PPT: _score_ppt,
}


# ---------------------------------------------------------------------------------------------
# The public functions


def instrument_get(instrument: Instrument | str) -> Instrument:
    """The instrument for a code ("ndi", "NDI"); ItemError naming the known ones otherwise."""
    if isinstance(instrument, Instrument):
        return instrument
    if isinstance(instrument, str):
        try:
            return Instrument(instrument.strip().lower())
        except ValueError:
            pass
    raise ItemError(
        {
            "instrument": _("Unknown instrument. Known: %(known)s.")
            % {"known": ", ".join(Instrument)}
        }
    )


def score(instrument: Instrument | str, answers: Mapping[str, Any]) -> Score:
    """Score one response. ItemError for bad input; a Score with scorable=False and the reason
    when the input is valid but too few items were answered."""
    code = instrument_get(instrument)
    if not isinstance(answers, Mapping):
        raise ItemError({"answers": _("Answers must be an object of named fields.")})
    return _SCORERS[code](SPECS[code], answers)


def _checked(spec: InstrumentSpec, value: object, key: str) -> Fraction:
    exact = _exact(value)
    if exact is None or not spec.minimum <= exact <= spec.maximum:
        raise ItemError(
            {
                key: _("Must be a number from %(low)s to %(high)s.")
                % {"low": spec.minimum, "high": spec.maximum}
            }
        )
    return exact


def change(instrument: Instrument | str, baseline: Decimal, latest: Decimal) -> Decimal:
    """Signed improvement in the instrument's unit: positive = better, whatever the direction
    (NPRS 7 → 5 is +2; LEFS 40 → 49 is +9)."""
    spec = SPECS[instrument_get(instrument)]
    first, last = _checked(spec, baseline, "baseline"), _checked(spec, latest, "latest")
    difference = last - first if spec.higher_is_better else first - last
    return Decimal(difference.numerator) / Decimal(difference.denominator)


def mcid_reached(instrument: Instrument | str, baseline: Decimal, latest: Decimal) -> bool | None:
    """Whether the improvement from baseline reaches the MCID; None where none applies (ROM,
    pressure pain threshold). A threshold is reached at equality. With both a points and a
    percent threshold (NPRS: 2 points or 30 %) either one suffices; the percent is of the
    baseline, so a baseline of 0 uses the points rule alone."""
    spec = SPECS[instrument_get(instrument)]
    first, last = _checked(spec, baseline, "baseline"), _checked(spec, latest, "latest")
    if spec.mcid is None or not spec.mcid.applies:
        return None
    improvement = last - first if spec.higher_is_better else first - last
    if spec.mcid.points is not None and improvement >= Fraction(spec.mcid.points):
        return True
    return bool(
        spec.mcid.percent is not None
        and first != 0
        and improvement * 100 / abs(first) >= Fraction(spec.mcid.percent)
    )
