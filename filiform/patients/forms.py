from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from filiform.patients.models import AdministrativeGender


class PatientForm(forms.Form):
    given_names = forms.CharField(label=_("Given names"), max_length=150)
    family_name = forms.CharField(label=_("Family name"), max_length=100)
    birth_date = forms.DateField(
        label=_("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Enter the date of birth as YYYY-MM-DD.")},
    )
    gender = forms.ChoiceField(
        label=_("Administrative gender"), choices=AdministrativeGender.choices
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
