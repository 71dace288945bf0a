"""Range of motion: the joints and movements Filiform records, their normal adult range where a
single value is commonly cited, and an anatomical limit beyond which a value is refused.

Normal ranges are facts, not copied text: the adult values commonly cited by the AAOS and the
AMA Guides. Where those sources disagree or depend on the method (the lumbar and thoracic
spine, ankle inversion and eversion), ``normal_max`` is None rather than a guess.

The LIMIT is not a judgement about mobility: it only catches impossible numbers (150 typed as
1500, a value entered in the wrong field). Each limit is our own generous ceiling, at least 30°
above the normal maximum and more where healthy or hypermobile adults are known to exceed the
textbook value (the cervical spine of young adults, a thrower's shoulder external rotation).
A real measurement refused by a limit is a bug to report, not a patient to doubt.

All values are degrees measured from the anatomical zero position in the movement's own
direction, so they are never negative (a knee lacking extension is recorded as knee flexion
range, not as a negative extension).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_noop as N_


@dataclass(frozen=True)
class RomMovement:
    joint: str
    movement: str
    label: str  # English, marked for translation (gettext at display time)
    normal_max: Decimal | None
    limit: Decimal
    sided: bool  # needs side "left"/"right"; False: side must be ""


# Paired joints always need a side. In the spine, flexion and extension take side "" and
# rotation and lateral flexion take the direction ("left" or "right").
_TABLE: tuple[tuple[str, str, str, int | None, int, bool], ...] = (
    ("cervical", "flexion", N_("Neck flexion"), 50, 90, False),
    ("cervical", "extension", N_("Neck extension"), 60, 120, False),
    ("cervical", "lateral_flexion", N_("Neck side bending"), 45, 90, True),
    ("cervical", "rotation", N_("Neck rotation"), 80, 120, True),
    ("thoracic", "rotation", N_("Thoracic rotation"), None, 90, True),
    ("lumbar", "flexion", N_("Lumbar flexion"), None, 120, False),
    ("lumbar", "extension", N_("Lumbar extension"), None, 60, False),
    ("lumbar", "lateral_flexion", N_("Lumbar side bending"), None, 60, True),
    ("shoulder", "flexion", N_("Shoulder flexion"), 180, 210, True),
    ("shoulder", "extension", N_("Shoulder extension"), 60, 100, True),
    ("shoulder", "abduction", N_("Shoulder abduction"), 180, 210, True),
    ("shoulder", "external_rotation", N_("Shoulder external rotation"), 90, 150, True),
    ("shoulder", "internal_rotation", N_("Shoulder internal rotation"), 70, 120, True),
    ("elbow", "flexion", N_("Elbow flexion"), 150, 180, True),
    ("forearm", "pronation", N_("Forearm pronation"), 80, 120, True),
    ("forearm", "supination", N_("Forearm supination"), 80, 120, True),
    ("wrist", "flexion", N_("Wrist flexion"), 80, 120, True),
    ("wrist", "extension", N_("Wrist extension"), 70, 110, True),
    ("wrist", "radial_deviation", N_("Wrist radial deviation"), 20, 50, True),
    ("wrist", "ulnar_deviation", N_("Wrist ulnar deviation"), 30, 70, True),
    ("hip", "flexion", N_("Hip flexion"), 120, 160, True),
    ("hip", "extension", N_("Hip extension"), 30, 60, True),
    ("hip", "abduction", N_("Hip abduction"), 45, 100, True),
    ("hip", "adduction", N_("Hip adduction"), 30, 60, True),
    ("hip", "external_rotation", N_("Hip external rotation"), 45, 90, True),
    ("hip", "internal_rotation", N_("Hip internal rotation"), 45, 90, True),
    ("knee", "flexion", N_("Knee flexion"), 135, 170, True),
    ("ankle", "dorsiflexion", N_("Ankle dorsiflexion"), 20, 60, True),
    ("ankle", "plantarflexion", N_("Ankle plantarflexion"), 50, 90, True),
    ("ankle", "inversion", N_("Ankle inversion"), None, 70, True),
    ("ankle", "eversion", N_("Ankle eversion"), None, 50, True),
)

MOVEMENTS: dict[tuple[str, str], RomMovement] = {
    (joint, movement): RomMovement(
        joint=joint,
        movement=movement,
        label=label,
        normal_max=None if normal is None else Decimal(normal),
        limit=Decimal(limit),
        sided=sided,
    )
    for joint, movement, label, normal, limit, sided in _TABLE
}

# For forms: (joint, movement, label, normal_max or None, limit, sided), in table order.
ROM_MOVEMENTS: list[tuple[str, str, str, Decimal | None, Decimal, bool]] = [
    (m.joint, m.movement, m.label, m.normal_max, m.limit, m.sided) for m in MOVEMENTS.values()
]

JOINTS: tuple[str, ...] = tuple(dict.fromkeys(joint for joint, *_ in _TABLE))

# The widest limit: the top of the ROM instrument's range.
MAX_LIMIT: Decimal = max(m.limit for m in MOVEMENTS.values())


def movements_of(joint: str) -> tuple[str, ...]:
    return tuple(m.movement for m in MOVEMENTS.values() if m.joint == joint)


def rom_movement(joint: str, movement: str) -> RomMovement | None:
    return MOVEMENTS.get((joint, movement))
