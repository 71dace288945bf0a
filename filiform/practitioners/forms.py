from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from filiform.anatomy.regions import Region as BodyRegion
from filiform.practitioners.models import (
    NeedlingAuthorization,
    NeedlingTraining,
    Registration,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RegistrationForm(forms.ModelForm):
    class Meta:
        model = Registration
        fields = ["province", "college", "number", "status", "expires_on"]
        widgets = {"expires_on": DATE}


class AuthorizationForm(forms.ModelForm):
    class Meta:
        model = NeedlingAuthorization
        fields = ["kind", "granted_on", "expires_on", "reference"]
        widgets = {"granted_on": DATE, "expires_on": DATE}

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        granted, expires = data.get("granted_on"), data.get("expires_on")
        if granted and expires and expires < granted:
            self.add_error("expires_on", _("The expiry date is before the date it was granted."))
        return data


class TrainingForm(forms.ModelForm):
    regions = forms.MultipleChoiceField(
        label=_("Body regions covered (none ticked: the whole body)"),
        choices=BodyRegion.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = NeedlingTraining
        fields = ["provider", "provider_name", "level", "completed_on", "certificate", "regions"]
        widgets = {"completed_on": DATE}

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("provider") == "other" and not data.get("provider_name"):
            self.add_error("provider_name", _("Name the course provider."))
        return data
