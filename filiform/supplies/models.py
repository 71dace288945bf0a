"""Needle products and lots (FHIR Device), stock per location with its ledger, recalls and who
was contacted, sharps containers, and staff needle-stick injuries."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiform.clinics.door import ClinicScopedQuerySet


class Handle(models.TextChoices):
    METAL = "metal", _("Metal (conducts: electrical stimulation possible)")
    PLASTIC = "plastic", _("Plastic")


class NeedleProduct(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    brand = models.CharField(_("brand and product name"), max_length=120)
    diameter_mm = models.DecimalField(_("diameter (mm)"), max_digits=3, decimal_places=2)
    length_mm = models.PositiveSmallIntegerField(_("length (mm)"))
    guide_tube = models.BooleanField(_("with guide tube"), default=True)
    handle = models.CharField(_("handle"), max_length=8, choices=Handle.choices)
    per_box = models.PositiveSmallIntegerField(_("needles per box"), default=100)
    active = models.BooleanField(default=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["brand", "diameter_mm", "length_mm"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["clinic", "brand", "diameter_mm", "length_mm", "guide_tube", "handle"],
                name="one_product_per_spec",
            )
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.diameter_mm}×{self.length_mm} mm"


class NeedleLot(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(NeedleProduct, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(_("lot number"), max_length=60)
    expires_on = models.DateField(_("expires on"))
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    supplier = models.CharField(_("supplier"), max_length=120, blank=True)
    recalled_at = models.DateTimeField(null=True, blank=True)
    recall_reason = models.CharField(max_length=300, blank=True)
    recalled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["expires_on", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["product", "lot_number"], name="one_lot_number_per_product"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product} lot {self.lot_number}"


class LotStock(models.Model):
    """Needles of one lot on hand at one location. Never below zero (a database constraint)."""

    lot = models.ForeignKey(NeedleLot, on_delete=models.PROTECT, related_name="stock")
    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="+")
    quantity = models.IntegerField(default=0)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["lot", "location"], name="one_stock_row_per_lot_location"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="stock_never_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lot} at {self.location}: {self.quantity}"


class MovementReason(models.TextChoices):
    RECEIVED = "received", _("Received")
    USED = "used", _("Used in a session")
    ADJUSTED = "adjusted", _("Count corrected")
    DISCARDED = "discarded", _("Discarded (expired, recalled, damaged)")


class StockMovement(models.Model):
    """The ledger behind the stock: every needle in or out, with why and, when used, the
    insertion it went into (which is how a recall finds its patients)."""

    lot = models.ForeignKey(NeedleLot, on_delete=models.PROTECT, related_name="movements")
    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="+")
    change = models.IntegerField()
    reason = models.CharField(max_length=10, choices=MovementReason.choices)
    insertion = models.ForeignKey(
        "charting.Insertion", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering: ClassVar[list[str]] = ["at", "id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["lot", "reason"], name="movement_lot_reason")
        ]

    def __str__(self) -> str:
        return f"{self.change:+d} {self.lot}"


class RecallContact(models.Model):
    """Follow-up of a recall: who was contacted, when, how, and what came of it."""

    lot = models.ForeignKey(NeedleLot, on_delete=models.PROTECT, related_name="contacts")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    contacted_at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=20)
    outcome = models.CharField(max_length=300)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering: ClassVar[list[str]] = ["contacted_at", "id"]

    def __str__(self) -> str:
        return f"{self.patient_id} contacted {self.contacted_at:%Y-%m-%d}"


class SharpsContainer(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="+")
    room = models.CharField(_("room"), max_length=60)
    label = models.CharField(_("label"), max_length=60)
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    fill_percent = models.PositiveSmallIntegerField(_("fill level (%)"), default=0)
    fill_updated_at = models.DateTimeField(null=True, blank=True)
    sealed_on = models.DateField(_("sealed on"), null=True, blank=True)
    picked_up_on = models.DateField(_("picked up on"), null=True, blank=True)
    hauler = models.CharField(_("hauler"), max_length=120, blank=True)
    manifest_number = models.CharField(_("manifest number"), max_length=60, blank=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["location__name", "room", "opened_on"]

    def __str__(self) -> str:
        return f"{self.label} ({self.room})"


class NeedleStickInjury(models.Model):
    """A staff needle-stick: seen only by the clinic's owners and the injured person."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    injured = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField()
    needle_used = models.BooleanField(_("the needle had been used on a patient"))
    source_patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    description = models.CharField(max_length=500)
    washed = models.BooleanField(_("wound washed and bleeding encouraged"), default=False)
    reported = models.BooleanField(_("reported to the owner"), default=False)
    source_consent = models.CharField(max_length=16, default="not_asked")
    source_tested = models.BooleanField(_("source patient tested (HBV, HCV, HIV)"), default=False)
    medical_assessment_at = models.DateTimeField(null=True, blank=True)
    follow_up_dates = models.JSONField(default=list)  # ISO dates: 6 weeks, 3 and 6 months
    reminders_sent = models.JSONField(default=list)  # "date:days-before" already e-mailed
    closed_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"Needle-stick {self.occurred_at:%Y-%m-%d}"
