"""The insurance pages' forms. They parse what was typed; the rules (coinsurance 0 to 100 %,
one primary, a birthday year's plan member) stay in :mod:`filiform.insurance.policies`, whose
refusals go back onto these forms next to their fields. Amounts are text so that the service's
money parser gives the same message everywhere ("Enter an amount in dollars and cents…")."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from filiform.billing.money import parse_amount
from filiform.insurance.models import BenefitYear, MaximumScope, Policy, Rank, Relationship
from filiform.insurance.policies import CHANGEABLE, parse_coinsurance
from filiform.insurance.selectors import insurers


def _amount_or_empty(value: Any) -> None:
    if value:
        parse_amount(value, allow_zero=True)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def _money(label: Any, help_text: Any = "", required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00"}),
    )


class PolicyForm(forms.Form):
    insurer_id = forms.TypedChoiceField(label=_("Insurer"), coerce=int)
    rank = forms.TypedChoiceField(label=_("Order"), coerce=int, choices=Rank.choices)
    plan_name = forms.CharField(label=_("Plan"), required=False, max_length=120)
    group_number = forms.CharField(
        label=_("Group / policy number"),
        max_length=40,
        error_messages={"required": _("Enter the group / policy number from the patient's card.")},
    )
    member_id = forms.CharField(
        label=_("Member / certificate id"),
        max_length=40,
        error_messages={"required": _("Enter the member / certificate id from the card.")},
    )
    relationship = forms.ChoiceField(label=_("The patient is the"), choices=Relationship.choices)
    subscriber_name = forms.CharField(
        label=_("Plan member's name"),
        required=False,
        max_length=160,
        help_text=_("When the patient is a spouse or dependant."),
    )
    subscriber_birth_date = forms.DateField(
        label=_("Plan member's date of birth"), required=False, widget=DateInput()
    )
    effective_on = forms.DateField(
        label=_("Policy effective date"),
        widget=DateInput(),
        error_messages={"required": _("Enter the date the policy took effect.")},
    )
    ends_on = forms.DateField(label=_("Coverage ends on"), required=False, widget=DateInput())
    annual_maximum = _money(_("Annual maximum"), _("Leave empty if the plan has no maximum."))
    maximum_scope = forms.ChoiceField(
        label=_("The annual maximum applies to"), choices=MaximumScope.choices
    )
    per_visit_maximum = _money(_("Per-visit maximum"), _("Leave empty if there is none."))
    coinsurance_percent = forms.CharField(
        label=_("Insurer pays (%)"),
        max_length=10,
        initial="80",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    deductible = _money(_("Annual deductible"))
    benefit_year = forms.ChoiceField(label=_("Benefit year"), choices=BenefitYear.choices)
    referral_required = forms.BooleanField(label=_("Physician referral required"), required=False)
    referral_on_file_on = forms.DateField(
        label=_("Referral received on"), required=False, widget=DateInput()
    )
    progress_report_after = forms.IntegerField(
        label=_("Progress report after this many visits"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_("Leave empty to use the insurer's usual number."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["insurer_id"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("Choose…")), *((i.pk, i.name) for i in insurers())]

    def _checked(self, name: str, parse: Any) -> Any:
        """The service's own parser, run early so every field's message shows at once."""
        value = self.cleaned_data.get(name)
        try:
            parse(value)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return value

    def clean_coinsurance_percent(self) -> Any:
        return self._checked("coinsurance_percent", parse_coinsurance)

    def clean_annual_maximum(self) -> Any:
        return self._checked("annual_maximum", _amount_or_empty)

    def clean_per_visit_maximum(self) -> Any:
        return self._checked("per_visit_maximum", _amount_or_empty)

    def clean_deductible(self) -> Any:
        return self._checked("deductible", _amount_or_empty)

    def values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in CHANGEABLE}

    @staticmethod
    def initial_of(policy: Policy) -> dict[str, Any]:
        return {name: getattr(policy, name) for name in CHANGEABLE}


class PolicyEndForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the policy ends"),
        max_length=300,
        error_messages={"required": _("Say why the policy ends, e.g. “changed employer”.")},
    )


class UsageForm(forms.Form):
    date_of_service = forms.DateField(label=_("Date of service"), widget=DateInput())
    discipline = forms.CharField(
        label=_("Discipline"),
        max_length=40,
        initial="physiotherapy",
        help_text=_("E.g. massage therapy, chiropractic (counted under a combined maximum)."),
    )
    insurer_paid = _money(_("Paid by the plan"), required=True)
    deductible_applied = _money(_("Deductible met"))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
