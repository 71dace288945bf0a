"""The patient registry (FHIR Patient): identity, contact, address, language, emergency contact
and messaging preferences. Screening, consent and the chart hang off the patient page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiform.clinics.door import ClinicScopedQuerySet
from filiform.clinics.models import Province, postal_code_validator


class AdministrativeGender(models.TextChoices):
    """FHIR R4 administrative-gender value set."""

    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class PreferredLanguage(models.TextChoices):
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")
    OTHER = "other", _("Other (see note)")


class PatientQuerySet(ClinicScopedQuerySet["Patient"]):
    def bulk_create(self, objs: Iterable[Patient], *args: Any, **kwargs: Any) -> list[Patient]:
        objs = list(objs)
        for patient in objs:
            patient.refresh_search_keys()
        return super().bulk_create(objs, *args, **kwargs)


class Patient(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="patients")
    family_name = models.CharField(_("family name"), max_length=100)
    given_names = models.CharField(_("given names"), max_length=150)
    birth_date = models.DateField(_("date of birth"))
    gender = models.CharField(
        _("administrative gender"), max_length=10, choices=AdministrativeGender.choices
    )
    gender_text = models.CharField(
        _("gender, in the patient's words"),
        max_length=100,
        blank=True,
        help_text=_("Optional; shown to staff instead of the administrative code."),
    )
    phone = models.CharField(_("mobile phone"), max_length=30, blank=True)
    phone_home = models.CharField(_("home phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    street = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=2, blank=True, choices=Province.choices)
    postal_code = models.CharField(
        _("postal code"), max_length=7, blank=True, validators=[postal_code_validator]
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=PreferredLanguage.choices, default="en"
    )
    emergency_contact_name = models.CharField(_("emergency contact"), max_length=150, blank=True)
    emergency_contact_relationship = models.CharField(_("relationship"), max_length=60, blank=True)
    emergency_contact_phone = models.CharField(
        _("emergency contact phone"), max_length=30, blank=True
    )
    email_ok = models.BooleanField(_("may receive e-mail from the clinic"), default=False)
    sms_ok = models.BooleanField(_("may receive text messages from the clinic"), default=False)
    # Search keys (see search_keys.py), kept in step by save() and bulk_create().
    family_key = models.CharField(max_length=100, blank=True, editable=False)
    given_key = models.CharField(max_length=150, blank=True, editable=False)
    phone_key = models.CharField(max_length=20, blank=True, editable=False)
    phone_tail = models.CharField(max_length=4, blank=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        # Names sort by their folded keys: accents and case do not scatter a family in the list.
        ordering: ClassVar[list[str]] = ["family_key", "given_key", "id"]
        indexes: ClassVar[list[models.Index]] = [
            # The patient list: one clinic's active patients in name order, a page at a time.
            # (Partial: SQLite cannot use an index on the bare boolean `active` for this.)
            models.Index(
                fields=["clinic", "family_key", "given_key", "id"],
                condition=models.Q(active=True),
                name="patient_list_order",
            ),
            # Counting a clinic's active patients (the list's page count) from a small index.
            models.Index(
                fields=["clinic"], condition=models.Q(active=True), name="patient_active_count"
            ),
            models.Index(fields=["clinic", "family_key"], name="patient_family_key"),
            models.Index(fields=["clinic", "given_key"], name="patient_given_key"),
            models.Index(fields=["clinic", "phone_key"], name="patient_phone_key"),
            models.Index(fields=["clinic", "phone_tail"], name="patient_phone_tail"),
            models.Index(fields=["clinic", "birth_date"], name="patient_birth_date"),
        ]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_names}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_search_keys()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "family_key",
                "given_key",
                "phone_key",
                "phone_tail",
            }
        super().save(*args, **kwargs)

    def refresh_search_keys(self) -> None:
        from filiform.patients.search_keys import name_key, phone_key

        self.family_key = name_key(self.family_name)[:100]
        self.given_key = name_key(self.given_names)[:150]
        self.phone_key = phone_key(self.phone)[:20]
        self.phone_tail = self.phone_key[-4:]

    @property
    def display_name(self) -> str:
        return f"{self.given_names} {self.family_name}"


class EpisodeOfCare(models.Model):
    """One condition being treated (FHIR EpisodeOfCare). Screening belongs to an episode; the
    charting issue hangs the treatment plan and visits off it."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    condition = models.CharField(_("condition being treated"), max_length=200)
    referral_source = models.CharField(
        _("referred by"),
        max_length=200,
        blank=True,
        help_text=_("Self-referred, a physician, an insurer, another clinician…"),
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-started_on", "-id"]

    def __str__(self) -> str:
        return f"{self.condition} (from {self.started_on:%Y-%m-%d})"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None
