"""The charting pages' forms. They only parse what was typed into the types the services take:
an insertion and an adverse event into their specs (``charting/specs.py``), whose limits are
the API's and the services' too (the forms state none of their own). Every clinical rule
(clearance, depth, counts, locking) stays in ``visits`` and ``needling``; the refusals of the
spec and of the services are put back on these forms by :func:`errors_onto`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from filiform.anatomy.catalogue import Muscle, clinic_catalogue
from filiform.anatomy.depth_limits import Approach
from filiform.anatomy.regions import Region, Side
from filiform.anatomy.segments import vertebral_levels
from filiform.charting.codes import (
    NEEDLE_DIAMETERS_MM,
    NEEDLE_LENGTHS_MM,
    AdverseEventType,
    PlanComponent,
    Position,
    Retest,
    SessionMode,
    Severity,
    Technique,
    Timing,
    Tolerance,
    Twitch,
)
from filiform.charting.models import NoteTemplate
from filiform.charting.specs import (
    ESTIM_FIELDS,
    EVENT_TEXT,
    JUSTIFICATION,
    SHORT_NOTE,
    TRIGGER_POINT,
    InsertionSpec,
    NeedleCountSpec,
)
from filiform.charting.visits import MAX_NOTE
from filiform.specs import html_limits

IMS_TECHNIQUES = (Technique.PISTONING, Technique.STATIC)
NOTE_ROWS = 3


def _choices(form: forms.Form, name: str, choices: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _note_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": NOTE_ROWS}),
    )


class NoteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    subjective = _note_field(_("Subjective"))
    objective = _note_field(_("Objective"))
    assessment = _note_field(_("Assessment"))
    plan = _note_field(_("Plan"))

    def note(self) -> dict[str, str]:
        return {k: self.cleaned_data[k] for k in ("subjective", "objective", "assessment", "plan")}


class VisitNewForm(forms.Form):
    episode = forms.TypedChoiceField(label=_("Episode of care"), coerce=int)
    template = forms.TypedChoiceField(
        label=_("Start the note from a template"), coerce=int, required=False, empty_value=None
    )

    def __init__(
        self, *args: Any, episodes: list[Any], templates: list[NoteTemplate], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "episode", [(e.pk, str(e)) for e in episodes])
        _choices(self, "template", [("", _("No template")), *template_choices(templates)])


def template_choices(templates: list[NoteTemplate]) -> list[tuple[int, str]]:
    return [(t.pk, f"{t.name} ({_('mine') if t.owner_id else _('clinic')})") for t in templates]


class TemplatePickForm(forms.Form):
    prefix = "tpl"
    template = forms.TypedChoiceField(label=_("Start from template"), coerce=int)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, templates: list[NoteTemplate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "template", template_choices(templates))


class NoteTemplateForm(forms.ModelForm):
    clinic_wide = forms.BooleanField(
        label=_("For the whole clinic (every clinician can use it)"), required=False
    )

    class Meta:
        model = NoteTemplate
        fields = ("name", "subjective", "objective", "assessment", "plan")
        labels = {
            "subjective": _("Subjective"),
            "objective": _("Objective"),
            "assessment": _("Assessment"),
            "plan": _("Plan"),
        }
        widgets = {
            k: forms.Textarea(attrs={"rows": NOTE_ROWS})
            for k in ("subjective", "objective", "assessment", "plan")
        }

    def __init__(self, *args: Any, may_share: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_share:
            del self.fields["clinic_wide"]


class PlanForm(forms.Form):
    goals = forms.CharField(label=_("Goals"), widget=forms.Textarea(attrs={"rows": 2}))
    components = forms.MultipleChoiceField(
        label=_("Planned components"),
        choices=PlanComponent.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    frequency = forms.CharField(
        label=_("Frequency"), required=False, max_length=100, help_text=_("e.g. twice a week")
    )
    expected_weeks = forms.IntegerField(label=_("Expected duration (weeks)"), required=False)


class SessionStartForm(forms.Form):
    position = forms.ChoiceField(
        label=_("Patient position"), choices=[("", "—"), *Position.choices]
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=SessionMode.choices,
        initial=SessionMode.DRY_NEEDLING,
        widget=forms.RadioSelect,
    )


def _int(label: Any, name: str) -> forms.IntegerField:
    """A whole number the spec bounds; the browser is told the bounds, the spec checks them."""
    widget = forms.NumberInput(attrs=html_limits(InsertionSpec, name))
    return forms.IntegerField(label=label, required=False, widget=widget)


def _decimal(label: Any, name: str, step: str) -> forms.DecimalField:
    widget = forms.NumberInput(attrs={"step": step, **html_limits(InsertionSpec, name)})
    return forms.DecimalField(label=label, required=False, widget=widget)


def _text(label: Any, max_length: int = 200) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=max_length)


class InsertionForm(forms.Form):
    """One insertion. Only types here: the service decides what is allowed (its messages are the
    ones the clinician reads). In a Gunn IMS session the count is one needle and the retention 0
    (hidden), and the technique is static or pistoning."""

    muscle = forms.ChoiceField(
        label=_("Muscle"),
        error_messages={
            "required": _("Choose the muscle: tap it on the chart or find it by name.")
        },
    )
    side = forms.ChoiceField(
        label=_("Side"),
        required=False,
        choices=[*Side.choices, ("", _("Midline"))],
        widget=forms.RadioSelect,
    )
    trigger_point = forms.CharField(
        label=_("Trigger point"), required=False, max_length=TRIGGER_POINT
    )
    depth_mm = _decimal(_("Depth (mm)"), "depth_mm", "0.1")
    approach = forms.ChoiceField(
        label=_("Approach"),
        required=False,
        choices=[("", _("Not recorded (judged as straight in)")), *Approach.choices],
    )
    level = forms.ChoiceField(
        label=_("Vertebral level"),
        required=False,
        choices=[("", _("— (from the trigger point)")), *((v, v) for v in vertebral_levels())],
    )
    needle_diameter_mm = forms.ChoiceField(
        label=_("Needle diameter (mm)"), choices=[(d, d) for d in NEEDLE_DIAMETERS_MM]
    )
    needle_length_mm = forms.TypedChoiceField(
        label=_("Needle length (mm)"), coerce=int, choices=[(n, n) for n in NEEDLE_LENGTHS_MM]
    )
    needle_count = _int(_("Needles at this site"), "needle_count")
    technique = forms.ChoiceField(label=_("Technique"), choices=Technique.choices)
    estim_frequency_hz = _decimal(_("Frequency (Hz)"), "estim_frequency_hz", "0.1")
    estim_intensity_ma = _decimal(_("Intensity (mA)"), "estim_intensity_ma", "0.1")
    estim_minutes = _int(_("Duration (minutes)"), "estim_minutes")
    retention_seconds = _int(_("Retention (seconds)"), "retention_seconds")
    twitch = forms.ChoiceField(
        label=_("Local twitch responses"), choices=Twitch.choices, initial=Twitch.NOT_RECORDED
    )
    twitch_count = _int(_("Twitch count"), "twitch_count")
    referred_pain = forms.BooleanField(label=_("Referred pain reproduced"), required=False)
    referred_pain_where = _text(_("Where it referred"), SHORT_NOTE)
    tolerance = forms.ChoiceField(
        label=_("Patient tolerance"), choices=Tolerance.choices, initial=Tolerance.NOT_RECORDED
    )
    retest = forms.ChoiceField(
        label=_("Re-test"), choices=Retest.choices, initial=Retest.NOT_TESTED
    )
    retest_note = _text(_("Re-test note"), SHORT_NOTE)
    justification = forms.CharField(
        label=_("Clinical justification"),
        required=False,
        max_length=JUSTIFICATION,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    lot_id = forms.TypedChoiceField(
        label=_("Needle lot"), required=False, coerce=int, empty_value=None
    )

    def __init__(
        self,
        *args: Any,
        muscles: dict[str, Muscle],
        ims: bool = False,
        lots: list[tuple[int, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.ims = ims
        self.muscles = muscles
        if lots:
            _choices(self, "lot_id", [("", _("Automatic: the lot that expires first")), *lots])
        else:
            del self.fields["lot_id"]
        _choices(self, "muscle", [("", "—"), *((m.slug, m.name) for m in muscles.values())])
        if ims:
            _choices(self, "technique", [(t.value, t.label) for t in IMS_TECHNIQUES])
            self.fields["needle_count"].widget = forms.HiddenInput()
            self.fields["retention_seconds"].widget = forms.HiddenInput()
        self.needs_justification = False
        self.justification_reasons: list[str] = []
        self.clearance_reasons: list[str] = []

    def typed(self) -> dict[str, Any]:
        """What was typed, as the spec's fields: unset optional numbers are left out (a
        favourite keeps only these)."""
        data = dict(self.cleaned_data)
        if self.ims:
            data["needle_count"], data["retention_seconds"] = 1, 0
        if data.get("technique") != Technique.ELECTRICAL:
            for name in ESTIM_FIELDS:
                data.pop(name, None)
        out: dict[str, Any] = {}
        for name, value in data.items():
            if value is None or value == "":
                if name in ("muscle", "side", "depth_mm"):
                    out[name] = value or ""
                continue
            out[name] = value
        return out

    def insertion(self) -> InsertionSpec:
        """The insertion as its spec: refused (``ValidationError`` by field, put back on the
        form by :func:`insertion_errors_onto`) with the limits the API and the service use."""
        return InsertionSpec.parse(self.typed())

    @property
    def chosen(self) -> Muscle | None:
        slug = self["muscle"].value()
        return self.muscles.get(str(slug)) if slug else None


def favourite_data(insertion: dict[str, Any]) -> dict[str, Any]:
    """An insertion as JSON for a favourite: decimals as text, no justification (that is
    written for one patient on one day, never reused)."""
    return {
        k: str(v) if isinstance(v, Decimal) else v
        for k, v in insertion.items()
        if k != "justification" and v not in ("", None)
    }


class FavouriteForm(forms.Form):
    favourite_name = forms.CharField(label=_("Favourite's name"), required=False, max_length=80)


def _count(label: Any, name: str) -> forms.IntegerField:
    widget = forms.NumberInput(attrs=html_limits(NeedleCountSpec, name))
    return forms.IntegerField(label=label, widget=widget)


class NeedleCountForm(forms.Form):
    """The count; its limits are :class:`NeedleCountSpec`'s, checked by the service."""

    opened = _count(_("Needles opened (inserted)"), "opened")
    removed = _count(_("Needles removed and in the sharps container"), "removed")


class IncidentForm(forms.Form):
    prefix = "incident"
    description = forms.CharField(
        label=_("What happened"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    action_taken = forms.CharField(
        label=_("Action taken (room searched, patient told, …)"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AdverseEventForm(forms.Form):
    prefix = "ae"
    kind = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *AdverseEventType.choices])
    detail = _text(_("What happened"), EVENT_TEXT)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, widget=forms.RadioSelect
    )
    timing = forms.ChoiceField(label=_("When"), choices=Timing.choices, widget=forms.RadioSelect)
    muscle = forms.ChoiceField(label=_("Muscle (if any)"), required=False)
    side = forms.ChoiceField(label=_("Side"), required=False, choices=[("", "—"), *Side.choices])
    action_taken = _text(_("Action taken"), EVENT_TEXT)
    follow_up = _text(_("Follow-up"), EVENT_TEXT)
    reported_to = _text(_("Reported to"), SHORT_NOTE)

    def __init__(self, *args: Any, muscles: dict[str, Muscle], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "muscle", [("", "—"), *((m.slug, m.name) for m in muscles.values())])


class SignForm(forms.Form):
    no_assessment_reason = forms.CharField(
        label=_("No assessment? Say why"),
        help_text=_("Needed only when the note has no assessment."),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AddendumForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
    text = forms.CharField(label=_("Addendum"), widget=forms.Textarea(attrs={"rows": 4}))


class EnteredInErrorForm(forms.Form):
    prefix = "eie"
    reason = forms.CharField(
        label=_("Why was this visit entered in error?"),
        max_length=300,
        help_text=_("e.g. wrong patient, duplicate visit"),
    )


def errors_onto(
    form: forms.Form, error: ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """A service's refusal, shown next to the field it concerns (or above the form)."""
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages in error.message_dict.items():
        field = aliases.get(key, key)
        if field in form.fields:
            form.add_error(field, messages)
        else:
            form.add_error(None, messages)


def insertion_errors_onto(form: InsertionForm, error: ValidationError) -> None:
    """The insertion service's refusals: the clearance reasons of a no-go above the form, and a
    caution muscle's reasons next to the justification it asks for."""
    if hasattr(error, "error_dict"):
        rest = {}
        for key, messages in error.message_dict.items():
            if key == "clearance":
                form.clearance_reasons = list(messages)
            elif key == "justification":
                form.needs_justification = True
                form.justification_reasons = list(messages)
            else:
                rest[key] = messages
        if rest:
            errors_onto(
                form,
                ValidationError(rest),
                {"justifications": "justification", "muscles": "muscle", "estim": "estim_minutes"},
            )
        return
    errors_onto(form, error)


def muscles_for(clinic_id: int) -> dict[str, Muscle]:
    """The clinic's catalogue by region, then name: the order of the muscle menu."""
    order = {r.value: i for i, r in enumerate(Region)}
    return dict(
        sorted(
            clinic_catalogue(clinic_id).items(),
            key=lambda kv: (order.get(kv[1].region, 99), kv[1].name),
        )
    )


__all__ = [
    "IMS_TECHNIQUES",
    "AddendumForm",
    "AdverseEventForm",
    "EnteredInErrorForm",
    "FavouriteForm",
    "IncidentForm",
    "InsertionForm",
    "NeedleCountForm",
    "NoteForm",
    "NoteTemplateForm",
    "PlanForm",
    "SessionStartForm",
    "SignForm",
    "TemplatePickForm",
    "VisitNewForm",
    "errors_onto",
    "favourite_data",
    "insertion_errors_onto",
    "muscles_for",
]
