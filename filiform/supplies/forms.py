"""Page forms for supplies; they collect, the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from filiform.charting.codes import NEEDLE_DIAMETERS_MM, NEEDLE_LENGTHS_MM
from filiform.clinics.access import Access
from filiform.clinics.models import Location
from filiform.supplies.models import Handle, NeedleProduct


def _locations(access: Access) -> list[tuple[int, str]]:
    return [(loc.pk, loc.name) for loc in Location.objects.of(access).filter(is_active=True)]


class ProductForm(forms.Form):
    brand = forms.CharField(label=_("Brand and product"), max_length=120)
    diameter_mm = forms.ChoiceField(
        label=_("Diameter (mm)"), choices=[(d, d) for d in NEEDLE_DIAMETERS_MM]
    )
    length_mm = forms.TypedChoiceField(
        label=_("Length (mm)"), choices=[(n, n) for n in NEEDLE_LENGTHS_MM], coerce=int
    )
    handle = forms.ChoiceField(label=_("Handle"), choices=Handle.choices)
    guide_tube = forms.BooleanField(label=_("With guide tube"), required=False, initial=True)
    per_box = forms.IntegerField(
        label=_("Needles per box"), min_value=1, max_value=10_000, initial=100
    )


class ReceiveForm(forms.Form):
    product_id = forms.TypedChoiceField(label=_("Needle"), coerce=int)
    lot_number = forms.CharField(label=_("Lot number"), max_length=60)
    expires_on = forms.DateField(
        label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    quantity = forms.IntegerField(label=_("Needles received"))
    location_id = forms.TypedChoiceField(label=_("Location"), coerce=int)
    supplier = forms.CharField(label=_("Supplier"), max_length=120, required=False)

    def __init__(self, *args: Any, access: Access, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        product_field: forms.TypedChoiceField = self.fields["product_id"]  # type: ignore[assignment]
        product_field.choices = [
            (p.pk, str(p)) for p in NeedleProduct.objects.of(access).filter(active=True)
        ]
        location_field: forms.TypedChoiceField = self.fields["location_id"]  # type: ignore[assignment]
        location_field.choices = _locations(access)


class ContainerForm(forms.Form):
    location_id = forms.TypedChoiceField(label=_("Location"), coerce=int)
    room = forms.CharField(label=_("Room"), max_length=60)
    label = forms.CharField(label=_("Container label"), max_length=60)

    def __init__(self, *args: Any, access: Access, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        location_field: forms.TypedChoiceField = self.fields["location_id"]  # type: ignore[assignment]
        location_field.choices = _locations(access)


class NeedleStickForm(forms.Form):
    occurred_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    injured = forms.TypedChoiceField(label=_("Who was injured"), coerce=int)
    needle_used = forms.BooleanField(
        label=_("The needle had been used on a patient"), required=False
    )
    source_patient = forms.IntegerField(
        label=_("Source patient number (#, from the patient page)"), required=False, min_value=1
    )
    description = forms.CharField(
        label=_("What happened"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, access: Access, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from filiform.clinics.access import Permission
        from filiform.clinics.models import Membership

        people = Membership.objects.of(access).filter(is_active=True).select_related("user")
        if not access.can(Permission.CLINIC_MANAGE):
            people = people.filter(pk=access.membership.pk)
        field: forms.TypedChoiceField = self.fields["injured"]  # type: ignore[assignment]
        field.choices = [(m.pk, m.user.display_name) for m in people]
        field.initial = access.membership.pk

    def report_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "occurred_at": data["occurred_at"],
            "needle_used": data["needle_used"],
            "description": data["description"],
            "injured_membership_id": data["injured"],
            "source_patient_id": data["source_patient"],
        }
