"""The screening questionnaire as a page form. It only collects; the answers are checked by
:func:`filiform.screening.services.answers_parse`.

Every question is a yes / no / unsure choice (epilepsy: none, controlled, uncontrolled, unsure)
with nothing chosen beforehand, and its details (which limb, which drug, where…) beside it.
A question left blank is sent as unanswered, never as "no"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from filiform.anatomy.regions import Limb, Region, Side
from filiform.patients.models import EpisodeOfCare
from filiform.screening.answers import (
    ANSWER_LABELS,
    DEVICE_LABELS,
    DRUG_LABELS,
    EPILEPSY_LABELS,
    QUESTIONS,
    Answer,
    Anticoagulant,
    Antiplatelet,
    ElectricalImplant,
    ScreeningAnswers,
)

LIMB_CHOICES = [
    (f"{limb.value}:{side.value}", f"{side.label} {_('arm') if limb == Limb.UPPER else _('leg')}")
    for limb in Limb
    for side in Side
]
SITE_CHOICES = [
    (f"{region.value}:{side.value}", f"{region.label} — {side.label.lower()}")
    for region in Region
    for side in Side
]
SIDE_CHOICES = [("", _("both / midline")), *Side.choices]
REGION_CHOICES = [("", "—"), *Region.choices]
ROWS = 3  # surgeries and implants on the form; the API takes more
ANSWER_CHOICES = [(a.value, ANSWER_LABELS[a]) for a in Answer]
MEDICATION_CHOICES = [
    (Answer.YES.value, _("Yes (list them)")),
    (Answer.NO.value, _("None")),
    (Answer.UNSURE.value, _("Unsure")),
]
LIMB_LISTS = ("lymphoedema_limbs", "lymph_node_removal_limbs")
SITE_LISTS = ("infected_skin_sites", "swollen_area_sites", "acute_trauma_sites")
TEXTS = (
    "previous_adverse_reaction_detail",
    "immunocompromised_detail",
    "anticoagulant_other",
    "antiplatelet_other",
    "electrical_implant_other",
    "medication_list",
    "other_concerns",
)
SECTIONS = (
    ("absolute", _("Absolute contraindications")),
    ("medications", _("Medications")),
    ("relative", _("Precautions")),
)


def _multi(label: Any, choices: list[tuple[str, Any]]) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


def _text(label: Any, *, rows: int = 0) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    return forms.CharField(label=label, max_length=500, required=False, widget=widget)


@dataclass
class QuestionBlock:
    """One question on the page: its choice, its details, and the last screening's answer."""

    field: forms.BoundField
    details: list[forms.BoundField]
    rows: list[list[forms.BoundField]]
    previous: str = ""


class ScreeningForm(forms.Form):
    episode = forms.ChoiceField(label=_("Episode of care"), required=False)
    condition = forms.CharField(
        label=_("New episode: condition being treated"), max_length=200, required=False
    )
    referral_source = forms.CharField(
        label=_("New episode: referred by"), max_length=200, required=False
    )

    def __init__(self, *args: Any, episodes: list[EpisodeOfCare], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        episode_field: forms.ChoiceField = self.fields["episode"]  # type: ignore[assignment]
        episode_field.choices = [
            *((str(e.pk), str(e)) for e in episodes),
            ("", _("Start a new episode")),
        ]
        for name, question in QUESTIONS.items():
            choices: list[tuple[str, Any]] = ANSWER_CHOICES
            if name == "epilepsy":
                choices = [(e.value, label) for e, label in EPILEPSY_LABELS.items()]
            elif name == "medications":
                choices = MEDICATION_CHOICES
            # No initial choice: an unticked question is unanswered, never "no".
            self.fields[name] = forms.ChoiceField(
                label=str(question.label),
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
            )
        self.fields["previous_adverse_reaction_detail"] = _text(_("What happened?"))
        self.fields["immunocompromised_detail"] = _text(_("Which condition or treatment?"))
        self.fields["pregnancy_weeks"] = forms.IntegerField(
            label=_("Weeks of pregnancy (if known)"), required=False
        )
        self.fields["lymphoedema_limbs"] = _multi(_("Which limb"), LIMB_CHOICES)
        self.fields["lymph_node_removal_limbs"] = _multi(_("For which limb"), LIMB_CHOICES)
        self.fields["anticoagulant_drugs"] = _multi(
            _("Which anticoagulants"), [(a.value, DRUG_LABELS[a.value]) for a in Anticoagulant]
        )
        self.fields["anticoagulant_other"] = _text(_("Other anticoagulant"))
        self.fields["antiplatelet_drugs"] = _multi(
            _("Which antiplatelets"), [(a.value, DRUG_LABELS[a.value]) for a in Antiplatelet]
        )
        self.fields["antiplatelet_other"] = _text(_("Other antiplatelet"))
        self.fields["medication_list"] = _text(_("Current medications"), rows=2)
        self.fields["electrical_implant_kinds"] = _multi(
            _("Which device"), [(d.value, DEVICE_LABELS[d]) for d in ElectricalImplant]
        )
        self.fields["electrical_implant_other"] = _text(_("Other device"))
        self.fields["infected_skin_sites"] = _multi(_("Infected skin"), SITE_CHOICES)
        self.fields["swollen_area_sites"] = _multi(_("Very swollen area"), SITE_CHOICES)
        self.fields["acute_trauma_sites"] = _multi(_("Acute trauma or inflammation"), SITE_CHOICES)
        for row in range(ROWS):
            self.fields[f"surgery_{row}_region"] = forms.ChoiceField(
                label=_("Surgery: where"), choices=REGION_CHOICES, required=False
            )
            self.fields[f"surgery_{row}_side"] = forms.ChoiceField(
                label=_("side"), choices=SIDE_CHOICES, required=False
            )
            self.fields[f"surgery_{row}_on"] = forms.DateField(
                label=_("date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
            self.fields[f"implant_{row}_region"] = forms.ChoiceField(
                label=_("Implant or joint replacement: where"),
                choices=REGION_CHOICES,
                required=False,
            )
            self.fields[f"implant_{row}_side"] = forms.ChoiceField(
                label=_("side"), choices=SIDE_CHOICES, required=False
            )
            self.fields[f"implant_{row}_kind"] = forms.CharField(
                label=_("what"), max_length=200, required=False
            )
        self.fields["other_concerns"] = _text(_("Other concerns"), rows=2)

    def rows(self, kind: str) -> list[list[forms.BoundField]]:
        parts = ("region", "side", "on") if kind == "surgery" else ("region", "side", "kind")
        return [[self[f"{kind}_{row}_{part}"] for part in parts] for row in range(ROWS)]

    def sections(self, previous: ScreeningAnswers | None = None) -> list[tuple[Any, list[Any]]]:
        """The questions by section, each with its details and the last screening's answer."""
        result = []
        for section, title in SECTIONS:
            blocks = []
            for name, question in QUESTIONS.items():
                if question.section != section:
                    continue
                details = [self[d] for d in question.details if d in self.fields]
                rows = self.rows("surgery") if name == "recent_surgery" else []
                rows = self.rows("implant") if name == "implants" else rows
                blocks.append(QuestionBlock(self[name], details, rows, _previous(previous, name)))
            result.append((title, blocks))
        return result

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        answers: dict[str, Any] = {name: data[name] or None for name in QUESTIONS}
        for name in (*TEXTS, "pregnancy_weeks", "anticoagulant_drugs", "antiplatelet_drugs"):
            answers[name] = data[name]
        answers["electrical_implant_kinds"] = data["electrical_implant_kinds"]
        for name in LIMB_LISTS:
            answers[name] = [
                dict(zip(("limb", "side"), v.split(":"), strict=True)) for v in data[name]
            ]
        for name in SITE_LISTS:
            answers[name] = [
                dict(zip(("region", "side"), v.split(":"), strict=True)) for v in data[name]
            ]
        answers["surgeries"] = [
            {
                "region": data[f"surgery_{r}_region"],
                "side": data[f"surgery_{r}_side"] or None,
                "on": data[f"surgery_{r}_on"],
            }
            for r in range(ROWS)
            if data[f"surgery_{r}_region"] or data[f"surgery_{r}_on"]
        ]
        answers["implant_sites"] = [
            {
                "region": data[f"implant_{r}_region"],
                "side": data[f"implant_{r}_side"] or None,
                "kind": data[f"implant_{r}_kind"],
            }
            for r in range(ROWS)
            if data[f"implant_{r}_region"] or data[f"implant_{r}_kind"]
        ]
        return answers


def _previous(previous: ScreeningAnswers | None, name: str) -> str:
    if previous is None:
        return ""
    answer = previous.answer(name)
    if answer is None:
        return str(_("not answered"))
    if name == "epilepsy":
        return str(EPILEPSY_LABELS[answer])  # type: ignore[index]
    return str(ANSWER_LABELS[Answer(answer)])


def initial_from(answers: dict[str, Any]) -> dict[str, Any]:
    """A draft is continued from its own answers (a new screening starts blank)."""
    initial = {k: v for k, v in answers.items() if not isinstance(v, list) and v is not None}
    for name in ("anticoagulant_drugs", "antiplatelet_drugs", "electrical_implant_kinds"):
        initial[name] = answers.get(name, [])
    for name in LIMB_LISTS:
        initial[name] = [f"{x['limb']}:{x['side']}" for x in answers.get(name, [])]
    for name in SITE_LISTS:
        initial[name] = [
            f"{x['region']}:{side}"
            for x in answers.get(name, [])
            for side in ([x["side"]] if x.get("side") else Side.values)
        ]
    for row, surgery in enumerate(answers.get("surgeries", [])[:ROWS]):
        initial |= {
            f"surgery_{row}_region": surgery["region"],
            f"surgery_{row}_side": surgery.get("side") or "",
            f"surgery_{row}_on": surgery["on"],
        }
    for row, implant in enumerate(answers.get("implant_sites", [])[:ROWS]):
        initial |= {
            f"implant_{row}_region": implant["region"],
            f"implant_{row}_side": implant.get("side") or "",
            f"implant_{row}_kind": implant.get("kind", ""),
        }
    return initial
