"""Links that let a patient open one page of their own without a password: an aftercare sheet,
a check-in, the questionnaires before a visit, a consent to sign. The token names the row by
its SHA-256 (the token itself is stored nowhere); the row decides whether it still works: not
after it expires, not once revoked, and a single-use link not twice (filiform/links/services.py).

The table is the one the patient portal created (``portal_portallink``): the model moved here,
below consent, so that consent signing can use it too (issue 18, item 4).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiform.clinics.door import ClinicScopedQuerySet


class LinkPurpose(models.TextChoices):
    AFTERCARE = "aftercare", _("Aftercare sheet")
    CHECK_IN = "check_in", _("Check-in")
    MEASURES = "measures", _("Questionnaires before a visit")
    CONSENT_SIGNING = "consent_signing", _("Consent to sign")


class LinkStatus(models.TextChoices):
    ACTIVE = "active", _("Works")
    USED = "used", _("Used")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class PatientLink(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="patient_links"
    )
    purpose = models.CharField(max_length=20, choices=LinkPurpose.choices)
    target_id = models.PositiveBigIntegerField()  # the sheet, check-in or request it opens
    # A link that is printed or e-mailed again (a reprinted sheet's QR code) keeps a nonce, from
    # which the server makes the same token again with its secret key; a link sent once (consent
    # signing) keeps none: its token exists only in the patient's e-mail.
    nonce = models.CharField(max_length=32, blank=True)
    secret_sha256 = models.CharField(max_length=64, unique=True, null=True, blank=True)
    single_use = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    opened_count = models.PositiveIntegerField(default=0)
    last_opened_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        db_table = "portal_portallink"  # moved from the portal app with its rows
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["purpose", "target_id"], name="portal_link_target"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} link {self.pk}"

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return LinkStatus.REVOKED
        if self.single_use and self.used_at is not None:
            return LinkStatus.USED
        if self.expires_at <= timezone.now():
            return LinkStatus.EXPIRED
        return LinkStatus.ACTIVE

    def get_status_display(self) -> str:
        return str(LinkStatus(self.status).label)
