"""Screenings (per episode of care), medication re-confirmations, and each clinic's choices
about the default screening rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiform.clinics.door import ClinicScopedQuerySet
from filiform.clinics.records import ClinicalRecord

if TYPE_CHECKING:
    pass


class ScreeningStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (not complete: clears no one)")
    CURRENT = "current", _("Current")
    SUPERSEDED = "superseded", _("Replaced by a newer screening")
    # Stored as FHIR's code (QuestionnaireResponse.status); the API shows "entered_in_error" as
    # it always has (clinics/records.py, status_as_before).
    ENTERED_IN_ERROR = "entered-in-error", _("Entered in error")


class Screening(ClinicalRecord):
    """One dry-needling screening. A complete one is never edited: a change is a new screening,
    which supersedes it; a mistake is marked entered-in-error with a reason. A draft (at most
    one per patient) is saved again until it is completed, and clears no one meanwhile.

    ``predates_explicit_answers`` marks screenings recorded before every question had to be
    answered yes, no or unsure: their "no" may mean "not asked", so they clear no one and the
    patient is screened again (migration 0002). Never deleted (clinics/records.py)."""

    entered_in_error_status = ScreeningStatus.ENTERED_IN_ERROR
    reason_required = _("Say why this screening was entered in error.")
    already_marked = _("This screening is already marked as entered in error.")

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="screenings"
    )
    episode = models.ForeignKey(
        "patients.EpisodeOfCare", on_delete=models.PROTECT, related_name="screenings"
    )
    answers = models.JSONField()  # ScreeningAnswers, validated by filiform.screening.answers
    status = models.CharField(
        max_length=20, choices=ScreeningStatus.choices, default=ScreeningStatus.CURRENT
    )
    screened_at = models.DateTimeField(default=timezone.now)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    error_reason = models.CharField(max_length=300, blank=True)
    predates_explicit_answers = models.BooleanField(default=False)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-screened_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["patient", "status", "-screened_at"], name="screening_current")
        ]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(status="draft"),
                name="one_screening_draft_per_patient",
            )
        ]

    def __str__(self) -> str:
        return f"Screening {self.screened_at:%Y-%m-%d}"


class MedicationCheck(models.Model):
    """Medications re-confirmed unchanged at a visit (a change means a new screening)."""

    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="checks")
    confirmed_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["-confirmed_at", "-id"]

    def __str__(self) -> str:
        return f"Medications confirmed {self.confirmed_at:%Y-%m-%d}"


class RuleChoice(models.Model):
    """A clinic's effect for one default rule (block, caution or off), with why and who."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    rule_id = models.CharField(max_length=60)
    effect = models.CharField(max_length=8)
    note = models.CharField(max_length=300, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["clinic", "rule_id"], name="one_choice_per_rule")
        ]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.effect}"
