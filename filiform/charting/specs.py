"""The needling record's specs: a session, an insertion, an adverse event, each with its limits
stated once (``filiform/specs.py`` says how the API, the pages and the services use them).

The limits bound what can be typed. The clinical rules that need the patient's record stay in
the services: the clearance of each muscle, the per-muscle depth limits
(``anatomy/depth_limits.py``, with their sources), the needle stock, the catalogue. No external
standard sets the ranges below; they are the ranges a clinician can mean, beyond which a value
is a typing error (a hundred needles at one site, a six-hour retention).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import Field, ValidationInfo, field_validator

from filiform.anatomy.depth_limits import Approach
from filiform.anatomy.segments import vertebral_levels
from filiform.api_types import Text
from filiform.charting.codes import (
    NEEDLE_DIAMETERS_MM,
    NEEDLE_LENGTHS_MM,
    AdverseEventType,
    Position,
    Retest,
    SessionMode,
    Severity,
    Technique,
    Timing,
    Tolerance,
    Twitch,
)
from filiform.fhir_types import Quantity
from filiform.specs import Refused, Spec

MAX_ID = 2**62

# Needles: the sizes stocked (charting/codes.py) and how many go in at one site.
THINNEST_NEEDLE_MM = Decimal(NEEDLE_DIAMETERS_MM[0])
THICKEST_NEEDLE_MM = Decimal(NEEDLE_DIAMETERS_MM[-1])
SHORTEST_NEEDLE_MM = NEEDLE_LENGTHS_MM[0]
LONGEST_NEEDLE_MM = NEEDLE_LENGTHS_MM[-1]
NEEDLES_PER_SITE = (1, 50)
# Needles opened, and removed, in one session: four times the most a session has needed.
MOST_NEEDLES_IN_A_SESSION = 200
# Depth: through the skin at least; never beyond the needle (the muscle's own safe maximum is
# the depth rule's, anatomy/depth_limits.py).
SHALLOWEST_DEPTH_MM = Decimal("0.5")
# Electrical stimulation through the needles: the settings of the stimulators in clinic use.
ESTIM_FREQUENCY_HZ = (Decimal("0.5"), Decimal("250"))
ESTIM_INTENSITY_MA = (Decimal("0.1"), Decimal("100"))
ESTIM_MINUTES = (1, 60)
LONGEST_RETENTION_SECONDS = 3600  # an hour
MOST_TWITCHES_COUNTED = 500
# Text: the columns' lengths (PostgreSQL refuses longer text).
MUSCLE_SLUG = 60
SIDE = 8
TRIGGER_POINT = 30
LEVEL = 3
SHORT_NOTE = 200
JUSTIFICATION = 500
EVENT_TEXT = 500

ESTIM_FIELDS = ("estim_frequency_hz", "estim_intensity_ma", "estim_minutes")


def _needle_sizes() -> dict[str, Any]:
    return {
        "d": ", ".join(NEEDLE_DIAMETERS_MM),
        "l": ", ".join(map(str, NEEDLE_LENGTHS_MM)),
    }


class SessionSpec(Spec):
    """Starting the needling: the patient's position, the mode, whose needle stock."""

    position: Position
    mode: SessionMode = SessionMode.DRY_NEEDLING
    location_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="Whose needle stock to use (default: the first location)",
    )

    messages: ClassVar[dict[str, Any]] = {
        "position": gettext_lazy("Record the patient's position."),
        "mode": gettext_lazy("Choose dry needling or Gunn IMS."),
        "location_id": gettext_lazy("Choose one of the clinic's open locations."),
    }


class InsertionSpec(Spec):
    """One insertion as charted. Field order matters: the depth is checked against the
    needle's length, and the stimulation settings against the technique, read before them."""

    muscle: Text = Field(..., min_length=1, max_length=MUSCLE_SLUG, description="Catalogue slug")
    side: Text = Field(
        default="", max_length=SIDE, description="left, right, or empty for a midline muscle"
    )
    trigger_point: Text = Field(default="", max_length=TRIGGER_POINT)
    needle_diameter_mm: Decimal = Field(
        ...,
        ge=THINNEST_NEEDLE_MM,
        le=THICKEST_NEEDLE_MM,
        description="0.16 to 0.35",
    )
    needle_length_mm: int = Field(
        ...,
        ge=SHORTEST_NEEDLE_MM,
        le=LONGEST_NEEDLE_MM,
        description="13, 15, 25, … 90",
    )
    needle_count: int = Field(default=1, ge=NEEDLES_PER_SITE[0], le=NEEDLES_PER_SITE[1])
    depth_mm: Decimal = Field(
        ...,
        ge=SHALLOWEST_DEPTH_MM,
        le=LONGEST_NEEDLE_MM,
    )
    approach: Approach | Literal[""] = Field(
        default="",
        description="How the needle was aimed; empty = not recorded, judged as perpendicular "
        "(the strictest) by the depth limits",
    )
    level: Text = Field(
        default="",
        max_length=LEVEL,
        description="Vertebral level (C1…S1); required for muscles whose hazards change with "
        "the level (lumbar multifidus, quadratus lumborum, …) unless the trigger point gives it",
    )
    technique: Technique = Technique.STATIC
    estim_frequency_hz: Decimal | None = Field(
        default=None, ge=ESTIM_FREQUENCY_HZ[0], le=ESTIM_FREQUENCY_HZ[1], validate_default=True
    )
    estim_intensity_ma: Decimal | None = Field(
        default=None, ge=ESTIM_INTENSITY_MA[0], le=ESTIM_INTENSITY_MA[1], validate_default=True
    )
    estim_minutes: int | None = Field(
        default=None, ge=ESTIM_MINUTES[0], le=ESTIM_MINUTES[1], validate_default=True
    )
    retention_seconds: int = Field(default=0, ge=0, le=LONGEST_RETENTION_SECONDS)
    twitch: Twitch = Twitch.NOT_RECORDED
    twitch_count: int | None = Field(default=None, ge=0, le=MOST_TWITCHES_COUNTED)
    referred_pain: bool = False
    referred_pain_where: Text = Field(default="", max_length=SHORT_NOTE)
    tolerance: Tolerance = Tolerance.NOT_RECORDED
    retest: Retest = Retest.NOT_TESTED
    retest_note: Text = Field(default="", max_length=SHORT_NOTE)
    justification: Text = Field(
        default="",
        max_length=JUSTIFICATION,
        description="Required for a muscle the clearance marks as caution",
    )
    lot_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="Needle lot; left out, the earliest-expiring usable lot of that size is used",
    )

    unknown_fields: ClassVar[Any] = gettext_lazy("Unknown insertion fields: %(f)s")
    messages: ClassVar[dict[str, Any]] = {
        "muscle": gettext_lazy("Choose the muscle: tap it on the chart or find it by name."),
        "needle_diameter_mm:missing": gettext_lazy("Choose the needle diameter."),
        "needle_diameter_mm": lambda: _("Needle diameters are %(d)s mm.") % _needle_sizes(),
        "needle_length_mm": lambda: _("Needle lengths are %(l)s mm.") % _needle_sizes(),
        "needle_count": lambda: (
            _("Needles at this site: %(a)d to %(b)d.")
            % {"a": NEEDLES_PER_SITE[0], "b": NEEDLES_PER_SITE[1]}
        ),
        "depth_mm": gettext_lazy("Record the depth in millimetres."),
        "depth_mm:greater_than_equal": gettext_lazy(
            "The depth is between 0.5 mm and the needle's length."
        ),
        "depth_mm:less_than_equal": gettext_lazy(
            "The depth is between 0.5 mm and the needle's length."
        ),
        "approach": gettext_lazy("Choose how the needle was aimed."),
        "technique": gettext_lazy("Choose a technique."),
        "estim_frequency_hz": gettext_lazy("Frequency 0.5 to 250 Hz, intensity 0.1 to 100 mA."),
        "estim_intensity_ma": gettext_lazy("Frequency 0.5 to 250 Hz, intensity 0.1 to 100 mA."),
        "estim_minutes": gettext_lazy("Electrical stimulation lasts 1 to 60 minutes."),
        "retention_seconds": gettext_lazy("Retention is 0 to 3600 seconds."),
        "twitch": gettext_lazy("Twitch responses: not recorded, none, a few or many."),
        "twitch_count": gettext_lazy("Twitch count is 0 to 500."),
        "tolerance": gettext_lazy("Tolerance: not recorded, good, fair or poor."),
        "retest": gettext_lazy("Re-test: better, same, worse or not tested."),
        "lot_id": gettext_lazy("Choose a needle lot."),
    }

    @field_validator("needle_diameter_mm")
    @classmethod
    def _stocked_diameter(cls, value: Decimal) -> Decimal:
        if f"{value:.2f}" not in NEEDLE_DIAMETERS_MM:
            raise ValueError(_("Needle diameters are %(d)s mm.") % _needle_sizes())
        return value.quantize(Decimal("0.01"))

    @field_validator("needle_length_mm")
    @classmethod
    def _stocked_length(cls, value: int) -> int:
        if value not in NEEDLE_LENGTHS_MM:
            raise ValueError(_("Needle lengths are %(l)s mm.") % _needle_sizes())
        return value

    @field_validator("depth_mm")
    @classmethod
    def _within_the_needle(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        length = info.data.get("needle_length_mm")
        if length is not None and value > length:
            raise ValueError(
                _("The depth is between 0.5 mm and the needle's length (%(l)d mm).") % {"l": length}
            )
        return value.quantize(Decimal("0.1"))

    @field_validator("level")
    @classmethod
    def _a_vertebra(cls, value: str) -> str:
        level = value.upper()
        if level and level not in vertebral_levels():
            raise ValueError(_("The level is a vertebra, C1 to S1 (e.g. L4)."))
        return level

    @field_validator(*ESTIM_FIELDS)
    @classmethod
    def _stimulation_needs_its_settings(
        cls, value: Decimal | int | None, info: ValidationInfo
    ) -> Decimal | int | None:
        technique = info.data.get("technique")
        if technique is None:  # the technique itself was refused
            return value
        if technique != Technique.ELECTRICAL:
            if value is not None:
                raise Refused(
                    _(
                        "Frequency, intensity and duration are for electrical stimulation: choose that technique or leave them out."
                    ),
                    field="technique",
                )
            return value
        if value is None:
            raise ValueError(
                {
                    "estim_frequency_hz": _("Electrical stimulation needs its frequency (Hz)."),
                    "estim_intensity_ma": _("Electrical stimulation needs its intensity (mA)."),
                    "estim_minutes": _("Electrical stimulation lasts 1 to 60 minutes."),
                }[str(info.field_name)]
            )
        return value

    def needle_length(self) -> Quantity:
        """The needle's length as FHIR has it (a Procedure's device, a UCUM quantity)."""
        return Quantity.of(self.needle_length_mm, "mm")

    def needle_diameter(self) -> Quantity:
        return Quantity.of(self.needle_diameter_mm, "mm")

    def depth(self) -> Quantity:
        return Quantity.of(self.depth_mm, "mm")


class NeedleCountSpec(Spec):
    """The explicit count: needles opened (inserted) and removed into the sharps container."""

    opened: int = Field(
        ..., ge=0, le=MOST_NEEDLES_IN_A_SESSION, description="Needles opened (inserted)"
    )
    removed: int = Field(
        ..., ge=0, le=MOST_NEEDLES_IN_A_SESSION, description="Needles removed and disposed of"
    )

    messages: ClassVar[dict[str, Any]] = {
        "opened": lambda: _("Count 0 to %(n)d needles.") % {"n": MOST_NEEDLES_IN_A_SESSION},
        "removed": lambda: _("Count 0 to %(n)d needles.") % {"n": MOST_NEEDLES_IN_A_SESSION},
    }


class AdverseEventSpec(Spec):
    """An adverse event on the severity scale of White et al. (charting/codes.py)."""

    kind: AdverseEventType
    severity: Severity
    timing: Timing
    detail: Text = Field(default="", max_length=EVENT_TEXT)
    muscle: Text = Field(default="", max_length=MUSCLE_SLUG)
    side: Text = Field(default="", max_length=SIDE)  # left, right, or empty for midline
    action_taken: Text = Field(default="", max_length=EVENT_TEXT)
    follow_up: Text = Field(default="", max_length=EVENT_TEXT)
    reported_to: Text = Field(default="", max_length=SHORT_NOTE)

    messages: ClassVar[dict[str, Any]] = {
        "kind": gettext_lazy("Choose the type of event."),
        "severity": gettext_lazy("Choose mild, significant or serious."),
        "timing": gettext_lazy("Did it happen during or after treatment?"),
    }

    @field_validator("side")
    @classmethod
    def _left_or_right(cls, value: str) -> str:
        if value not in ("", "left", "right"):
            raise ValueError(_("The side is left or right (or empty for midline)."))
        return value
