"""The patient registry (FHIR Patient). This first release holds identity and contact; the
clearance work adds screening, consent and the rest of the chart around it."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AdministrativeGender(models.TextChoices):
    """FHIR R4 administrative-gender value set."""

    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class Patient(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="patients")
    family_name = models.CharField(_("family name"), max_length=100)
    given_names = models.CharField(_("given names"), max_length=150)
    birth_date = models.DateField(_("date of birth"))
    gender = models.CharField(
        _("administrative gender"), max_length=10, choices=AdministrativeGender.choices
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["family_name", "given_names", "id"]
        indexes: ClassVar[list[models.Index]] = [
            # The patient list: one clinic's active patients in name order, a page at a time.
            # (Partial: SQLite cannot use an index on the bare boolean `active` for this.)
            models.Index(
                fields=["clinic", "family_name", "given_names", "id"],
                condition=models.Q(active=True),
                name="patient_list_order",
            ),
            models.Index(
                "clinic", Lower("family_name"), Lower("given_names"), name="patient_name_search"
            ),
            models.Index(fields=["clinic", "birth_date"], name="patient_birth_date"),
        ]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_names}"

    @property
    def display_name(self) -> str:
        return f"{self.given_names} {self.family_name}"
