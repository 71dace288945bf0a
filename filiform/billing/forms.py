"""The billing pages' forms. They only parse what was typed (amounts stay text, so the money
rules in ``money.parse_amount`` decide); every rule lives in the services, whose refusals are
put back onto these forms (``charting.forms.errors_onto``).

Each money form carries a hidden one-time key made when the form is drawn: submitting the same
form twice (a double click, a reload) sends the same key, and the service applies it once."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from filiform.billing.models import DESK_METHODS, InvoiceStatus, Service, ServiceKind
from filiform.clinics.models import Province

REASON = 300


def one_time_key() -> str:
    return uuid.uuid4().hex


class _Keyed(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=8)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", one_time_key())


def _amount(label: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Amount ($)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"required": _("Enter an amount in dollars and cents, such as 45.50.")},
    )


def _reason(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=REASON,
        error_messages={"required": _("Give the reason; it is kept with the record.")},
    )


class PaymentForm(_Keyed):
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[(m.value, m.label) for m in DESK_METHODS],
        error_messages={
            "invalid_choice": _("The method is cash, debit, credit card or e-transfer.")
        },
    )
    amount = _amount()
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=100,
        help_text=_("Optional: the terminal's authorisation number or the e-transfer reference."),
    )


class RefundForm(_Keyed):
    amount = _amount(_("Amount to refund ($)"))
    reason = _reason(_("Why the money is given back"))

    def __init__(self, *args: Any, payment_id: int, **kwargs: Any) -> None:
        kwargs["prefix"] = f"refund-{payment_id}"  # one form per payment: ids stay unique
        super().__init__(*args, **kwargs)


class CreditForm(_Keyed):
    amount = _amount(_("Amount to credit ($)"))
    reason = _reason(_("What the credit is for"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["prefix"] = "credit"
        super().__init__(*args, **kwargs)


class WriteOffForm(_Keyed):
    amount = _amount(_("Amount to write off ($)"))
    reason = _reason(_("Why the balance is written off"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["prefix"] = "write-off"
        super().__init__(*args, **kwargs)


class VoidForm(forms.Form):
    reason = _reason(_("Why the invoice is voided"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["prefix"] = "void"
        super().__init__(*args, **kwargs)


class InvoiceVisitForm(forms.Form):
    service_codes = forms.MultipleChoiceField(
        label=_("Services to bill"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Leave all unticked to bill the visit's usual service "
            "(dry needling / IMS when needles were used, otherwise treatment)."
        ),
    )

    def __init__(self, *args: Any, services: list[Service], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service_codes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (s.code, f"{s.name} (${s.fee})")
            for s in sorted(services, key=lambda s: (s.code, s.province))
        ]


class InvoiceFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Unpaid and today's")),
            ("owing", _("Balance owing")),
            *InvoiceStatus.choices,
            ("all", _("All")),
        ],
    )
    patient = forms.CharField(label=_("Patient name"), required=False, max_length=100)


class FeeForm(forms.Form):
    code = forms.SlugField(label=_("Service code"), max_length=30, help_text=_("Short, e.g. ims"))
    name = forms.CharField(label=_("Name on invoices"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=ServiceKind.choices)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=5, max_value=480)
    fee = _amount(_("Fee ($)"))
    taxable = forms.BooleanField(label=_("Taxable"), required=False)
    tax_rate = forms.CharField(
        label=_("Tax rate (%)"), required=False, max_length=10, help_text=_("E.g. 13 for HST")
    )
    province = forms.ChoiceField(
        label=_("Province"),
        required=False,
        choices=[("", _("Every province")), *Province.choices],
    )
    effective_from = forms.DateField(
        label=_("In force from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Today if left empty."),
    )

    def clean_tax_rate(self) -> str:
        return self.cleaned_data.get("tax_rate") or "0"


class CloseForm(forms.Form):
    business_date = forms.DateField(
        label=_("Business day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    counted_cash = _amount(_("Cash counted in the drawer ($)"))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
