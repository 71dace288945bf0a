"""Billing: the fee schedule, invoices and their lines, payments and refunds, credits,
write-offs and the daily close. Amounts are ``Decimal`` cents in CAD (see money.py).

Financial rows are never deleted: an invoice is voided with a reason, a payment is answered by
a refund, and every row refuses ``delete()``. Each invoice stores its running components
(paid, refunded, credited, insurer paid, written off, balance) next to its total, and the
database itself checks that they balance (``invoice_balances``); ``selectors.invoice_balance``
recomputes them from the rows for the tests and for ``invoice_check``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiform.clinics.door import ClinicScopedQuerySet
from filiform.clinics.models import Province
from filiform.clinics.records import NeverDeleted, RecordNeverDeleted


class FinancialRecordDeleted(RecordNeverDeleted):
    """Someone tried to delete a financial row: a programming error, never a user's."""


class _Kept(NeverDeleted):
    """Never deleted (clinics/records.py refuses it), saying so as a financial row."""

    delete_refused = FinancialRecordDeleted

    class Meta:
        abstract = True


def _money(verbose_name: Any = None, **kwargs: Any) -> Any:
    return models.DecimalField(verbose_name, max_digits=10, decimal_places=2, **kwargs)


def _same_cents(field: str, expression: Any) -> Q:
    """``field`` equals ``expression`` to the cent. Said as "within half a cent" because SQLite
    stores decimals as REAL and adds them in binary floating point (239.99 + 1.30 is not
    241.29 there); every stored amount is whole cents, so within half a cent means equal.
    PostgreSQL compares exact numerics either way."""
    half = Value(Decimal("0.005"), output_field=models.DecimalField(max_digits=4, decimal_places=3))
    return Q(**{f"{field}__gt": expression - half}) & Q(**{f"{field}__lt": expression + half})


class ServiceKind(models.TextChoices):
    ASSESSMENT = "assessment", _("Assessment")
    TREATMENT = "treatment", _("Treatment")
    NEEDLING = "needling", _("Dry needling / IMS")
    OTHER = "other", _("Other")


class Service(_Kept):
    """One version of a fee schedule entry (FHIR ChargeItemDefinition).

    Versioned by effective date and never edited: a new fee is a new row with a later
    ``effective_from``; the version in force on the date of service is the one with the latest
    ``effective_from`` on or before it, for the visit's province if there is one, else for all
    provinces (blank). Invoice lines copy the fee and tax rate, so an issued invoice never moves.
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=ServiceKind.choices)
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    fee = _money(_("fee"))
    taxable = models.BooleanField(_("taxable"), default=False)
    tax_rate = models.DecimalField(
        _("tax rate (%)"), max_digits=6, decimal_places=3, default=Decimal("0.000")
    )
    province = models.CharField(
        _("province (blank: every province)"), max_length=2, choices=Province.choices, blank=True
    )
    is_active = models.BooleanField(_("offered"), default=True)
    effective_from = models.DateField(_("in force from"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["code", "province", "-effective_from"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["clinic", "code", "province", "effective_from"],
                name="service_version_unique",
            ),
            models.CheckConstraint(condition=Q(fee__gte=0), name="service_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(taxable=True) | Q(tax_rate=0), name="service_untaxed_has_no_rate"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    PAID = "paid", _("Paid")
    VOID = "void", _("Void")


class BillTo(models.TextChoices):
    PATIENT = "patient", _("Patient")
    INSURER = "insurer", _("Insurer")


class InvoiceSequence(models.Model):
    """The last invoice number of a clinic; locked while the next is taken, so numbers have
    no gaps and no repeats."""

    clinic = models.OneToOneField("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"invoice #{self.last_number}"


class Invoice(_Kept):
    """What a patient (or, later, an insurer) is charged for one visit (FHIR Invoice)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="invoices"
    )
    visit = models.ForeignKey(
        "charting.Visit",
        on_delete=models.PROTECT,
        related_name="invoices",
        null=True,
        blank=True,
    )
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    bill_to = models.CharField(max_length=10, choices=BillTo.choices, default=BillTo.PATIENT)
    province = models.CharField(max_length=2, choices=Province.choices)
    date_of_service = models.DateField(_("date of service"))
    subtotal = _money(_("subtotal"), default=Decimal("0.00"))
    tax = _money(_("tax"), default=Decimal("0.00"))
    total = _money(_("total"), default=Decimal("0.00"))
    paid = _money(_("paid"), default=Decimal("0.00"))
    refunded = _money(_("refunded"), default=Decimal("0.00"))
    credited = _money(_("credited"), default=Decimal("0.00"))
    insurer_paid = _money(_("paid by the insurer"), default=Decimal("0.00"))
    written_off = _money(_("written off"), default=Decimal("0.00"))
    balance = _money(_("balance owing"), default=Decimal("0.00"))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    void_reason = models.CharField(max_length=300, blank=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["clinic", "number"], name="invoice_number_unique_in_clinic"
            ),
            models.UniqueConstraint(
                fields=["visit"],
                condition=~Q(status="void") & Q(visit__isnull=False),
                name="one_live_invoice_per_visit",
            ),
            # charges = payments - refunds + credits + insurer + write-offs + patient balance,
            # with nothing negative; a void invoice owes nothing and had nothing applied.
            models.CheckConstraint(
                condition=(
                    _same_cents(
                        "total",
                        F("paid")
                        - F("refunded")
                        + F("credited")
                        + F("insurer_paid")
                        + F("written_off")
                        + F("balance"),
                    )
                    & _same_cents("total", F("subtotal") + F("tax"))
                    & Q(
                        balance__gte=0,
                        refunded__lte=F("paid"),
                        credited__gte=0,
                        written_off__gte=0,
                        insurer_paid__gte=0,
                    )
                    & ~Q(status="void")
                )
                | Q(
                    status="void",
                    balance=0,
                    paid=0,
                    refunded=0,
                    credited=0,
                    insurer_paid=0,
                    written_off=0,
                ),
                name="invoice_balances",
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.display_number}"

    @property
    def display_number(self) -> str:
        return f"{self.number:06d}" if self.number is not None else str(_("draft"))


class InvoiceLine(_Kept):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    order = models.PositiveSmallIntegerField()
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200)
    quantity = models.PositiveSmallIntegerField(default=1)
    unit_fee = _money(_("unit fee"))
    tax_rate = models.DecimalField(max_digits=6, decimal_places=3)
    amount = _money(_("amount"))  # quantity x unit fee: exact, no rounding
    tax = _money(_("tax"))  # amount x rate, rounded once (money.line_tax)

    class Meta:
        ordering: ClassVar[list[str]] = ["order", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["invoice", "order"], name="invoice_line_order"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1, unit_fee__gte=0, tax__gte=0),
                name="invoice_line_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    DEBIT = "debit", _("Debit")
    CREDIT_CARD = "credit_card", _("Credit card")
    E_TRANSFER = "e_transfer", _("E-transfer")
    INSURER = "insurer", _("Insurer")  # direct billing, later


DESK_METHODS = (
    PaymentMethod.CASH,
    PaymentMethod.DEBIT,
    PaymentMethod.CREDIT_CARD,
    PaymentMethod.E_TRANSFER,
)


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")


class Payment(_Kept):
    """Money received for an invoice (or given back: kind refund, pointing at the payment it
    returns). Recorded only: no card processing. ``business_date`` is the day, in the clinic's
    time zone, whose daily close counts it."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=8, choices=PaymentKind.choices)
    method = models.CharField(max_length=12, choices=PaymentMethod.choices)
    amount = _money(_("amount"))
    refund_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, related_name="refunds", null=True, blank=True
    )
    received_at = models.DateTimeField(default=timezone.now)
    business_date = models.DateField()
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["received_at", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["clinic", "idempotency_key"], name="payment_idempotency_key"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind="payment", refund_of__isnull=True)
                | Q(kind="refund", refund_of__isnull=False),
                name="refund_names_its_payment",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["clinic", "business_date"], name="payment_business_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class CreditNote(_Kept):
    """An amount taken off what the patient owes (a goodwill or package credit, a correction
    after the invoice was issued). Reduces the balance; never more than the balance."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credits")
    amount = _money(_("amount"))
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["clinic", "idempotency_key"], name="credit_key"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"Credit {self.amount}"


class WriteOff(_Kept):
    """A balance the clinic gives up collecting (with the reason)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="write_offs")
    amount = _money(_("amount"))
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.CharField(max_length=64)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["clinic", "idempotency_key"], name="write_off_key"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="write_off_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"Write-off {self.amount}"


class DailyClose(_Kept):
    """The end of a business day at the desk: takings per method, the cash counted and the
    difference. One per clinic (or per location) per day; once closed, that day's takings
    cannot change (later refunds and payments are counted on the next open day)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    business_date = models.DateField(_("business date"))
    totals = models.JSONField(default=dict)  # method → net amount ("123.45"), refunds deducted
    payments_total = _money(_("payments"))
    refunds_total = _money(_("refunds"))
    net_total = _money(_("net takings"))
    cash_expected = _money(_("cash expected"))
    counted_cash = _money(_("cash counted"))
    cash_difference = _money(_("cash over (+) or short (−)"))
    payment_count = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)
    closed_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-business_date", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["clinic", "business_date"],
                condition=Q(location__isnull=True),
                name="one_clinic_close_per_day",
            ),
            models.UniqueConstraint(
                fields=["clinic", "location", "business_date"],
                condition=Q(location__isnull=False),
                name="one_location_close_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"Close {self.business_date}"
