"""The credential forms only parse and render; what may be recorded is decided by the services
(``registration_add``, ``authorization_add``, ``training_add``), which the API shares."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from filiform.anatomy.regions import Region as BodyRegion
from filiform.practitioners.models import (
    NeedlingAuthorization,
    NeedlingTraining,
    Registration,
)
from filiform.practitioners.services import CREDENTIAL_KINDS

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


class EnteredInErrorForm(forms.Form):
    what = forms.ChoiceField(
        choices=[(kind, kind) for kind in CREDENTIAL_KINDS], widget=forms.HiddenInput
    )
    credential_id = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Why is this entry wrong?"), max_length=300)
