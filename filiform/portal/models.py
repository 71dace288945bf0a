"""Links that let a patient open their own pages (an aftercare sheet, a check-in) without a
password. The link's token is signed with the server's secret and names the row; the row decides
whether it still works: not after it expires, not once revoked, and a single-use link not twice.
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


class LinkStatus(models.TextChoices):
    ACTIVE = "active", _("Works")
    USED = "used", _("Used")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class PortalLink(models.Model):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="portal_links"
    )
    purpose = models.CharField(max_length=20, choices=LinkPurpose.choices)
    target_id = models.PositiveBigIntegerField()  # the sheet or check-in it opens
    nonce = models.CharField(max_length=32)  # part of the signed token: a guessed id is useless
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
