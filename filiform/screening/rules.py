"""The screening rule engine: rules as data (``default_rules.json``, overridable per clinic)
turning screening answers into findings per muscle and side, and per body region.

A rule fires when any answer it names names a risk; it then applies its effect (BLOCK or
CAUTION) to the muscles in its scope: every muscle, listed regions, muscles that cannot be
compressed, or the sites and limbs the answer itself names. A muscle's level is the worst of
the findings that reach it, so answering more risks never lowers a level. The engine is pure:
no database, no clock; the clearance service feeds it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from functools import cache
from pathlib import Path
from typing import Literal

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field

from filiform.anatomy.catalogue import Muscle, muscle_catalogue
from filiform.anatomy.regions import Limb, Region, Side
from filiform.dates import add_months
from filiform.screening.answers import LimbSide, ScreeningAnswers, Site, Surgery

RULES_FILE = Path(__file__).with_name("default_rules.json")


class Level(IntEnum):
    OK = 0
    CAUTION = 1
    BLOCK = 2

    @property
    def word(self) -> str:
        return {0: _("OK"), 1: _("Caution"), 2: _("Blocked")}[self.value]


class Effect(StrEnum):
    BLOCK = "block"
    CAUTION = "caution"
    OFF = "off"


EFFECT_LEVEL = {Effect.BLOCK: Level.BLOCK, Effect.CAUTION: Level.CAUTION, Effect.OFF: Level.OK}


class Scope(StrEnum):
    ALL = "all"
    REGIONS = "regions"
    NON_COMPRESSIBLE = "non_compressible"
    SITES = "sites"  # the sites the answer lists (region, side)
    LIMBS = "limbs"  # the limbs the answer lists (arm/leg, side)


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    when: tuple[str, ...] = Field(min_length=1)
    effect: Effect
    applies_to: Scope
    regions: tuple[Region, ...] = ()
    within_months: int | None = Field(default=None, ge=1, le=60)
    unless_clinic: Literal["needles_metal_allergy_safe"] | None = None
    kind: Literal["absolute", "relative"]
    reason: str
    source: str = ""


@cache
def default_rules() -> tuple[Rule, ...]:
    rules = tuple(
        Rule.model_validate(row) for row in json.loads(RULES_FILE.read_text(encoding="utf-8"))
    )
    facts = set(ScreeningAnswers.model_fields) | {"child", "epilepsy=controlled"}
    facts.add("epilepsy=uncontrolled")
    for rule in rules:
        unknown = set(rule.when) - facts
        if unknown:
            raise ValueError(f"rule {rule.id} names unknown answers: {sorted(unknown)}")
    return rules


def rules_for_clinic(overrides: Mapping[str, str]) -> tuple[Rule, ...]:
    """The defaults with the clinic's chosen effects (block, caution or off) applied."""
    return tuple(
        rule.model_copy(update={"effect": Effect(overrides[rule.id])})
        if rule.id in overrides
        else rule
        for rule in default_rules()
    )


@dataclass(frozen=True)
class Finding:
    rule_id: str
    level: Level
    reason: str
    absolute: bool


@dataclass(frozen=True)
class Fired:
    """A rule that fired for this patient, with the sites or limbs it names (if any)."""

    rule: Rule
    level: Level
    sites: tuple[Site, ...] = ()
    limbs: tuple[LimbSide, ...] = ()

    def reaches(self, muscle: Muscle, side: Side | None) -> bool:
        scope = self.rule.applies_to
        if scope == Scope.ALL:
            return True
        if scope == Scope.REGIONS:
            return muscle.region in self.rule.regions
        if scope == Scope.NON_COMPRESSIBLE:
            return not muscle.compressible
        if scope == Scope.SITES:
            return any(
                site.region == muscle.region and _same_side(site.side, side, muscle)
                for site in self.sites
            )
        return any(
            limb.limb == muscle.limb and _same_side(limb.side, side, muscle) for limb in self.limbs
        )

    def reason_for(self, muscle: Muscle | None = None) -> str:
        text = _(self.rule.reason)
        where = [_site_words(s) for s in self.sites] + [_limb_words(x) for x in self.limbs]
        return f"{text} ({', '.join(where)})" if where else text


def _same_side(rule_side: Side | None, side: Side | None, muscle: Muscle) -> bool:
    return rule_side is None or side is None or not muscle.paired or rule_side == side


def _site_words(site: Site) -> str:
    region = Region(site.region).label
    return f"{Side(site.side).label.lower()} {str(region).lower()}" if site.side else str(region)


def _limb_words(limb: LimbSide) -> str:
    word = _("arm") if limb.limb == Limb.UPPER else _("leg")
    return f"{Side(limb.side).label.lower()} {word}"


def _facts(answers: ScreeningAnswers, *, age: int | None) -> set[str]:
    facts = set(answers.risk_fields())
    facts.add(f"epilepsy={answers.epilepsy.value}")
    if age is not None and age < 18:
        facts.add("child")
    return facts


def rules_fired(
    answers: ScreeningAnswers,
    *,
    rules: Iterable[Rule],
    age: int | None,
    today: dt.date,
    clinic_flags: frozenset[str] = frozenset(),
) -> list[Fired]:
    """Which rules this patient's answers set off, each with the sites or limbs it concerns."""
    facts = _facts(answers, age=age)
    fired = []
    for rule in rules:
        if rule.effect == Effect.OFF or not facts.intersection(rule.when):
            continue
        if rule.unless_clinic and rule.unless_clinic in clinic_flags:
            continue
        sites: list[Site] = []
        limbs: list[LimbSide] = []
        for name in rule.when:
            value = getattr(answers, name, None)
            if not isinstance(value, list):
                continue
            for item in value:
                if isinstance(item, LimbSide):
                    limbs.append(item)
                elif isinstance(item, Site):
                    if (
                        isinstance(item, Surgery)
                        and rule.within_months
                        and item.on < add_months(today, -rule.within_months)
                    ):
                        continue  # not recent: the rule is about healing tissue
                    sites.append(item)
        if rule.applies_to == Scope.SITES and not sites:
            continue  # e.g. the only surgery was long ago
        if rule.applies_to == Scope.LIMBS and not limbs:
            continue
        fired.append(Fired(rule, EFFECT_LEVEL[rule.effect], tuple(sites), tuple(limbs)))
    return fired


def muscle_findings(fired: Iterable[Fired], muscle: Muscle, side: Side | None) -> list[Finding]:
    return [
        Finding(f.rule.id, f.level, f.reason_for(muscle), f.rule.kind == "absolute")
        for f in fired
        if f.reaches(muscle, side)
    ]


def worst(findings: Iterable[Finding]) -> Level:
    return max((f.level for f in findings), default=Level.OK)


@dataclass(frozen=True)
class RegionFinding:
    region: Region
    level: Level
    lines: list[str]  # region-specific reasons, with the muscles and sides when not all of them
    partial: bool = False  # the worst level reaches only some muscles or one side


def _sides(muscle: Muscle) -> tuple[Side | None, ...]:
    return (Side.LEFT, Side.RIGHT) if muscle.paired else (None,)


def whole_body_findings(fired: list[Fired]) -> list[Finding]:
    """Findings that reach every muscle: shown once, not in every region."""
    return [
        Finding(f.rule.id, f.level, f.reason_for(), f.rule.kind == "absolute")
        for f in sorted(fired, key=lambda f: -f.level)
        if f.rule.applies_to == Scope.ALL
    ]


def region_findings(fired: list[Fired]) -> list[RegionFinding]:
    """Red/amber/green per body region, from every catalogue muscle in it on each side. The
    level counts whole-body findings too; the lines name only what is particular to the region."""
    by_region: dict[Region, list[Muscle]] = {}
    for muscle in muscle_catalogue().values():
        by_region.setdefault(Region(muscle.region), []).append(muscle)
    whole_body = {f.rule_id for f in whole_body_findings(fired)}
    result = []
    for region in Region:
        muscles = by_region.get(region, [])
        targets = [(m, s) for m in muscles for s in _sides(m)]
        reached: dict[tuple[str, Level], list[tuple[Muscle, Side | None]]] = {}
        worst_at: dict[tuple[str, Side | None], Level] = {}
        for muscle, side in targets:
            findings = muscle_findings(fired, muscle, side)
            worst_at[(muscle.slug, side)] = worst(findings)
            for finding in findings:
                if finding.rule_id not in whole_body:
                    reached.setdefault((finding.reason, finding.level), []).append((muscle, side))
        lines = []
        for (reason, level), where in sorted(reached.items(), key=lambda kv: -kv[0][1]):
            if len(where) == len(targets):
                lines.append(f"{level.word}: {reason}")
            else:
                lines.append(f"{level.word} — {_muscle_sides(where)}: {reason}")
        level = max(worst_at.values(), default=Level.OK)
        partial = any(v < level for v in worst_at.values())
        result.append(RegionFinding(region, level, lines, partial))
    return result


def _muscle_sides(where: list[tuple[Muscle, Side | None]]) -> str:
    sides: dict[str, list[str]] = {}
    for muscle, side in where:
        sides.setdefault(muscle.name, []).append(str(Side(side).label).lower() if side else "")
    parts = []
    for name, marks in sides.items():
        marks = [m for m in marks if m]
        if len(marks) == 2 or not marks:
            parts.append(name)
        else:
            parts.append(f"{name} ({marks[0]})")
    return ", ".join(parts)
