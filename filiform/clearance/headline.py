"""What the clearance panel says first: one headline that is true for every muscle.

The rule (issue 16, item 7 — "the clearance panel never looks green over red"):

- **Go** only when nothing is blocked or cautioned anywhere: every muscle considered is Go and
  no technique is limited;
- **Go for some muscles** when some muscles are No-go and others may be needled — the blocked
  muscles are named; **Go, with limits** when only a technique is limited (e.g. no electrical
  stimulation with a pacemaker); both are shown amber, never green;
- **Caution** when nothing is blocked but some muscles need a written clinical justification;
- **No-go** when a reason holds for every muscle (no consent, no screening in force, the
  practitioner's credentials) or every muscle is blocked.

Each cause is named once, with the muscles it reaches ("Suboccipitals, Iliopsoas, Tibialis
posterior — anticoagulant …"), not once per region or muscle. The verdicts come from
:mod:`filiform.clearance.decision` (its reasons are already redacted for front desk and billing);
this module only arranges them, and is pure: no database, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.translation import gettext as _

from filiform.anatomy.regions import Region, Side
from filiform.clearance.decision import Clearance, MuscleClearance, Reason, Target, Verdict
from filiform.screening.rules import Level, RegionFinding


class Tone(StrEnum):
    """The headline's kind; the page shows it with a word and a shape, never colour alone."""

    GO = "go"
    LIMITED = "limited"  # some muscles blocked, or a technique limited: amber, never green
    CAUTION = "caution"
    NO_GO = "no_go"

    @property
    def icon(self) -> str:
        return {"go": "✓", "limited": "◐", "caution": "▲", "no_go": "✕"}[self.value]


LEVEL_ICON = {Level.OK: "✓", Level.CAUTION: "▲", Level.BLOCK: "✕"}


class Reach(StrEnum):
    SOME = "some"  # the muscles named
    EVERY = "every"  # every muscle considered
    OTHERS = "others"  # every muscle that is not blocked


@dataclass(frozen=True)
class Group:
    """One cause, named once, and the muscles it reaches."""

    level: Level
    cause: str
    reach: Reach
    muscles: tuple[str, ...] = ()  # labels, when ``reach`` is SOME

    @property
    def icon(self) -> str:
        return LEVEL_ICON[self.level]

    @property
    def where(self) -> str:
        if self.reach == Reach.EVERY:
            return _("Every muscle")
        if self.reach == Reach.OTHERS:
            return _("Every other muscle")
        return ", ".join(self.muscles)


@dataclass(frozen=True)
class Headline:
    tone: Tone
    title: str  # "Go", "Go for some muscles", "Go, with limits", "Caution", "No-go"
    sentence: str
    general: list[Reason] = field(default_factory=list)  # hold for every muscle (No-go / Caution)
    notes: list[Reason] = field(default_factory=list)  # information, e.g. a technique limited
    blocked: list[Group] = field(default_factory=list)  # causes that block some muscles
    cautions: list[Group] = field(default_factory=list)  # causes asking for a justification
    everywhere: list[Group] = field(default_factory=list)  # causes reaching every muscle

    @property
    def icon(self) -> str:
        return self.tone.icon


@dataclass(frozen=True)
class RegionRow:
    """A body region: its worst muscle finding and the muscles at that level (names only — the
    causes are in the headline, once)."""

    region: Region
    level: Level
    partial: bool  # the level reaches only some of the region's muscles or one side
    muscles: tuple[str, ...] = ()

    @property
    def icon(self) -> str:
        return LEVEL_ICON[self.level]


def _labels(targets: Iterable[Target]) -> tuple[str, ...]:
    """Muscle names in body order; a paired muscle reached on one side only says which."""
    sides: dict[str, tuple[Target, set[Side | None]]] = {}
    for target in targets:
        _first, seen = sides.setdefault(target.muscle.slug, (target, set()))
        seen.add(target.side)
    order = list(Region)
    labels = []
    for target, seen in sorted(
        sides.values(), key=lambda v: (order.index(Region(v[0].muscle.region)), v[0].muscle.name)
    ):
        muscle = target.muscle
        sides_seen = [s for s in seen if s is not None]
        if muscle.paired and len(sides_seen) == 1:
            labels.append(f"{muscle.name} ({str(Side(sides_seen[0]).label).lower()})")
        else:
            labels.append(muscle.name)
    return tuple(labels)


def _groups(
    muscles: Sequence[MuscleClearance],
) -> tuple[list[Group], list[Group], list[Group]]:
    reached: dict[tuple[Level, str], list[Target]] = {}
    for result in muscles:
        for reason in result.reasons:
            if reason.level > Level.OK:
                key = (reason.level, reason.text)
                if result.target not in reached.setdefault(key, []):
                    reached[key].append(result.target)
    blocked_targets = {m.target for m in muscles if any(r.level == Level.BLOCK for r in m.reasons)}
    every = {m.target for m in muscles}
    blocked, cautions, everywhere = [], [], []
    for (level, text), targets in sorted(reached.items(), key=lambda kv: -kv[0][0]):
        if level == Level.BLOCK:
            if set(targets) == every:
                everywhere.append(Group(level, text, Reach.EVERY))
            else:
                blocked.append(Group(level, text, Reach.SOME, _labels(targets)))
            continue
        open_targets = [t for t in targets if t not in blocked_targets]
        if not open_targets:
            continue  # only muscles blocked anyway: the caution changes nothing
        if set(targets) == every:
            everywhere.append(Group(level, text, Reach.OTHERS if blocked_targets else Reach.EVERY))
        elif set(open_targets) == every - blocked_targets:
            everywhere.append(Group(level, text, Reach.OTHERS))
        else:
            cautions.append(Group(level, text, Reach.SOME, _labels(open_targets)))
    return blocked, cautions, everywhere


def clearance_headline(clearance: Clearance) -> Headline:
    """The headline for a practitioner's clearance: the panel's (every muscle of the catalogue
    on each side) or the muscle check's (the muscles asked about)."""
    name = clearance.practitioner.user.display_name
    general = [r for r in clearance.reasons if r.level > Level.OK]
    notes = [r for r in clearance.reasons if r.level == Level.OK]
    blocked, cautions, everywhere = _groups(clearance.muscles)
    verdicts = [m.verdict for m in clearance.muscles] or [clearance.verdict]
    if any(r.level == Level.BLOCK for r in general) or all(v == Verdict.NO_GO for v in verdicts):
        return Headline(
            Tone.NO_GO,
            _("No-go"),
            _("%(name)s may not needle this patient now.") % {"name": name},
            general,
            notes,
            blocked,
            cautions,
            everywhere,
        )
    if Verdict.NO_GO in verdicts:
        tone, title = Tone.LIMITED, _("Go for some muscles")
        sentence = _(
            "%(name)s may needle this patient today, except the blocked muscles named below."
        )
    elif Verdict.CAUTION in verdicts or general:
        tone, title = Tone.CAUTION, _("Caution")
        sentence = _(
            "%(name)s may needle this patient today with a written clinical justification for each muscle under Caution."
        )
    elif notes:
        tone, title = Tone.LIMITED, _("Go, with limits")
        sentence = _("%(name)s may needle this patient today, within the limits below.")
    else:
        tone, title = Tone.GO, _("Go")
        sentence = _("%(name)s may needle this patient today: nothing found limits any muscle.")
    return Headline(
        tone,
        title,
        sentence % {"name": name},
        general,
        notes,
        blocked,
        cautions,
        everywhere,
    )


def region_rows(clearance: Clearance) -> list[RegionRow]:
    """Each body region's worst muscle finding (consent, screening, credentials reasons that
    hold for every muscle are left out: the headline says them once)."""
    by_region: dict[Region, list[MuscleClearance]] = {}
    for result in clearance.muscles:
        by_region.setdefault(Region(result.target.muscle.region), []).append(result)
    rows = []
    for region in Region:
        results = by_region.get(region, [])
        if not results:
            continue
        worst = {m.target: max((r.level for r in m.reasons), default=Level.OK) for m in results}
        level = max(worst.values())
        partial = any(v < level for v in worst.values())
        named = _labels(t for t, v in worst.items() if v == level) if partial else ()
        rows.append(RegionRow(region, level, partial, named))
    return rows


def readiness_headline(
    *,
    consent_in_force: bool,
    consent_reason: str,
    screening_problems: Sequence[str],
    regions: Sequence[RegionFinding],
    chest_not_consented: bool = False,
) -> Headline:
    """For front desk and billing, who see no health details and no practitioner's verdict:
    whether consent and screening are in place, and only the level of what the screening
    found (some muscles blocked, cautions) — never which muscles or why."""
    general = []
    if not consent_in_force:
        general.append(consent_reason)
    general += list(screening_problems)
    if general:
        return Headline(
            Tone.NO_GO,
            _("No-go"),
            _("Not cleared for needling: %(why)s") % {"why": " ".join(general)},
        )
    levels = [r.level for r in regions]
    if levels and all(r.level == Level.BLOCK and not r.partial for r in regions):
        return Headline(
            Tone.NO_GO,
            _("No-go"),
            _("A screening finding rules out needling (details are for clinicians)."),
        )
    if Level.BLOCK in levels or chest_not_consented:
        return Headline(
            Tone.LIMITED,
            _("Go for some muscles"),
            _(
                "Consent and screening are in place; some muscles are blocked, and the clinician checks each muscle (details are for clinicians)."
            ),
        )
    if Level.CAUTION in levels:
        return Headline(
            Tone.CAUTION,
            _("Caution"),
            _(
                "Consent and screening are in place; a screening finding asks the clinician for a written justification (details are for clinicians)."
            ),
        )
    return Headline(
        Tone.GO,
        _("Go"),
        _("Consent and screening are in place; the screening found nothing that limits needling."),
    )
