"""Outcome measures taken over a course of care: each measurement keeps the answers as given,
the score computed from them, and who took it (a clinician in the visit, or the patient from a
link sent before it). Measurements are never edited; a mistake is marked entered in error."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiform.clinics.door import ClinicScopedQuerySet
from filiform.clinics.records import ClinicalRecord
from filiform.outcomes.instruments import Instrument

if TYPE_CHECKING:
    pass


class MeasurementSource(models.TextChoices):
    CLINICIAN = "clinician", _("Taken by the clinician")
    PATIENT = "patient", _("Answered by the patient")


class MeasurementStatus(models.TextChoices):
    FINAL = "final", _("Final")
    # Stored as FHIR's code (Observation.status); the API shows "entered_in_error" as it always
    # has (clinics/records.py, status_as_before).
    ENTERED_IN_ERROR = "entered-in-error", _("Entered in error")


class Measurement(ClinicalRecord):
    """One measure taken. Never deleted: a mistake is entered in error (clinics/records.py) and
    left out of progress and reports."""

    entered_in_error_status = MeasurementStatus.ENTERED_IN_ERROR
    reason_required = _("Say why this measurement was entered in error.")
    already_marked = _("This measurement is already marked as entered in error.")

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="measurements"
    )
    episode = models.ForeignKey(
        "patients.EpisodeOfCare", on_delete=models.PROTECT, related_name="measurements"
    )
    visit = models.ForeignKey(
        "charting.Visit",
        on_delete=models.PROTECT,
        related_name="measurements",
        null=True,
        blank=True,
    )
    instrument = models.CharField(max_length=12, choices=[(i.value, i.name) for i in Instrument])
    # what is measured within the instrument: "" for questionnaires; "shoulder/flexion/left/active"
    # for range of motion; the site for pressure pain threshold
    subject = models.CharField(max_length=120, blank=True)
    taken_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=10, choices=MeasurementSource.choices)
    answers = models.JSONField()
    value = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    scorable = models.BooleanField(default=True)
    why_not = models.CharField(max_length=300, blank=True)
    band = models.CharField(max_length=40, blank=True)
    detail = models.JSONField(default=dict)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    request = models.ForeignKey(
        "outcomes.MeasureRequest",
        on_delete=models.PROTECT,
        related_name="measurements",
        null=True,
        blank=True,
    )
    status = models.CharField(
        max_length=20, choices=MeasurementStatus.choices, default=MeasurementStatus.FINAL
    )
    error_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["taken_at", "id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["patient", "instrument", "taken_at"], name="measurement_series"),
            models.Index(fields=["clinic", "instrument", "taken_at"], name="measurement_clinic"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.value}"


class MeasureRequest(models.Model):
    """Questionnaires sent to the patient to fill in before a visit, through a single-use link."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(
        "patients.EpisodeOfCare", on_delete=models.PROTECT, related_name="+"
    )
    instruments = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Measures requested {self.created_at:%Y-%m-%d}"


class InstrumentText(models.Model):
    """The wording of a questionnaire item, loaded by a clinic that holds the licence. Filiform
    ships structure and scoring only; without a loaded text an item shows its neutral label."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    instrument = models.CharField(max_length=12, choices=[(i.value, i.name) for i in Instrument])
    item = models.PositiveSmallIntegerField()  # 1-based
    text = models.CharField(max_length=500)
    loaded_at = models.DateTimeField(default=timezone.now)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["instrument", "item"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["clinic", "instrument", "item"], name="instrument_text_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument} item {self.item}"
