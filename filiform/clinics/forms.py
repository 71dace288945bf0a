from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from filiform.clinics.models import Clinic, Location, Role


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
            "consent_valid_months",
            "screening_valid_months",
            "medications_valid_days",
            "needles_metal_allergy_safe",
            "unsigned_note_hours",
            "sharps_max_age_days",
            "low_stock_needles",
            "check_in_after_hours",
            "check_in_no_answer_hours",
        ]


class StaffInviteForm(forms.Form):
    first_name = forms.CharField(label=_("Given name"), max_length=150)
    last_name = forms.CharField(label=_("Family name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=[("", _("Choose a role…")), *Role.choices])


class LocationForm(forms.ModelForm):
    class Meta:
        model = Location
        fields = ["name", "street", "city", "province", "postal_code"]

    def __init__(self, *args: object, clinic: Clinic, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.instance.clinic = clinic

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        same_name = Location.objects.of_clinic(self.instance.clinic_id).filter(name__iexact=name)
        if same_name.exists():
            raise forms.ValidationError(_("This clinic already has a location with that name."))
        return name
