"""The muscles a question is about: ``slug``, ``slug:left|right`` or ``slug:side@T12``.

Parsing a muscle key needs only the catalogue, the sides and the vertebral levels, all anatomy;
it lives here so the body chart (anatomy) and the clearance decision both use it without anatomy
importing clearance (docs/architecture.md, layers: registry below clearance).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from filiform.anatomy.catalogue import Muscle, UnknownMuscle, muscle_get
from filiform.anatomy.regions import Side
from filiform.anatomy.segments import levels_of

MAX_TARGETS = 40


@dataclass(frozen=True)
class Target:
    muscle: Muscle
    side: Side | None
    level: str = ""  # the vertebral level needled, where it changes what lies under the muscle

    @property
    def key(self) -> str:
        return f"{self.muscle.slug}:{self.side}" if self.side else self.muscle.slug

    @property
    def label(self) -> str:
        if self.side is None:
            return self.muscle.name
        return f"{self.muscle.name} ({Side(self.side).label.lower()})"


def parse_targets(keys: list[str], *, clinic_id: int | None = None) -> list[Target]:
    """``slug`` or ``slug:left|right`` for each muscle; paired muscles need their side."""
    if len(keys) > MAX_TARGETS:
        raise ValidationError(
            {"muscles": _("Ask about at most %(n)d muscles at once.") % {"n": MAX_TARGETS}}
        )
    targets, problems = [], []
    for key in keys:
        muscle_side, _at, level = key.strip().partition("@")
        slug, _sep, side_text = muscle_side.partition(":")
        try:
            muscle = muscle_get(slug, clinic_id=clinic_id)
        except UnknownMuscle:
            problems.append(_("“%(slug)s” is not a muscle in the catalogue.") % {"slug": slug[:60]})
            continue
        if side_text and side_text not in Side.values:
            problems.append(_("“%(key)s”: the side is left or right.") % {"key": key[:80]})
            continue
        if side_text and not muscle.paired:
            problems.append(
                _("%(m)s is a single midline muscle: give no side.") % {"m": muscle.name}
            )
            continue
        if muscle.paired and not side_text:
            problems.append(_("%(m)s: say which side (left or right).") % {"m": muscle.name})
            continue
        if level and level not in levels_of(muscle.slug):
            problems.append(
                _("%(m)s is not needled at “%(level)s”.") % {"m": muscle.name, "level": level[:8]}
            )
            continue
        target = Target(muscle, Side(side_text) if side_text else None, level)
        if target not in targets:
            targets.append(target)
    if problems:
        raise ValidationError({"muscles": problems})
    return targets
