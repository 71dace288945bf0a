from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from filiform.patients.models import Patient
from filiform.patients.specs import PatientChanges, PatientSpec


class PatientForm(forms.ModelForm):
    confirm_duplicate = forms.BooleanField(
        label=_("I have checked: this is a different person with the same name and date of birth"),
        required=False,
    )

    class Meta:
        model = Patient
        fields = [
            "given_names",
            "family_name",
            "birth_date",
            "gender",
            "gender_text",
            "phone",
            "phone_home",
            "email",
            "email_ok",
            "sms_ok",
            "street",
            "city",
            "province",
            "postal_code",
            "preferred_language",
            "emergency_contact_name",
            "emergency_contact_relationship",
            "emergency_contact_phone",
        ]
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        error_messages = {"birth_date": {"invalid": _("Enter the date of birth as YYYY-MM-DD.")}}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["preferred_language"].required = False
        if self.instance.pk:
            del self.fields["confirm_duplicate"]
        else:
            self.fields["confirm_duplicate"].widget = forms.HiddenInput()

    def _post_clean(self) -> None:
        # The spec (patients/specs.py) and the service validate the record, in one place each.
        pass

    def _typed(self) -> dict[str, object]:
        fields = {k: v for k, v in self.cleaned_data.items() if k != "confirm_duplicate"}
        fields["preferred_language"] = fields.get("preferred_language") or "en"
        for name in ("email", "province"):  # left blank: none
            fields[name] = fields.get(name) or None
        return fields

    def patient(self) -> PatientSpec:
        """A new patient as its spec (the API's limits; refused by field)."""
        return PatientSpec.parse(self._typed())

    def changes(self) -> PatientChanges:
        """The record's details as typed, as the changes' spec (every field is given)."""
        return PatientChanges.parse(self._typed())
