from __future__ import annotations

from django import forms

from filiform.clinics.models import Clinic


class ClinicPolicyForm(forms.ModelForm):
    class Meta:
        model = Clinic
        fields = [
            "name",
            "street",
            "city",
            "province",
            "postal_code",
            "phone",
            "time_zone",
            "require_staff_two_factor",
            "idle_timeout_minutes",
        ]
