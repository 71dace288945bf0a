"""The aftercare pages' forms. They parse what was typed; every rule (who may, what a sheet,
alert or call needs) stays in the services, whose refusals go back onto these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from filiform.aftercare.instructions import MAX_ADVICE, MAX_TEXT
from filiform.aftercare.models import CallOutcome
from filiform.aftercare.triage import (
    BRUISING_LABELS,
    COMPARED_LABELS,
    SYMPTOM_LABELS,
    CheckInAnswers,
)


class AdviceForm(forms.Form):
    advice = forms.CharField(
        label=_("Advice for the patient"),
        required=False,
        max_length=MAX_ADVICE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Printed on the aftercare sheet under the clinic's text."),
    )
    home_exercises = forms.CharField(
        label=_("Home exercises"),
        required=False,
        max_length=MAX_ADVICE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AlertResolveForm(forms.Form):
    action_taken = forms.CharField(
        label=_("What was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("E.g. “Called at 14:05, no breathlessness now, advised ER if it returns”."),
        error_messages={"required": _("Write what was done before closing the alert.")},
    )


class CallForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("How the call went"),
        choices=[("", _("Choose…")), *CallOutcome.choices],
        error_messages={
            "required": _("Choose how the call went."),
            "invalid_choice": _("Choose how the call went."),
        },
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, check_in_id: int, **kwargs: Any) -> None:
        # One form per row: ids stay unique on the page.
        kwargs["prefix"] = f"call-{check_in_id}"
        super().__init__(*args, **kwargs)


class PhoneAnswersForm(forms.Form):
    """The check-in's questions, asked on the phone; the answers become ``CheckInAnswers``."""

    soreness = forms.IntegerField(
        label=_("Soreness now, 0 (none) to 10 (worst)"), min_value=0, max_value=10
    )
    compared = forms.ChoiceField(
        label=_("Pain compared with before the treatment"),
        choices=list(COMPARED_LABELS.items()),
        widget=forms.RadioSelect,
    )
    bruising = forms.ChoiceField(
        label=_("Bruising"), choices=list(BRUISING_LABELS.items()), widget=forms.RadioSelect
    )
    symptoms = forms.MultipleChoiceField(
        label=_("Since the treatment, any of these?"),
        choices=[(str(k), v) for k, v in SYMPTOM_LABELS.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Anything else the patient said"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def answers(self) -> CheckInAnswers:
        data = self.cleaned_data
        return CheckInAnswers.model_validate(
            {
                "soreness": data["soreness"],
                "compared": data["compared"],
                "bruising": data["bruising"],
                "symptoms": data["symptoms"],
                "note": data["note"].replace("\x00", ""),
            }
        )


class AftercareTemplateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("What to expect and what to do (Markdown: ## heading, - list, **bold**)"),
        widget=forms.Textarea(attrs={"rows": 22}),
        max_length=MAX_TEXT,
    )
    thorax_warning = forms.CharField(
        label=_("Extra warning when the chest was needled (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=MAX_TEXT,
    )
    change_note = forms.CharField(label=_("What changed, and why"), max_length=300)
