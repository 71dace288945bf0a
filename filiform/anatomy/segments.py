"""The segment needled decides what lies under some muscles (``data/segments.json``).

Lumbar multifidus at T12 lies level with the lowest pleura; from L1 down it does not, and the
hazard is the spinal canal. The upper fibres of quadratus lumborum and iliocostalis lumborum at
the 12th rib and L1 lie over the pleura; lower down the hazard is the kidney. So for these
muscles an insertion records its vertebral level (typed, or taken from the trigger point tapped
on the chart), and the caution that applies is the one of that level's zone. Without a level
the muscle's catalogue caution is shown (the usual lumbar target), and charting asks for one.

Sources are named in each row of the data file.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from filiform.anatomy.catalogue import Muscle, muscle_catalogue
from filiform.anatomy.regions import Caution

DATA_FILE = Path(__file__).with_name("data") / "segments.json"


class Zone(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    levels: tuple[str, ...] = Field(min_length=1)
    caution: Caution


class SegmentedMuscle(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    muscle: str
    first: str = Field(alias="from")
    last: str = Field(alias="to")
    trigger_points: dict[str, str] = Field(default_factory=dict)
    zones: tuple[Zone, ...] = ()
    source: str = Field(min_length=20)


class Segments(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    levels: tuple[str, ...]
    muscles: tuple[SegmentedMuscle, ...]


@cache
def _segments() -> Segments:
    data = Segments.model_validate(json.loads(DATA_FILE.read_text(encoding="utf-8")))
    catalogue = muscle_catalogue()
    for row in data.muscles:
        if row.muscle not in catalogue:
            raise ValueError(f"segments.json names an unknown muscle: {row.muscle}")
        named = {row.first, row.last, *row.trigger_points.values()}
        named |= {level for zone in row.zones for level in zone.levels}
        unknown = named - set(data.levels)
        if unknown:
            raise ValueError(f"segments.json, {row.muscle}: unknown levels {sorted(unknown)}")
    return data


def vertebral_levels() -> tuple[str, ...]:
    """C1 … S1, head to tail."""
    return _segments().levels


def segmented(slug: str) -> SegmentedMuscle | None:
    """The muscle's segment data, when its hazards depend on the level needled."""
    return next((row for row in _segments().muscles if row.muscle == slug), None)


def levels_of(slug: str) -> tuple[str, ...]:
    """The levels a segmented muscle can be needled at (empty for other muscles)."""
    row = segmented(slug)
    if row is None:
        return ()
    levels = vertebral_levels()
    return levels[levels.index(row.first) : levels.index(row.last) + 1]


def level_of_trigger_point(slug: str, trigger_point: str) -> str:
    """The level of a shipped trigger point of a segmented muscle, or ""."""
    row = segmented(slug)
    return row.trigger_points.get(trigger_point, "") if row else ""


def caution_at(muscle: Muscle, level: str | None) -> Caution:
    """What lies under the muscle at this level: the zone's caution, else the catalogue's."""
    row = segmented(muscle.slug)
    if row is not None and level:
        for zone in row.zones:
            if level in zone.levels:
                return zone.caution
    return Caution(muscle.caution)
