"""The clinic is the tenant: every clinical row carries a clinic key, and staff belong to clinics."""

from __future__ import annotations

from typing import ClassVar
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiform.clinics.door import ClinicScopedQuerySet


class Province(models.TextChoices):
    AB = "AB", _("Alberta")
    BC = "BC", _("British Columbia")
    MB = "MB", _("Manitoba")
    NB = "NB", _("New Brunswick")
    NL = "NL", _("Newfoundland and Labrador")
    NS = "NS", _("Nova Scotia")
    NT = "NT", _("Northwest Territories")
    NU = "NU", _("Nunavut")
    ON = "ON", _("Ontario")
    PE = "PE", _("Prince Edward Island")
    QC = "QC", _("Quebec")
    SK = "SK", _("Saskatchewan")
    YT = "YT", _("Yukon")


class Role(models.TextChoices):
    OWNER = "owner", _("Clinic owner")
    PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
    FRONT_DESK = "front_desk", _("Front desk")
    BILLING = "billing", _("Billing")


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(
            _("%(value)s is not a time zone name; use one such as America/Toronto."),
            params={"value": value},
        )


postal_code_validator = RegexValidator(
    r"^[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d$", _("Enter a Canadian postal code such as K1A 0B1.")
)


class Clinic(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in addresses"), max_length=60, unique=True)
    street = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=2, choices=Province.choices)
    postal_code = models.CharField(
        _("postal code"), max_length=7, blank=True, validators=[postal_code_validator]
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="America/Toronto", validators=[validate_time_zone]
    )
    require_staff_two_factor = models.BooleanField(
        _("two-factor sign-in required for staff"), default=True
    )
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        _("sign out after this many idle minutes"),
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(720)],
    )
    consent_valid_months = models.PositiveSmallIntegerField(
        _("consent to needling stays valid for (months)"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    screening_valid_months = models.PositiveSmallIntegerField(
        _("full re-screening needed after (months)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )
    medications_valid_days = models.PositiveSmallIntegerField(
        _("medications must have been re-confirmed within (days; 0 = on the day of needling)"),
        default=0,
        validators=[MaxValueValidator(30)],
    )
    unsigned_note_hours = models.PositiveSmallIntegerField(
        _("remind clinicians of notes left unsigned after (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(336)],
    )
    sharps_max_age_days = models.PositiveSmallIntegerField(
        _("seal a sharps container after (days), however full"),
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(365)],
    )
    low_stock_needles = models.PositiveIntegerField(
        _("warn when a needle lot has fewer than this many left"),
        default=100,
        validators=[MaxValueValidator(100_000)],
    )
    needles_metal_allergy_safe = models.BooleanField(
        _("our needles are suitable for patients with a nickel or chromium allergy"),
        default=False,
        help_text=_("Tick only if the needles in use are certified free of the allergens."),
    )
    check_in_after_hours = models.PositiveSmallIntegerField(
        _("send the aftercare check-in this many hours after needling"),
        default=24,
        validators=[MinValueValidator(2), MaxValueValidator(168)],
    )
    check_in_no_answer_hours = models.PositiveSmallIntegerField(
        _("an unanswered check-in goes to the front desk's call list after (hours)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="locations")
    name = models.CharField(_("name"), max_length=200)
    street = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    province = models.CharField(_("province"), max_length=2, choices=Province.choices)
    postal_code = models.CharField(
        _("postal code"), max_length=7, blank=True, validators=[postal_code_validator]
    )
    is_active = models.BooleanField(default=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["clinic", "name"], name="location_name_unique_in_clinic"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's place in one clinic. Deactivated, never deleted: the audit log points at it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(default=timezone.now)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["clinic__name"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_clinic")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.clinic}"
