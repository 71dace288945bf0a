"""A practitioner's registration and needling credentials (FHIR Practitioner.qualification).

Held per clinic membership: the clinic checks them before anyone needles under its roof. The
facts behind the types are in shared/domain/clinical-reference.md §3.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiform.clinics.models import Province
from filiform.clinics.records import ClinicalRecord

if TYPE_CHECKING:
    from filiform.accounts.models import User


class RegistrationStatus(models.TextChoices):
    GENERAL = "general", _("General / full practising register")
    PROVISIONAL = "provisional", _("Provisional register")
    INTERN = "intern", _("Intern or student")
    INACTIVE = "inactive", _("Inactive, suspended or lapsed")


class AuthorizationKind(models.TextChoices):
    ONTARIO_ROSTER = "on_roster", _("Ontario: College acupuncture / dry needling roster")
    ALBERTA_RESTRICTED = "ab_restricted", _("Alberta: restricted activity authorization (needles)")
    BC_ROSTER = "bc_roster", _("British Columbia: acupuncture / dry needling / IMS roster")
    SASKATCHEWAN = "sk_specialized", _("Saskatchewan: specialized procedure")
    OTHER = "other", _("Other college authorization")


class TrainingProvider(models.TextChoices):
    KINETACORE = "kinetacore", _("Kinetacore")
    UBC_GUNN_IMS = "ubc_gunn_ims", _("UBC Gunn IMS")
    OTHER = "other", _("Other provider")


class _Credential(ClinicalRecord):
    """Never deleted: a credential recorded by mistake is marked entered-in-error (FHIR's status,
    clinics/records.py), kept for the record, and no longer counts towards the standing."""

    reason_required = _("Say why this entry is in error.")
    already_marked = _("This entry is already marked as entered in error.")
    already_marked_field = "reason"
    # A single credential's delete() is refused; a queryset's is not: credentials belong to their
    # membership (on_delete=CASCADE) and leave with it, and a backup restored over the database
    # replaces them in bulk (tests/operations/test_backup.py).
    bulk_delete_refused = False

    membership = models.ForeignKey("clinics.Membership", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    entered_in_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    entered_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        editable=False,
    )
    entered_in_error_reason = models.TextField(blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_entered_in_error(self) -> bool:
        return self.entered_in_error_at is not None

    def mark_entered_in_error(self, *, by: User, at: dt.datetime, reason: str) -> list[str]:
        self.entered_in_error_at, self.entered_in_error_by, self.entered_in_error_reason = (
            at,
            by,
            reason,
        )
        return ["entered_in_error_at", "entered_in_error_by", "entered_in_error_reason"]

    def entered_in_error_object_type(self) -> str:
        return self._meta.model_name or "credential"  # as the audit log has always named them

    def entered_in_error_detail(self) -> dict[str, Any]:
        return {"practitioner": self.membership.user.email, "status": "entered-in-error"}


class Registration(_Credential):
    province = models.CharField(_("province"), max_length=2, choices=Province.choices)
    college = models.CharField(_("college"), max_length=200)
    number = models.CharField(_("registration number"), max_length=40)
    status = models.CharField(_("status"), max_length=12, choices=RegistrationStatus.choices)
    expires_on = models.DateField(_("registration expires on"))

    class Meta:
        ordering: ClassVar[list[str]] = ["-expires_on", "-id"]

    def __str__(self) -> str:
        return f"{self.college} #{self.number}"


class NeedlingAuthorization(_Credential):
    kind = models.CharField(_("authorization"), max_length=16, choices=AuthorizationKind.choices)
    granted_on = models.DateField(_("granted on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    reference = models.CharField(_("roster or permit reference"), max_length=60, blank=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-granted_on", "-id"]

    def __str__(self) -> str:
        return self.get_kind_display()


class NeedlingTraining(_Credential):
    provider = models.CharField(
        _("course provider"), max_length=16, choices=TrainingProvider.choices
    )
    provider_name = models.CharField(_("provider name (if other)"), max_length=120, blank=True)
    level = models.CharField(_("course and level"), max_length=120)
    completed_on = models.DateField(_("completed on"))
    certificate = models.FileField(_("certificate"), upload_to="certificates/%Y/", blank=True)
    certificate_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    regions = models.JSONField(
        _("body regions covered"),
        default=list,
        blank=True,
        help_text=_("Leave empty when the course covers the whole body."),
    )

    class Meta:
        ordering: ClassVar[list[str]] = ["-completed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.level}"


class CredentialReminder(models.Model):
    """A reminder already sent, so that each (credential, expiry, days before) goes out once."""

    membership = models.ForeignKey("clinics.Membership", on_delete=models.CASCADE, related_name="+")
    what = models.CharField(max_length=60)
    expires_on = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["membership", "what", "expires_on", "days_before"], name="reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.what} {self.expires_on} −{self.days_before}d"
