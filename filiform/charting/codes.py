"""Coded values of the needling record, in one place (FHIR-style codes, labels for people)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanComponent(models.TextChoices):
    EDUCATION = "education", _("Education")
    EXERCISE = "exercise", _("Exercise")
    MANUAL_THERAPY = "manual_therapy", _("Manual therapy")
    DRY_NEEDLING = "dry_needling", _("Dry needling / IMS")
    MODALITIES = "modalities", _("Modalities")


class VisitStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")
    # Stored as FHIR's code (Encounter.status); the API shows "entered_in_error" as it always
    # has (clinics/records.py, status_as_before).
    ENTERED_IN_ERROR = "entered-in-error", _("Entered in error")


class SessionMode(models.TextChoices):
    DRY_NEEDLING = "dry_needling", _("Dry needling")
    GUNN_IMS = "gunn_ims", _("Gunn IMS")


class Position(models.TextChoices):
    PRONE = "prone", _("Prone")
    SUPINE = "supine", _("Supine")
    SIDE_LYING_LEFT = "side_lying_left", _("Side-lying on the left")
    SIDE_LYING_RIGHT = "side_lying_right", _("Side-lying on the right")
    SITTING = "sitting", _("Sitting")


class Technique(models.TextChoices):
    STATIC = "static", _("Static")
    PISTONING = "pistoning", _("Pistoning (fast in and out)")
    ROTATION = "rotation", _("Rotation")
    FANNING = "fanning", _("Fanning")
    ELECTRICAL = "electrical", _("Electrical stimulation")


class Twitch(models.TextChoices):
    """Not recorded unless the clinician says: a form default must never read as a finding."""

    NOT_RECORDED = "not_recorded", _("Not recorded")
    NONE = "none", _("None")
    FEW = "few", _("A few")
    MANY = "many", _("Many")


class Tolerance(models.TextChoices):
    NOT_RECORDED = "not_recorded", _("Not recorded")
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")


class Retest(models.TextChoices):
    BETTER = "better", _("Better")
    SAME = "same", _("Same")
    WORSE = "worse", _("Worse")
    NOT_TESTED = "not_tested", _("Not tested")


class AdverseEventType(models.TextChoices):
    BRUISING = "bruising", _("Bruising")
    BLEEDING = "bleeding", _("Bleeding")
    PAIN_DURING = "pain_during", _("Pain during treatment")
    PAIN_AFTER = "pain_after", _("Pain after treatment")
    FAINTING = "fainting", _("Fainting (vasovagal)")
    DROWSINESS = "drowsiness", _("Drowsiness")
    NAUSEA = "nausea", _("Nausea")
    HEADACHE = "headache", _("Headache")
    WORSE_SYMPTOMS = "worse_symptoms", _("Worse symptoms")
    PNEUMOTHORAX = "pneumothorax", _("Suspected pneumothorax")
    RETAINED_NEEDLE = "retained_needle", _("Retained needle")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    """White et al. scale, as used by Physiotherapy Alberta (clinical reference §2)."""

    MILD = "mild", _("Mild: brief and reversible")
    SIGNIFICANT = "significant", _("Significant: needs medical care or disrupts activities")
    SERIOUS = "serious", _("Serious: hospital admission, lasting disability or death")


class Timing(models.TextChoices):
    DURING = "during", _("During treatment")
    AFTER = "after", _("After treatment")


NEEDLE_DIAMETERS_MM = ("0.16", "0.18", "0.20", "0.22", "0.25", "0.30", "0.35")
NEEDLE_LENGTHS_MM = (13, 15, 25, 30, 40, 50, 60, 75, 90)
