"""The capture forms of the outcome measures, one per instrument: the clinician's on the visit page
(tablet) and the patient's on the portal page use the same forms, so an item looks and reads the
same wherever it is answered.

A form only turns what was tapped or typed into the instrument's answers (``answers()``): the
ranges, the missing-item rules and the score are the scorer's (``instruments.score`` through the
services), whose refusals come back keyed by item ("items.2", "activities.0.rating") and are
put next to the field they concern with ``errors_from``. One set of rules, one set of messages.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from filiform.outcomes.instruments import SPECS, Instrument
from filiform.outcomes.rom import ROM_MOVEMENTS

NOT_ANSWERED = "na"
QUESTIONNAIRES = (Instrument.NDI, Instrument.ODI, Instrument.QUICKDASH, Instrument.LEFS)
PSFS_ROWS = 5
PPT_TRIALS = 3

SHORT_NAMES: dict[Instrument, Any] = {
    Instrument.NPRS: "NPRS",
    Instrument.PSFS: "PSFS",
    Instrument.NDI: "NDI",
    Instrument.ODI: "ODI",
    Instrument.QUICKDASH: "QuickDASH",
    Instrument.LEFS: "LEFS",
    Instrument.ROM: gettext_lazy("ROM"),
    Instrument.PPT: gettext_lazy("PPT"),
}


def short_name(instrument: Instrument | str) -> str:
    return str(SHORT_NAMES[Instrument(instrument)])


def json_number(value: Decimal) -> int | float:
    """A typed number as JSON can store it: whole numbers stay whole. The scorer reads a float
    through its shortest repr, so 4.1 stays exactly 4.1."""
    return int(value) if value == value.to_integral_value() else float(value)


class MeasureForm(forms.Form):
    """The common part: which instrument, its answers, and where a scorer's refusal goes."""

    instrument: Instrument
    kind = ""  # which part of _instrument_fields.html draws it

    def answers(self) -> dict[str, Any]:
        raise NotImplementedError

    def field_of(self, key: str) -> str | None:
        """The form field a scorer's error key ("items.2") belongs to; None: above the form."""
        return key if key in self.fields else None

    def errors_from(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for key, messages in error.message_dict.items():
            field = self.field_of(key)
            # a field already showing the form's own error keeps that one
            if field is not None and field not in self.errors:
                self.add_error(field, messages)
            elif field is None:
                self.add_error(None, messages)


def _scale(low: int, high: int) -> list[tuple[str, str]]:
    return [(str(n), str(n)) for n in range(low, high + 1)]


class NprsForm(MeasureForm):
    instrument = Instrument.NPRS
    kind = "nprs"

    rating = forms.ChoiceField(
        label=gettext_lazy("Pain right now"),
        help_text=gettext_lazy("0 means no pain, 10 the worst pain imaginable."),
        choices=_scale(0, 10),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose the pain rating, from 0 to 10."),
            "invalid_choice": gettext_lazy("Choose the pain rating, from 0 to 10."),
        },
    )

    def answers(self) -> dict[str, Any]:
        return {"rating": int(self.cleaned_data["rating"])}


class PsfsForm(MeasureForm):
    """3 to 5 activities the patient chose, each rated 0 to 10. The names come pre-filled with
    the activities of the previous PSFS of the episode: the scale follows the same activities
    over time, so they are kept unless the patient changes them."""

    instrument = Instrument.PSFS
    kind = "psfs"

    def __init__(
        self, data: Any = None, *, activities: list[str] | None = None, prefix: str | None = None
    ) -> None:
        initial = {
            f"name_{number}": name
            for number, name in enumerate((activities or [])[:PSFS_ROWS], start=1)
        }
        super().__init__(data, initial=initial, prefix=prefix)
        for number in range(1, PSFS_ROWS + 1):
            self.fields[f"name_{number}"] = forms.CharField(
                label=_("Activity %(n)d") % {"n": number},
                required=False,
                max_length=200,
            )
            self.fields[f"rating_{number}"] = forms.ChoiceField(
                label=_("Activity %(n)d: how well, 0 to 10") % {"n": number},
                required=False,
                choices=[("", "—"), *_scale(0, 10)],
            )
        self.rows = [
            (self[f"name_{number}"], self[f"rating_{number}"]) for number in range(1, PSFS_ROWS + 1)
        ]
        self._positions: list[int] = []  # row number of each activity sent to the scorer

    def answers(self) -> dict[str, Any]:
        activities: list[dict[str, Any]] = []
        self._positions = []
        for number in range(1, PSFS_ROWS + 1):
            name = self.cleaned_data.get(f"name_{number}", "").strip()
            rating = self.cleaned_data.get(f"rating_{number}", "")
            if not name and rating in ("", None):
                continue
            activity: dict[str, Any] = {"name": name}
            if rating not in ("", None):
                activity["rating"] = int(rating)
            activities.append(activity)
            self._positions.append(number)
        return {"activities": activities}

    def field_of(self, key: str) -> str | None:
        parts = key.split(".")
        if parts[0] == "activities" and len(parts) >= 2 and parts[1].isdigit():
            position = int(parts[1])
            if position < len(self._positions):
                number = self._positions[position]
                return f"rating_{number}" if parts[-1] == "rating" else f"name_{number}"
        return None


class QuestionnaireForm(MeasureForm):
    """A fixed-length questionnaire (NDI, ODI, QuickDASH, LEFS): one row of answers per item,
    plus an explicit "not answered" so that a skipped item is a choice, never a slip. The item
    labels are the clinic's licensed wording where it was loaded, else "Item N"."""

    kind = "questionnaire"

    def __init__(
        self,
        *args: Any,
        instrument: Instrument,
        labels: tuple[str, ...],
        not_answered: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        spec = SPECS[instrument]
        assert spec.items is not None
        assert spec.item_min is not None
        assert spec.item_max is not None
        self.scale = [str(n) for n in range(spec.item_min, spec.item_max + 1)]
        skip = not_answered or _("Not answered")
        missing = _("Choose an answer, or “%(skip)s”.") % {"skip": skip}
        for number in range(1, spec.items + 1):
            self.fields[f"item_{number}"] = forms.ChoiceField(
                label=labels[number - 1] if number <= len(labels) else f"Item {number}",
                choices=[*_scale(spec.item_min, spec.item_max), (NOT_ANSWERED, skip)],
                widget=forms.RadioSelect,
                error_messages={"required": missing, "invalid_choice": missing},
            )
        self.items = [self[f"item_{number}"] for number in range(1, spec.items + 1)]

    def answers(self) -> dict[str, Any]:
        values = [self.cleaned_data[f"item_{n}"] for n in range(1, len(self.items) + 1)]
        return {"items": [None if v == NOT_ANSWERED else int(v) for v in values]}

    def field_of(self, key: str) -> str | None:
        parts = key.split(".")
        if parts[0] == "items" and len(parts) == 2 and parts[1].isdigit():
            return f"item_{int(parts[1]) + 1}"
        return None


def _movement_label(label: str, normal: Decimal | None) -> str:
    if normal is None:
        return _("%(movement)s (no single normal range)") % {"movement": _(label)}
    return _("%(movement)s (normal 0–%(normal)s°)") % {"movement": _(label), "normal": normal}


class RomForm(MeasureForm):
    instrument = Instrument.ROM
    kind = "rom"

    movement = forms.ChoiceField(label=gettext_lazy("Joint and movement"))
    side = forms.ChoiceField(
        label=gettext_lazy("Side"),
        required=False,
        choices=[
            ("", gettext_lazy("— (flexion or extension of the spine)")),
            ("left", gettext_lazy("Left")),
            ("right", gettext_lazy("Right")),
        ],
        help_text=gettext_lazy("Paired joints, spine rotation and side bending need a side."),
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Measured"),
        choices=[("active", gettext_lazy("Active")), ("passive", gettext_lazy("Passive"))],
        widget=forms.RadioSelect,
        initial="active",
    )
    degrees = forms.DecimalField(
        label=gettext_lazy("Degrees"),
        max_digits=5,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["movement"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[
                (f"{joint}/{movement}", _movement_label(label, normal))
                for joint, movement, label, normal, _limit, _sided in ROM_MOVEMENTS
            ],
        ]

    def answers(self) -> dict[str, Any]:
        joint, _slash, movement = self.cleaned_data["movement"].partition("/")
        return {
            "joint": joint,
            "movement": movement,
            "side": self.cleaned_data["side"],
            "mode": self.cleaned_data["mode"],
            "degrees": json_number(self.cleaned_data["degrees"]),
        }

    def field_of(self, key: str) -> str | None:
        return {"joint": "movement", "movement": "movement"}.get(key) or super().field_of(key)


class PptForm(MeasureForm):
    instrument = Instrument.PPT
    kind = "ppt"

    site = forms.CharField(
        label=gettext_lazy("Site"),
        max_length=100,
        help_text=gettext_lazy("Where the algometer was placed, e.g. right upper trapezius."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number in range(1, PPT_TRIALS + 1):
            self.fields[f"trial_{number}"] = forms.DecimalField(
                label=_("Trial %(n)d (kg/cm²)") % {"n": number},
                max_digits=5,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
            )
        self.trials = [self[f"trial_{n}"] for n in range(1, PPT_TRIALS + 1)]

    def answers(self) -> dict[str, Any]:
        return {
            "site": self.cleaned_data["site"],
            "trials": [
                json_number(self.cleaned_data[f"trial_{n}"]) for n in range(1, PPT_TRIALS + 1)
            ],
        }

    def field_of(self, key: str) -> str | None:
        parts = key.split(".")
        if parts[0] == "trials" and len(parts) == 2 and parts[1].isdigit():
            return f"trial_{int(parts[1]) + 1}"
        return super().field_of(key)


def measure_form(
    instrument: Instrument,
    data: Any = None,
    *,
    labels: tuple[str, ...] = (),
    activities: list[str] | None = None,
    prefix: str | None = None,
    not_answered: str = "",
) -> MeasureForm:
    """The capture form of one instrument (bound when ``data`` is given)."""
    if instrument in QUESTIONNAIRES:
        return QuestionnaireForm(
            data,
            instrument=instrument,
            labels=labels,
            not_answered=not_answered,
            prefix=prefix,
        )
    if instrument == Instrument.PSFS:
        return PsfsForm(data, activities=activities, prefix=prefix)
    simple: dict[Instrument, type[MeasureForm]] = {
        Instrument.NPRS: NprsForm,
        Instrument.ROM: RomForm,
        Instrument.PPT: PptForm,
    }
    return simple[instrument](data, prefix=prefix)
