"""A clinic's own additions to the shipped catalogue: muscles (with their place on the chart)
and extra trigger points on any muscle. The shipped catalogue itself is data, not rows."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiform.clinics.door import ClinicScopedQuerySet


class ClinicMuscle(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    slug = models.CharField(max_length=60)
    muscle = models.JSONField()  # the catalogue's Muscle fields, validated by catalogue.Muscle
    view = models.CharField(_("chart view"), max_length=5)
    shape = models.JSONField()  # polygon for the patient's right side (mirrored for the left)
    referral = models.JSONField(default=list)  # zone ids
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["clinic", "slug"], name="clinic_muscle_slug")
        ]

    def __str__(self) -> str:
        return self.slug


class ClinicTriggerPoint(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    muscle_slug = models.CharField(max_length=60)
    view = models.CharField(max_length=5)
    x = models.FloatField()
    y = models.FloatField()
    label = models.CharField(max_length=120, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["id"]

    def __str__(self) -> str:
        return f"{self.muscle_slug} ({self.x:.0f}, {self.y:.0f})"


class MuscleSafetyChoice(models.Model):
    """A clinic's own depth limit, caution level or permission for one muscle, replacing the
    shipped default (anatomy/depth_limits.py, segments.py). Changed by owners only, audited."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    muscle_slug = models.CharField(max_length=60)
    max_depth_mm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    allow_blocked = models.BooleanField(default=False)
    caution = models.CharField(max_length=20, blank=True)  # "" = the catalogue's own
    note = models.CharField(max_length=300)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["clinic", "muscle_slug"], name="one_safety_choice_per_muscle"
            )
        ]

    def __str__(self) -> str:
        return self.muscle_slug
