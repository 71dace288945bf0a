"""The screening questionnaire as a page form. It only collects; ScreeningAnswers validates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from filiform.anatomy.regions import Limb, Region, Side
from filiform.patients.models import EpisodeOfCare
from filiform.screening.answers import DRUG_LABELS, Anticoagulant, Antiplatelet, Epilepsy

QUESTIONS = {
    "needle_phobia": _("Needle phobia"),
    "unwilling": _("Patient unwilling to be needled"),
    "unable_to_consent": _("Unable to give informed consent (e.g. cognitive impairment, a child)"),
    "acute_medical_condition": _("Medical emergency or acute medical condition"),
    "previous_adverse_reaction": _("Previous abnormal reaction to needling or an injection"),
    "bleeding_disorder": _("Bleeding or clotting disorder (e.g. thrombocytopenia, haemophilia)"),
    "metal_allergy": _("Nickel, chromium or stainless-steel allergy"),
    "unstable_heart_condition": _("Unstable heart condition"),
    "immunocompromised": _(
        "Weakened immunity (cancer, HIV, hepatitis, endocarditis, valve disease, immunosuppressants)"
    ),
    "diabetes": _("Diabetes"),
    "vascular_disease": _("Vascular disease"),
    "pregnant": _("Pregnant"),
    "pacemaker": _("Pacemaker or other implanted electrical device"),
    "systemic_infection": _("Systemic infection or fever"),
    "psychogenic_pain": _("Pain with a strong psychological component"),
}
ABSOLUTE = (
    "needle_phobia",
    "unwilling",
    "unable_to_consent",
    "acute_medical_condition",
    "previous_adverse_reaction",
    "bleeding_disorder",
    "metal_allergy",
    "unstable_heart_condition",
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


def _multi(label: Any, choices: list[tuple[str, Any]]) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
    )


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
        for name, label in QUESTIONS.items():
            self.fields[name] = forms.BooleanField(label=label, required=False)
        self.fields["previous_adverse_reaction_detail"] = forms.CharField(
            label=_("What happened?"), max_length=500, required=False
        )
        self.fields["immunocompromised_detail"] = forms.CharField(
            label=_("Which condition or treatment?"), max_length=500, required=False
        )
        self.fields["epilepsy"] = forms.ChoiceField(
            label=_("Epilepsy"),
            choices=[
                (Epilepsy.NONE.value, _("No")),
                (Epilepsy.CONTROLLED.value, _("Yes, controlled")),
                (Epilepsy.UNCONTROLLED.value, _("Yes, not controlled")),
            ],
            initial=Epilepsy.NONE.value,
            widget=forms.RadioSelect,
        )
        self.fields["pregnancy_weeks"] = forms.IntegerField(
            label=_("Weeks of pregnancy (if known)"), required=False
        )
        self.fields["lymphoedema"] = _multi(_("Lymphoedema"), LIMB_CHOICES)
        self.fields["lymph_node_removal"] = _multi(
            _("Lymph nodes removed (which limb)"), LIMB_CHOICES
        )
        self.fields["anticoagulants"] = _multi(
            _("Anticoagulants"), [(a.value, DRUG_LABELS[a.value]) for a in Anticoagulant]
        )
        self.fields["anticoagulant_other"] = forms.CharField(
            label=_("Other anticoagulant"), max_length=500, required=False
        )
        self.fields["antiplatelets"] = _multi(
            _("Antiplatelets"), [(a.value, DRUG_LABELS[a.value]) for a in Antiplatelet]
        )
        self.fields["antiplatelet_other"] = forms.CharField(
            label=_("Other antiplatelet"), max_length=500, required=False
        )
        self.fields["infected_skin"] = _multi(_("Infected skin"), SITE_CHOICES)
        self.fields["swollen_area"] = _multi(_("Very swollen area"), SITE_CHOICES)
        self.fields["acute_trauma"] = _multi(_("Acute trauma or inflammation"), SITE_CHOICES)
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
        self.fields["medications"] = forms.CharField(
            label=_("Current medications"),
            required=False,
            max_length=500,
            widget=forms.Textarea(attrs={"rows": 2}),
        )
        self.fields["other_concerns"] = forms.CharField(
            label=_("Other concerns"),
            required=False,
            max_length=500,
            widget=forms.Textarea(attrs={"rows": 2}),
        )

    def rows(self, kind: str) -> list[list[forms.BoundField]]:
        parts = ("region", "side", "on") if kind == "surgery" else ("region", "side", "kind")
        return [[self[f"{kind}_{row}_{part}"] for part in parts] for row in range(ROWS)]

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        answers: dict[str, Any] = {name: data[name] for name in QUESTIONS}
        for name in (
            "previous_adverse_reaction_detail",
            "immunocompromised_detail",
            "epilepsy",
            "pregnancy_weeks",
            "anticoagulants",
            "anticoagulant_other",
            "antiplatelets",
            "antiplatelet_other",
            "medications",
            "other_concerns",
        ):
            answers[name] = data[name]
        for name in ("lymphoedema", "lymph_node_removal"):
            answers[name] = [
                dict(zip(("limb", "side"), v.split(":"), strict=True)) for v in data[name]
            ]
        for name in ("infected_skin", "swollen_area", "acute_trauma"):
            answers[name] = [
                dict(zip(("region", "side"), v.split(":"), strict=True)) for v in data[name]
            ]
        answers["recent_surgery"] = [
            {
                "region": data[f"surgery_{r}_region"],
                "side": data[f"surgery_{r}_side"] or None,
                "on": data[f"surgery_{r}_on"],
            }
            for r in range(ROWS)
            if data[f"surgery_{r}_region"] or data[f"surgery_{r}_on"]
        ]
        answers["implants"] = [
            {
                "region": data[f"implant_{r}_region"],
                "side": data[f"implant_{r}_side"] or None,
                "kind": data[f"implant_{r}_kind"],
            }
            for r in range(ROWS)
            if data[f"implant_{r}_region"] or data[f"implant_{r}_kind"]
        ]
        return answers


def initial_from(answers: dict[str, Any]) -> dict[str, Any]:
    """A re-screen starts from the current answers."""
    initial = {k: v for k, v in answers.items() if not isinstance(v, list)}
    for name in ("anticoagulants", "antiplatelets"):
        initial[name] = answers.get(name, [])
    for name in ("lymphoedema", "lymph_node_removal"):
        initial[name] = [f"{x['limb']}:{x['side']}" for x in answers.get(name, [])]
    for name in ("infected_skin", "swollen_area", "acute_trauma"):
        initial[name] = [
            f"{x['region']}:{side}"
            for x in answers.get(name, [])
            for side in ([x["side"]] if x.get("side") else Side.values)
        ]
    for row, surgery in enumerate(answers.get("recent_surgery", [])[:ROWS]):
        initial |= {
            f"surgery_{row}_region": surgery["region"],
            f"surgery_{row}_side": surgery.get("side") or "",
            f"surgery_{row}_on": surgery["on"],
        }
    for row, implant in enumerate(answers.get("implants", [])[:ROWS]):
        initial |= {
            f"implant_{row}_region": implant["region"],
            f"implant_{row}_side": implant.get("side") or "",
            f"implant_{row}_kind": implant.get("kind", ""),
        }
    return initial
