"""Maximum safe needle-tip depth over the lung, and the other depth hazards of a muscle
(``data/depth_limits.json``; every row names its derivation and sources).

How the lung limits were derived, row by row: take the smallest lower bound published for the
site (thinnest group; mean - 2 SD or the smallest value measured); subtract 5 mm when it is a
skin-to-pleura distance (breathing, skin compression by the guide tube and fingers, angle
error), nothing when it is a skin-to-rib distance (the rib lies between that surface and the
pleura). The limit is the perpendicular depth of the tip for an insertion aimed at the chest
wall. Rows marked ``judgement`` are our choice where no measurement was found: they are
defaults each clinic may change (Settings → Depth limits), never facts.

An insertion is judged on its recorded approach:

- every insertion is capped unless its approach lifts the cap for that muscle: deeper than the
  limit is refused; within ``near_limit_mm`` of it needs a written justification; and a
  perpendicular (or unrecorded) insertion with a needle longer than the limit needs one too
  (needle length ≤ limit is the one proxy that physically stops a straight insertion there);
- a pincer-held fold needled parallel to the chest wall, a flat (tangential) insertion, or a
  needle stopped on bone (a rib with the intercostal spaces blocked, the scapula, a lamina) lifts
  the cap only for the muscles whose row lists it, because these techniques have failed too (a
  pneumothorax followed rib bracketing with a 20 mm needle over the rhomboids);
- some muscles allow only certain approaches (serratus anterior: onto a rib or flat), and the
  intercostals are blocked unless the clinic allows them (e.g. under ultrasound guidance).

Hazards other than the lung warn (a written justification is needed): the median nerve in
pronator teres beyond 25 mm, the radial nerve in supinator beyond 16 mm, the sciatic nerve under
piriformis, the spinal canal at T12-L1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field, model_validator

from filiform.anatomy.catalogue import Muscle, muscle_catalogue
from filiform.anatomy.segments import vertebral_levels

DATA_FILE = Path(__file__).with_name("data") / "depth_limits.json"


class Approach(models.TextChoices):
    """How the needle was aimed, as far as the lung limits care."""

    PERPENDICULAR = "perpendicular", gettext_lazy("Straight in, toward the body wall")
    OBLIQUE = "oblique", gettext_lazy("Angled (oblique)")
    PINCER = "pincer", gettext_lazy("Pincer grip: fold lifted, needle parallel to the chest wall")
    FLAT = "flat", gettext_lazy("Flat (tangential) along the chest wall")
    ONTO_RIB = "onto_rib", gettext_lazy("Onto a rib, intercostal spaces blocked by two fingers")
    ONTO_BONE = "onto_bone", gettext_lazy("Onto bone (scapula, lamina)")


class DepthRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    muscle: str
    hazard: str = Field(pattern=r"^[a-z_]+$")
    max_depth_mm: float | None = Field(default=None, gt=0, le=90)
    judgement: bool
    blocked: bool = False
    derivation: str = Field(min_length=30)
    exempt_approaches: tuple[Approach, ...] = ()
    required_approaches: tuple[Approach, ...] = ()
    warn_unless: tuple[Approach, ...] = ()
    warn_at_levels: tuple[str, ...] = ()
    level_warning: str = ""  # what to say at those levels, when it is not the derivation
    warn_beyond_mm: float | None = Field(default=None, gt=0, le=90)
    warn_always: bool = False
    sources: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _says_something(self) -> DepthRule:
        if not (
            self.max_depth_mm
            or self.blocked
            or self.required_approaches
            or self.warn_unless
            or self.warn_at_levels
            or self.warn_beyond_mm
            or self.warn_always
        ):
            raise ValueError(f"{self.muscle}: a depth rule must limit or warn about something")
        return self

    @property
    def lung(self) -> bool:
        return self.hazard == "lung"


class DepthTable(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    near_limit_mm: float = Field(gt=0, le=10)
    near_limit_derivation: str
    sources: dict[str, str]
    muscles: tuple[DepthRule, ...]


@cache
def depth_table() -> DepthTable:
    table = DepthTable.model_validate(json.loads(DATA_FILE.read_text(encoding="utf-8")))
    catalogue = muscle_catalogue()
    seen: set[str] = set()
    for rule in table.muscles:
        if rule.muscle not in catalogue:
            raise ValueError(f"depth_limits.json names an unknown muscle: {rule.muscle}")
        if rule.muscle in seen:
            raise ValueError(f"depth_limits.json repeats {rule.muscle}")
        seen.add(rule.muscle)
        missing = set(rule.sources) - set(table.sources)
        if missing:
            raise ValueError(f"{rule.muscle}: unknown sources {sorted(missing)}")
        if set(rule.warn_at_levels) - set(vertebral_levels()):
            raise ValueError(f"{rule.muscle}: unknown levels in warn_at_levels")
    return table


def depth_rule(slug: str) -> DepthRule | None:
    return next((r for r in depth_table().muscles if r.muscle == slug), None)


def rule_for(muscle: Muscle) -> DepthRule | None:
    """The shipped row, or for a clinic's own muscle with a maximum depth, a rule from it."""
    rule = depth_rule(muscle.slug)
    if rule is None and muscle.max_depth_mm is not None:
        rule = DepthRule(
            muscle=muscle.slug,
            hazard="lung" if muscle.over_thorax else "structure",
            max_depth_mm=muscle.max_depth_mm,
            judgement=True,
            derivation="The clinic's own muscle, with the maximum depth the clinic gave it.",
            sources=("clinic",),
        )
    return rule


def source_texts(rule: DepthRule) -> list[str]:
    sources = depth_table().sources
    return [sources.get(key, _("the clinic's own setting")) for key in rule.sources]


@dataclass(frozen=True)
class ClinicDepth:
    """A clinic's own choice for one muscle (Settings → Depth limits)."""

    max_depth_mm: Decimal | None = None
    allow_blocked: bool = False


@dataclass(frozen=True)
class DepthFinding:
    """``refuse``: the insertion is not saved. Otherwise it needs a written justification."""

    code: str
    field: str
    text: str
    refuse: bool


def limit_of(rule: DepthRule, choice: ClinicDepth | None) -> Decimal | None:
    if choice is not None and choice.max_depth_mm is not None:
        return choice.max_depth_mm
    return Decimal(str(rule.max_depth_mm)) if rule.max_depth_mm is not None else None


def mm_text(value: Decimal | float) -> str:
    """Millimetres as people write them: 13, 12.5 (no trailing zeros)."""
    return f"{Decimal(str(value)).normalize():f}"


def _labels(approaches: tuple[Approach, ...]) -> str:
    return _(" or ").join(str(Approach(a).label).lower() for a in approaches)


def depth_findings(
    *,
    muscle: Muscle,
    approach: str,
    depth_mm: Decimal,
    needle_length_mm: int,
    level: str = "",
    choice: ClinicDepth | None = None,
) -> list[DepthFinding]:
    """What the depth rules say about one insertion, worst first. An approach not recorded is
    judged as a perpendicular one (the strictest)."""
    rule = rule_for(muscle)
    if rule is None:
        return []
    how = Approach(approach) if approach in Approach.values else Approach.PERPENDICULAR
    name = muscle.name
    why = rule.derivation
    if rule.judgement:
        why = f"{why} " + _("(A judgement default: the clinic may change it.)")
    findings: list[DepthFinding] = []
    if rule.blocked and not (choice and choice.allow_blocked):
        findings.append(
            DepthFinding(
                "blocked",
                "muscle",
                _(
                    "%(m)s is blocked: %(why)s An owner can allow it in Settings → Depth limits (for example for ultrasound-guided needling)."
                )
                % {"m": name, "why": why},
                refuse=True,
            )
        )
        return findings
    if rule.required_approaches and how not in rule.required_approaches:
        findings.append(
            DepthFinding(
                "approach_required",
                "approach",
                _("%(m)s: needle only %(ways)s. %(why)s")
                % {"m": name, "ways": _labels(rule.required_approaches), "why": why},
                refuse=True,
            )
        )
        return findings
    limit = limit_of(rule, choice)
    capped = (
        limit is not None and not rule.required_approaches and how not in rule.exempt_approaches
    )
    if capped and limit is not None:
        what = _("over the lung") if rule.lung else _("here")
        if depth_mm > limit:
            findings.append(
                DepthFinding(
                    "too_deep",
                    "depth_mm",
                    _(
                        "%(m)s: no deeper than %(limit)s mm %(what)s (recorded %(depth)s mm). %(why)s"
                    )
                    % {
                        "m": name,
                        "limit": mm_text(limit),
                        "what": what,
                        "depth": mm_text(depth_mm),
                        "why": why,
                    },
                    refuse=True,
                )
            )
            return findings
        near = Decimal(str(depth_table().near_limit_mm))
        if depth_mm > limit - near:
            findings.append(
                DepthFinding(
                    "near_limit",
                    "depth_mm",
                    _(
                        "%(m)s: %(depth)s mm is within %(near)s mm of the %(limit)s mm limit %(what)s."
                    )
                    % {
                        "m": name,
                        "depth": mm_text(depth_mm),
                        "near": mm_text(near),
                        "limit": mm_text(limit),
                        "what": what,
                    },
                    refuse=False,
                )
            )
        if how == Approach.PERPENDICULAR and needle_length_mm > limit:
            findings.append(
                DepthFinding(
                    "needle_longer_than_limit",
                    "needle_length_mm",
                    _(
                        "%(m)s: the %(n)d mm needle is longer than the %(limit)s mm limit, so a straight insertion can pass it. Use a shorter needle, another approach, or say why."
                    )
                    % {"m": name, "n": needle_length_mm, "limit": mm_text(limit)},
                    refuse=False,
                )
            )
    if rule.warn_unless and how not in rule.warn_unless:
        findings.append(
            DepthFinding(
                "approach_warning",
                "approach",
                _("%(m)s: aim %(ways)s, or say why. %(why)s")
                % {"m": name, "ways": _labels(rule.warn_unless), "why": why},
                refuse=False,
            )
        )
    if level and level in rule.warn_at_levels:
        findings.append(
            DepthFinding(
                "level_warning",
                "level",
                _("%(m)s at %(level)s: %(why)s")
                % {"m": name, "level": level, "why": rule.level_warning or why},
                refuse=False,
            )
        )
    if rule.warn_beyond_mm is not None and depth_mm > Decimal(str(rule.warn_beyond_mm)):
        findings.append(
            DepthFinding(
                "deep_warning",
                "depth_mm",
                _("%(m)s deeper than %(mm)s mm: %(why)s")
                % {"m": name, "mm": mm_text(rule.warn_beyond_mm), "why": why},
                refuse=False,
            )
        )
    if rule.warn_always:
        findings.append(
            DepthFinding("hazard_warning", "justification", f"{name}: {why}", refuse=False)
        )
    return findings


def depth_summary(muscle: Muscle, choice: ClinicDepth | None = None) -> str:
    """One line for the insertion form: the limit and the approaches that change it."""
    rule = rule_for(muscle)
    if rule is None:
        return ""
    if rule.blocked and not (choice and choice.allow_blocked):
        return _("Blocked: no blind depth is safe here.")
    if rule.required_approaches:
        return _("Only %(ways)s.") % {"ways": _labels(rule.required_approaches)}
    parts = []
    limit = limit_of(rule, choice)
    if limit is not None:
        parts.append(
            _("Any approach: no deeper than %(mm)s mm.") % {"mm": mm_text(limit)}
            if not rule.exempt_approaches
            else _("Straight or angled: no deeper than %(mm)s mm (not capped: %(ways)s).")
            % {"mm": mm_text(limit), "ways": _labels(rule.exempt_approaches)}
        )
    if rule.warn_unless:
        parts.append(_("Aim %(ways)s.") % {"ways": _labels(rule.warn_unless)})
    if rule.warn_at_levels:
        parts.append(
            _("A reason is needed at %(levels)s.") % {"levels": ", ".join(rule.warn_at_levels)}
        )
    if rule.warn_beyond_mm is not None:
        parts.append(
            _("A reason is needed beyond %(mm)s mm.") % {"mm": mm_text(rule.warn_beyond_mm)}
        )
    if rule.warn_always:
        parts.append(_("A reason is needed: say where the needle was aimed."))
    return " ".join(parts)
