"""The check-in form the patient fills in on their phone. The form only renders the questions and
keeps the patient's answers on a refusal; the answers are validated by ``CheckInAnswers`` (the
same model the API and the phone-call entry use), its errors put in words a patient can act on."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from pydantic import ValidationError as PydanticError

from filiform.aftercare.triage import (
    BRUISING_LABELS,
    COMPARED_LABELS,
    SYMPTOM_LABELS,
    CheckInAnswers,
)

SORENESS_CHOICES = [(str(n), str(n)) for n in range(11)]
NOTE_MAX = 2000

# What the patient reads when an answer is missing or not one of the choices.
PATIENT_ERRORS = {
    "soreness": _("Choose how sore you are now: a number from 0 (no soreness) to 10 (the worst)."),
    "compared": _("Choose how your pain compares with before the treatment."),
    "bruising": _("Choose whether you have a bruise where the needles went in."),
    "symptoms": _("Tick only the symptoms listed, or none."),
    "note": _("Keep your note under 2000 characters."),
}


def _choices(labels: dict[Any, Any]) -> list[tuple[str, Any]]:
    return [(str(key), label) for key, label in labels.items()]


class CheckInForm(forms.Form):
    soreness = forms.ChoiceField(
        label=_("How sore are you now?"),
        help_text=_("0 means no soreness at all, 10 the worst you can imagine."),
        choices=SORENESS_CHOICES,
        widget=forms.RadioSelect,
        error_messages={
            "required": PATIENT_ERRORS["soreness"],
            "invalid_choice": PATIENT_ERRORS["soreness"],
        },
    )
    compared = forms.ChoiceField(
        label=_("Your pain compared with before the treatment"),
        choices=_choices(COMPARED_LABELS),
        widget=forms.RadioSelect,
        error_messages={
            "required": PATIENT_ERRORS["compared"],
            "invalid_choice": PATIENT_ERRORS["compared"],
        },
    )
    bruising = forms.ChoiceField(
        label=_("Bruising where the needles went in"),
        choices=_choices(BRUISING_LABELS),
        widget=forms.RadioSelect,
        error_messages={
            "required": PATIENT_ERRORS["bruising"],
            "invalid_choice": PATIENT_ERRORS["bruising"],
        },
    )
    symptoms = forms.MultipleChoiceField(
        label=_("Since the treatment, have you had any of these? Tick all that apply."),
        choices=_choices(SYMPTOM_LABELS),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": PATIENT_ERRORS["symptoms"]},
    )
    note = forms.CharField(
        label=_("Anything else you want to tell us (optional)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=NOTE_MAX,
        strip=True,
        error_messages={"max_length": PATIENT_ERRORS["note"]},
    )

    answers: CheckInAnswers | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            self.answers = CheckInAnswers.model_validate(
                {
                    "soreness": cleaned.get("soreness"),
                    "compared": cleaned.get("compared"),
                    "bruising": cleaned.get("bruising"),
                    "symptoms": cleaned.get("symptoms") or [],
                    "note": cleaned.get("note") or "",
                }
            )
        except PydanticError as error:
            for problem in error.errors():
                field = str(problem["loc"][0]) if problem["loc"] else ""
                if field in PATIENT_ERRORS and field in self.fields:
                    if not self.has_error(field):
                        self.add_error(field, PATIENT_ERRORS[field])
                else:
                    self.add_error(None, _("Some answers could not be read. Please check them."))
        return cleaned
