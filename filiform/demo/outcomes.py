"""Demo outcome measures: for each demo patient with months of charted visits, the pain rating
(NPRS) at every visit, the questionnaire of their condition (NDI for the neck, ODI for the low
back, QuickDASH for the shoulder, LEFS for the hip) at the first visit and about monthly, and a
range of motion now and then — so that the progress charts, the MCID badges and the clinic
outcomes have something true-looking to show.

Most patients improve past the minimal clinically important change; one in three does not (pain
down by one point at most), as in real practice. One questionnaire was handed back with too many
items skipped: it is stored "not scorable" with why, as the product stores it. Every response is
scored by the same function the product uses; the rows are written directly, dated at their
visits (the services act "now"). Deterministic: the same seed gives the same measures.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from filiform.charting.codes import VisitStatus
from filiform.charting.models import Visit
from filiform.clinics.models import Clinic
from filiform.outcomes.forms import short_name
from filiform.outcomes.instruments import SPECS, Instrument, mcid_reached
from filiform.outcomes.models import InstrumentText, Measurement, MeasurementSource, MeasureRequest
from filiform.outcomes.services import measurement_store, scored


@dataclass(frozen=True)
class Plan:
    """What is measured for a condition: its questionnaire and one movement."""

    questionnaire: Instrument
    rom: dict[str, Any]  # joint, movement, side, mode
    rom_start: int  # degrees at the first visit
    rom_goal: int  # degrees reached by a patient who improves


def plan_for(condition: str) -> Plan:
    """By the episode's condition, in words: the neck, the low back, the shoulder, the hip."""
    text = condition.lower()
    if "neck" in text or "cervical" in text:
        return Plan(Instrument.NDI, _rom("cervical", "rotation", "right"), 45, 75)
    if "back" in text or "lumbar" in text:
        return Plan(Instrument.ODI, _rom("lumbar", "flexion", ""), 35, 60)
    if "shoulder" in text:
        return Plan(Instrument.QUICKDASH, _rom("shoulder", "flexion", "right"), 120, 170)
    if "hip" in text or "knee" in text or "ankle" in text:
        return Plan(Instrument.LEFS, _rom("hip", "abduction", "right"), 25, 42)
    return Plan(Instrument.PSFS, _rom("cervical", "rotation", "right"), 50, 75)


def _rom(joint: str, movement: str, side: str) -> dict[str, Any]:
    return {"joint": joint, "movement": movement, "side": side, "mode": "active"}


def _items(rng: random.Random, instrument: Instrument, disability: float) -> list[int | None]:
    """Item answers whose score sits at ``disability`` (0 = none, 1 = the worst), spread over
    the items as real answers are, never all equal."""
    spec = SPECS[instrument]
    assert spec.items is not None
    assert spec.item_min is not None
    assert spec.item_max is not None
    span = spec.item_max - spec.item_min
    level = disability if not spec.higher_is_better else 1 - disability
    total = round(level * span * spec.items)
    items = [total // spec.items] * spec.items
    for position in rng.sample(range(spec.items), total % spec.items):
        items[position] += 1
    for _swap in range(spec.items // 3):  # one item a point up, another a point down
        up, down = rng.sample(range(spec.items), 2)
        if items[up] < span and items[down] > 0:
            items[up], items[down] = items[up] + 1, items[down] - 1
    return [spec.item_min + item for item in items]


def _psfs(rng: random.Random, disability: float) -> dict[str, Any]:
    names = ("Sitting through a work day", "Carrying groceries", "Sleeping through the night")
    rating = 10 * (1 - disability)
    return {
        "activities": [
            {"name": name, "rating": max(0, min(10, round(rating + rng.choice((-1, 0, 1)))))}
            for name in names
        ]
    }


def _store(visit: Visit, instrument: Instrument, answers: dict[str, Any], minutes: int) -> None:
    measurement_store(
        patient=visit.patient,
        episode=visit.episode,
        instrument=instrument,
        answers=answers,
        source=MeasurementSource.CLINICIAN,
        result=scored(instrument, answers),
        taken_at=visit.started_at + dt.timedelta(minutes=minutes),
        visit=visit,
        recorded_by=visit.practitioner.user,
    )


def demo_outcomes(clinic: Clinic, *, seed: int = 2026) -> list[str]:
    """Measures at the charted visits; returns lines for the demo's "patients to try" list."""
    rng = random.Random(seed + 8)
    by_patient: dict[int, list[Visit]] = {}
    visits = (
        Visit.objects.filter(clinic=clinic)
        .exclude(status=VisitStatus.ENTERED_IN_ERROR)
        .select_related("patient", "episode", "practitioner__user")
        .order_by("patient_id", "started_at", "pk")
    )
    for visit in visits:
        by_patient.setdefault(visit.patient_id, []).append(visit)
    lines: list[str] = []
    unscorable_done = False
    for number, course in enumerate(v for v in by_patient.values() if len(v) >= 4):
        improves = number % 3 != 1
        plan = plan_for(course[0].episode.condition)
        pain_start = rng.randint(6, 8)
        pain_end = pain_start - rng.randint(3, 5) if improves else pain_start - rng.randint(0, 1)
        disability_start = rng.uniform(0.36, 0.5)
        disability_end = disability_start - (
            rng.uniform(0.2, 0.3) if improves else rng.uniform(0.0, 0.06)
        )
        last = len(course) - 1
        for at, visit in enumerate(course):
            progress = at / last
            wobble = rng.choice((-1, 0, 0, 1)) if 0 < at < last else 0
            pain = round(pain_start + (pain_end - pain_start) * progress) + wobble
            _store(visit, Instrument.NPRS, {"rating": max(0, min(10, pain))}, 2)
            if at == 0 or at == last or at % 4 == 0:
                disability = disability_start + (disability_end - disability_start) * progress
                if plan.questionnaire == Instrument.PSFS:
                    answers = _psfs(rng, disability)
                else:
                    items = _items(rng, plan.questionnaire, disability)
                    if not unscorable_done and 0 < at < last:
                        # handed back with a page unanswered: too few items to score
                        for position in rng.sample(range(len(items)), len(items) // 3 + 1):
                            items[position] = None
                        unscorable_done = True
                        lines.append(
                            f"{visit.patient.display_name}: {short_name(plan.questionnaire)} "
                            "at one visit not scorable (too many items skipped)"
                        )
                    answers = {"items": items}
                _store(visit, plan.questionnaire, answers, 4)
            if at in (0, last // 2, last):
                gained = (plan.rom_goal - plan.rom_start) * progress * (1 if improves else 0.2)
                degrees = plan.rom_start + round(gained) + rng.randint(-2, 2)
                _store(visit, Instrument.ROM, {**plan.rom, "degrees": degrees}, 6)
        reached = mcid_reached(Instrument.NPRS, Decimal(pain_start), Decimal(pain_end))
        verdict = "reached the MCID on pain" if reached else "has not reached the MCID on pain"
        lines.append(
            f"{course[0].patient.display_name}: NPRS {pain_start} → {pain_end} over "
            f"{len(course)} visits, {verdict}"
        )
    return lines


def demo_outcomes_reset(clinics: QuerySet[Clinic]) -> None:
    """Measurements point at visits and episodes: removed before them."""
    Measurement.objects.filter(clinic__in=clinics).delete()
    MeasureRequest.objects.filter(clinic__in=clinics).delete()
    InstrumentText.objects.filter(clinic__in=clinics).delete()
