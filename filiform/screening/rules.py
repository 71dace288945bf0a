"""The screening rule engine: rules as data (``default_rules.json``, overridable per clinic)
turning screening answers into findings per muscle and side, per body region and per technique.

A rule fires when an answer it names is "yes"; it then applies its effect (BLOCK or CAUTION) to
the muscles in its scope: every muscle, listed regions, muscles that cannot be compressed, or
the sites and limbs the answer itself names. When none of its answers is "yes" but one is
"unsure", it fires as an *unsure* finding: its own ``unsure`` effect (never stronger than its
effect, so a clinic that softens or turns off a rule softens its "unsure" too), over everything
the rule could reach (an unsure site or limb may be anywhere). An unanswered question fires no
rule: it makes the screening incomplete, which the clearance treats as clearing no one.

A rule may name ``techniques`` (codes in :data:`TECHNIQUES`): it then limits those techniques
only — e.g. an implanted electrical device blocks electrical stimulation, not manual needling.

A muscle's level is the worst of the findings that reach it, so answering "yes" or "unsure"
where the answer was "no" never lowers a level. The engine is pure: no database, no clock; the
clearance service feeds it.
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
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field

from filiform.anatomy.catalogue import Muscle, muscle_catalogue
from filiform.anatomy.regions import Limb, Region, Side
from filiform.dates import add_months
from filiform.screening.answers import (
    QUESTIONS,
    Answer,
    Epilepsy,
    LimbSide,
    ScreeningAnswers,
    Site,
    Surgery,
    question_labels,
)

RULES_FILE = Path(__file__).with_name("default_rules.json")

# The needling techniques a rule may target. The same codes as the needling record's
# (filiform.charting.codes.Technique; a test keeps the two in step): clearance sits below
# charting and does not import it.
TECHNIQUES = {
    "static": gettext_lazy("static needling"),
    "pistoning": gettext_lazy("pistoning"),
    "rotation": gettext_lazy("rotation"),
    "fanning": gettext_lazy("fanning"),
    "electrical": gettext_lazy("electrical stimulation"),
}


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
    unsure: Effect  # what an "unsure" answer does (capped at ``effect``)
    applies_to: Scope
    regions: tuple[Region, ...] = ()
    techniques: tuple[str, ...] = ()  # empty: every technique
    within_months: int | None = Field(default=None, ge=1, le=60)
    unless_clinic: Literal["needles_metal_allergy_safe"] | None = None
    kind: Literal["absolute", "relative"]
    reason: str
    source: str = Field(min_length=1)

    @property
    def unsure_level(self) -> Level:
        return min(EFFECT_LEVEL[self.unsure], EFFECT_LEVEL[self.effect])


FACTS = {**{name: name for name in QUESTIONS}, "epilepsy=controlled": "epilepsy"}
FACTS |= {"epilepsy=uncontrolled": "epilepsy", "child": ""}


@cache
def default_rules() -> tuple[Rule, ...]:
    rules = tuple(
        Rule.model_validate(row) for row in json.loads(RULES_FILE.read_text(encoding="utf-8"))
    )
    for rule in rules:
        # "epilepsy" alone is not a fact: name the status (epilepsy=controlled, …).
        unknown = (set(rule.when) - set(FACTS)) | (set(rule.when) & {"epilepsy"})
        if unknown:
            raise ValueError(f"rule {rule.id} names unknown answers: {sorted(unknown)}")
        techniques = set(rule.techniques) - set(TECHNIQUES)
        if techniques:
            raise ValueError(f"rule {rule.id} names unknown techniques: {sorted(techniques)}")
    if len({r.id for r in rules}) != len(rules):
        raise ValueError("two default rules share an id")
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
    answer: Literal["yes", "unsure"] = "yes"


@dataclass(frozen=True)
class Fired:
    """A rule that fired for this patient: on a "yes" with the sites or limbs it names (if
    any), or on an "unsure" (``questions`` names the unsure ones)."""

    rule: Rule
    level: Level
    sites: tuple[Site, ...] = ()
    limbs: tuple[LimbSide, ...] = ()
    answer: Literal["yes", "unsure"] = "yes"
    questions: tuple[str, ...] = ()

    @property
    def everywhere(self) -> bool:
        """Reaches every muscle (for any technique it concerns)."""
        return self.rule.applies_to == Scope.ALL or (
            self.answer == "unsure" and self.rule.applies_to == Scope.SITES
        )

    def concerns(self, technique: str | None) -> bool:
        """A rule without techniques concerns every technique and the general view (None); a
        rule with techniques concerns only those."""
        if not self.rule.techniques:
            return True
        return technique is not None and technique in self.rule.techniques

    def reaches(self, muscle: Muscle, side: Side | None) -> bool:
        scope = self.rule.applies_to
        if self.everywhere:
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
        if self.answer == "unsure":  # which limb is not known: any of them
            return muscle.limb is not None
        return any(
            limb.limb == muscle.limb and _same_side(limb.side, side, muscle) for limb in self.limbs
        )

    def reason_for(self, muscle: Muscle | None = None) -> str:
        text = _(self.rule.reason)
        if self.answer == "unsure":
            return _("Unsure — %(questions)s: %(reason)s") % {
                "questions": question_labels(list(self.questions)),
                "reason": text,
            }
        where = [_site_words(s) for s in self.sites] + [_limb_words(x) for x in self.limbs]
        return f"{text} ({', '.join(where)})" if where else text

    def finding(self, muscle: Muscle | None = None) -> Finding:
        return Finding(
            self.rule.id,
            self.level,
            self.reason_for(muscle),
            self.rule.kind == "absolute",
            self.answer,
        )


def _same_side(rule_side: Side | None, side: Side | None, muscle: Muscle) -> bool:
    return rule_side is None or side is None or not muscle.paired or rule_side == side


def _site_words(site: Site) -> str:
    region = Region(site.region).label
    return f"{Side(site.side).label.lower()} {str(region).lower()}" if site.side else str(region)


def _limb_words(limb: LimbSide) -> str:
    word = _("arm") if limb.limb == Limb.UPPER else _("leg")
    return f"{Side(limb.side).label.lower()} {word}"


def _fact(answers: ScreeningAnswers, fact: str, *, age: int | None) -> str | None:
    """ "yes", "unsure" or None (no, or unanswered) for one fact a rule names."""
    if fact == "child":
        return "yes" if age is not None and age < 18 else None
    if fact.startswith("epilepsy="):
        if answers.epilepsy == Epilepsy.UNSURE:
            return "unsure"
        return "yes" if answers.epilepsy == fact.partition("=")[2] else None
    answer = answers.answer(fact)
    return answer if answer in (Answer.YES, Answer.UNSURE) else None


def rules_fired(
    answers: ScreeningAnswers,
    *,
    rules: Iterable[Rule],
    age: int | None,
    today: dt.date,
    clinic_flags: frozenset[str] = frozenset(),
) -> list[Fired]:
    """Which rules this patient's answers set off, each with the sites or limbs it concerns."""
    fired = []
    for rule in rules:
        if rule.effect == Effect.OFF:
            continue
        if rule.unless_clinic and rule.unless_clinic in clinic_flags:
            continue
        facts = {fact: _fact(answers, fact, age=age) for fact in rule.when}
        yes = [fact for fact, value in facts.items() if value == "yes"]
        unsure = [FACTS[fact] for fact, value in facts.items() if value == "unsure"]
        if not yes:
            if unsure and rule.unsure_level > Level.OK:
                fired.append(
                    Fired(
                        rule,
                        rule.unsure_level,
                        answer="unsure",
                        questions=tuple(dict.fromkeys(unsure)),
                    )
                )
            continue
        sites: list[Site] = []
        limbs: list[LimbSide] = []
        for fact in yes:
            listed = QUESTIONS[fact].listed if fact in QUESTIONS else None
            value = getattr(answers, listed) if listed else []
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


def muscle_findings(
    fired: Iterable[Fired], muscle: Muscle, side: Side | None, technique: str | None = None
) -> list[Finding]:
    """The findings that reach this muscle and side. With a technique, the rules aimed at that
    technique count too; without one (the general view), rules aimed at techniques are left to
    :func:`technique_findings` and never block the muscle itself."""
    return [f.finding(muscle) for f in fired if f.concerns(technique) and f.reaches(muscle, side)]


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
        f.finding()
        for f in sorted(fired, key=lambda f: -f.level)
        if f.everywhere and f.concerns(None)
    ]


@dataclass(frozen=True)
class TechniqueFinding:
    """A technique this patient's screening limits, whatever the muscle: BLOCK (no
    justification unlocks it) or CAUTION."""

    technique: str
    level: Level
    reasons: list[str]

    @property
    def words(self) -> str:
        return str(TECHNIQUES[self.technique])


def technique_findings(fired: list[Fired]) -> list[TechniqueFinding]:
    """Each technique that a technique-aimed rule limits, in the order of :data:`TECHNIQUES`."""
    result = []
    for technique in TECHNIQUES:
        aimed = [f for f in fired if f.rule.techniques and technique in f.rule.techniques]
        if aimed:
            aimed.sort(key=lambda f: -f.level)
            result.append(
                TechniqueFinding(technique, aimed[0].level, [f.reason_for() for f in aimed])
            )
    return result


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
