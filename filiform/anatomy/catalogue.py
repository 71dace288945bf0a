"""The shipped muscle catalogue: ``data/muscles.json``, validated once and kept in memory.

Every muscle names its region, limb, whether it is paired, whether it can be compressed after
needling (the anticoagulant rule) and its caution level (the thorax rules). Screening rules,
clearance and charting read muscles only through :func:`muscle_catalogue` and :func:`muscle_get`.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from filiform.anatomy.regions import THORAX_CAUTIONS, Caution, Limb, Region

DATA_FILE = Path(__file__).with_name("data") / "muscles.json"
ROOT_LEVEL = re.compile(r"^(C[1-8]|T(1[0-2]|[1-9])|L[1-5]|S[1-5])$")


class Muscle(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    slug: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
    name: str
    synonyms: tuple[str, ...] = ()
    region: Region
    limb: Limb | None = None
    paired: bool = True
    root_levels: tuple[str, ...] = ()
    caution: Caution = Caution.NONE
    caution_note: str = ""
    max_depth_mm: float | None = None
    compressible: bool = True
    paraspinal: bool = False  # Gunn IMS treats the paraspinals of the same segment
    uberon: Annotated[str, Field(pattern=r"^UBERON:\d{7}$")] | None = None
    review_note: str = ""  # why a row marked ⚠ in the source was kept, changed or left open

    @field_validator("root_levels")
    @classmethod
    def _levels(cls, levels: tuple[str, ...]) -> tuple[str, ...]:
        bad = [level for level in levels if not ROOT_LEVEL.match(level)]
        if bad:
            raise ValueError(f"not nerve root levels: {', '.join(bad)}")
        return levels

    @property
    def over_thorax(self) -> bool:
        """Needling it risks the lung (pneumothorax): consent must cover the thorax risk."""
        return self.caution in THORAX_CAUTIONS


@cache
def muscle_catalogue() -> dict[str, Muscle]:
    rows = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    muscles = [Muscle.model_validate(row) for row in rows]
    catalogue = {m.slug: m for m in muscles}
    if len(catalogue) != len(muscles):
        raise ValueError("muscles.json repeats a slug")
    return catalogue


class UnknownMuscle(KeyError):
    pass


def clinic_catalogue(clinic_id: int | None) -> dict[str, Muscle]:
    """The shipped catalogue plus the clinic's own muscles (none when ``clinic_id`` is None)."""
    catalogue = muscle_catalogue()
    if clinic_id is None:
        return catalogue
    from filiform.anatomy.models import ClinicMuscle

    own = (
        ClinicMuscle.objects.of_clinic(clinic_id)
        .filter(active=True)
        .values_list("muscle", flat=True)
    )
    if not own:
        return catalogue
    return {**catalogue, **{m.slug: m for m in map(Muscle.model_validate, own)}}


def muscle_get(slug: str, *, clinic_id: int | None = None) -> Muscle:
    try:
        return muscle_catalogue()[slug]
    except KeyError:
        if clinic_id is not None and (muscle := clinic_catalogue(clinic_id).get(slug)):
            return muscle
        raise UnknownMuscle(slug) from None
