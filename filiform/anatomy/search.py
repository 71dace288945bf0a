"""Finding muscles: by name or synonym, by where the patient feels pain (referral zones), and by
nerve root level (the Gunn IMS segmental view). Pure reads of the catalogue; nothing here is
patient information."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from filiform.anatomy.catalogue import ROOT_LEVEL, Muscle, clinic_catalogue
from filiform.anatomy.chart import chart_zones, referral_zones
from filiform.anatomy.regions import Side
from filiform.patients.search_keys import name_key

ROOT_ORDER = [f"C{i}" for i in range(1, 9)] + [f"T{i}" for i in range(1, 13)]
ROOT_ORDER += [f"L{i}" for i in range(1, 6)] + [f"S{i}" for i in range(1, 6)]


def muscle_find(query: str, *, clinic_id: int | None = None, limit: int = 20) -> list[Muscle]:
    """Muscles whose name, slug or a synonym matches every word typed (accents and case
    ignored); names that start with the query come first."""
    words = [name_key(w) for w in query.split()[:5]]
    words = [w for w in words if w]
    if not words:
        return []
    found: list[tuple[int, str, Muscle]] = []
    for muscle in clinic_catalogue(clinic_id).values():
        names = [muscle.name, muscle.slug.replace("_", " "), *muscle.synonyms]
        keys = [" ".join(name_key(part) for part in n.split()) for n in names]
        if not all(any(w in key for key in keys) for w in words):
            continue
        starts = any(key.startswith(words[0]) for key in keys)
        found.append((0 if starts else 1, muscle.name, muscle))
    return [m for _rank, _name, m in sorted(found, key=lambda t: (t[0], t[1]))][:limit]


@dataclass(frozen=True)
class PainArea:
    zone: str
    side: Side | None

    @property
    def key(self) -> str:
        return f"{self.zone}:{self.side}" if self.side else self.zone


def parse_pain_areas(keys: Iterable[str]) -> list[PainArea]:
    """``zone`` or ``zone:left|right`` for each area; paired zones need their side."""
    zones = chart_zones()
    areas, problems = [], []
    for key in list(keys)[:40]:
        zone_id, _sep, side = key.strip().partition(":")
        zone = zones.get(zone_id)
        if zone is None:
            problems.append(_("“%(z)s” is not a zone on the body chart.") % {"z": zone_id[:60]})
        elif side and side not in Side.values:
            problems.append(_("“%(k)s”: the side is left or right.") % {"k": key[:80]})
        elif zone.paired and not side:
            problems.append(_("%(z)s: say which side (left or right).") % {"z": zone.label})
        elif side and not zone.paired:
            problems.append(_("%(z)s is on the midline: give no side.") % {"z": zone.label})
        else:
            area = PainArea(zone_id, Side(side) if side else None)
            if area not in areas:
                areas.append(area)
    if problems:
        raise ValidationError({"zones": problems})
    return areas


@dataclass(frozen=True)
class ReferralMatch:
    muscle: Muscle
    side: Side | None
    zones: list[str]  # the pain areas this muscle's referral covers, primary first
    score: float

    @property
    def key(self) -> str:
        return f"{self.muscle.slug}:{self.side}" if self.side else self.muscle.slug


def muscles_for_pain(areas: list[PainArea], *, clinic_id: int | None = None) -> list[ReferralMatch]:
    """Muscles whose referral zones cover the marked pain areas, on the same side, ranked: more
    areas covered first, then a zone that is the muscle's primary referral over spillover,
    then muscles with a focused pattern over ones that refer widely."""
    if not areas:
        return []
    referral = dict(referral_zones())
    if clinic_id is not None:
        from filiform.anatomy.models import ClinicMuscle

        for slug, zones in (
            ClinicMuscle.objects.of_clinic(clinic_id)
            .filter(active=True)
            .values_list("slug", "referral")
        ):
            referral[slug] = tuple(zones)
    catalogue = clinic_catalogue(clinic_id)
    matches = []
    for slug, zones in referral.items():
        muscle = catalogue.get(slug)
        if muscle is None or not zones:
            continue
        for side in (Side.RIGHT, Side.LEFT) if muscle.paired else (None,):
            covered, score = [], 0.0
            for area in areas:
                if area.zone not in zones:
                    continue
                if area.side is not None and side is not None and area.side != side:
                    continue
                covered.append(area.key)
                score += 1.0 if zones[0] == area.zone else 0.6  # primary pattern, or spillover
            if covered:
                score += 0.1 / len(zones)  # a focused pattern is more telling
                matches.append(ReferralMatch(muscle, side, covered, score))
    return sorted(matches, key=lambda m: (-len(m.zones), -m.score, m.muscle.name, str(m.side)))


def parse_root_levels(levels: Iterable[str]) -> list[str]:
    """``C5``, or a range ``C5-C6`` (an en dash works too), in spinal order."""
    chosen: list[str] = []
    for text in levels:
        text = text.strip().upper().replace("–", "-")
        first, _sep, last = text.partition("-")
        for level in (first, last or first):
            if not ROOT_LEVEL.match(level):
                raise ValidationError(
                    {"levels": _("“%(l)s” is not a nerve root level (C1–S5).") % {"l": text[:20]}}
                )
        a, b = sorted((ROOT_ORDER.index(first), ROOT_ORDER.index(last or first)))
        chosen += [lvl for lvl in ROOT_ORDER[a : b + 1] if lvl not in chosen]
    return sorted(chosen, key=ROOT_ORDER.index)


def muscles_for_segment(levels: list[str], *, clinic_id: int | None = None) -> list[Muscle]:
    """Muscles supplied by any of these root levels, paraspinals first (Gunn IMS treats the
    segment's paraspinal muscles along with the limb muscles)."""
    wanted = set(levels)
    found = [m for m in clinic_catalogue(clinic_id).values() if wanted & set(m.root_levels)]
    return sorted(found, key=lambda m: (not m.paraspinal, m.name))
