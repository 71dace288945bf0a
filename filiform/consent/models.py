"""Consent templates: versioned per clinic. A version is never edited once saved; a change is a
new version, so every consent record can keep the exact text it was given under."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiform.clinics.door import ClinicScopedQuerySet
from filiform.clinics.text_versions import VersionedText


class ConsentTemplate(VersionedText):
    """A version of the clinic's consent text (clinics/text_versions.py): never changed once
    saved; a consent record keeps a snapshot of the version it was given under."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"))
    body_sha256 = models.CharField(max_length=64, editable=False)
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-version"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["clinic", "version"], name="consent_template_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def snapshot(self) -> dict[str, str]:
        """The copy of this text that a consent record keeps."""
        return {"text_title": self.title, "text_body": self.body, "text_sha256": self.body_sha256}


class ConsentDecision(models.TextChoices):
    PERMIT = "permit", _("Gives consent")
    DENY = "deny", _("Declines")


class ConsentRecord(models.Model):
    """One consent conversation and its outcome (FHIR Consent). Never edited: it can only be
    withdrawn, which is recorded on it with who, when and why."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="consents"
    )
    template = models.ForeignKey(ConsentTemplate, on_delete=models.PROTECT, related_name="records")
    text_title = models.CharField(max_length=200)
    text_body = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    risks_discussed = models.BooleanField(_("risks discussed"))
    benefits_discussed = models.BooleanField(_("expected benefits discussed"))
    alternatives_discussed = models.BooleanField(_("alternatives discussed"))
    questions_answered = models.BooleanField(_("questions asked and answered"))
    thorax_acknowledged = models.BooleanField(
        _("thorax risk (pneumothorax) explained and accepted")
    )
    discussed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(_("decision"), max_length=8, choices=ConsentDecision.choices)
    signer_name = models.CharField(_("signed by (printed name)"), max_length=200)
    signature_strokes = models.JSONField(default=list, blank=True)
    signature_png = models.BinaryField(
        _("signature image (PNG), when uploaded instead of drawn"), default=b"", blank=True
    )
    witness_name = models.CharField(_("witness (optional)"), max_length=200, blank=True)
    signed_at = models.DateTimeField(default=timezone.now)
    valid_until = models.DateField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    withdrawal_note = models.CharField(max_length=300, blank=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-signed_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["patient", "-signed_at"], name="consent_patient_latest")
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} {self.signed_at:%Y-%m-%d}"


class DiscussionMethod(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    VIDEO = "video", _("By video call")


class SigningRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the patient")
    USED = "used", _("Signed")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


class ConsentSigningRequest(models.Model):
    """A link e-mailed to the patient to read the consent text and sign it on their own device.

    The sending clinician attests that risks, benefits and alternatives were discussed (and how);
    the patient confirms their questions were answered when signing. The request keeps what was
    sent (the text version, to whom, the e-mail's delivery); the link itself is a patient link
    (filiform/links: purpose ``consent_signing``), which holds the token's SHA-256 (set when the
    e-mail goes; the token is stored nowhere), the expiry, the single use and the cancellation."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="consent_requests"
    )
    template = models.ForeignKey(ConsentTemplate, on_delete=models.PROTECT, related_name="+")
    email = models.EmailField(_("sent to"))
    risks_discussed = models.BooleanField(_("risks discussed"))
    benefits_discussed = models.BooleanField(_("expected benefits discussed"))
    alternatives_discussed = models.BooleanField(_("alternatives discussed"))
    discussion_method = models.CharField(
        _("how it was discussed"), max_length=16, choices=DiscussionMethod.choices
    )
    discussion_note = models.CharField(_("note on the discussion"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set in the transaction that creates the request (the link names the request it opens).
    link = models.OneToOneField(
        "links.PatientLink", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    record = models.OneToOneField(
        ConsentRecord,
        on_delete=models.PROTECT,
        related_name="signing_request",
        null=True,
        blank=True,
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["patient", "-created_at"], name="consent_request_patient")
        ]

    def __str__(self) -> str:
        return f"signing link {self.pk} ({self.status})"

    # What the link says, in the request's own words (pages, API, e-mail). A request without
    # its link (none is made so: both are written in one transaction) reads as expired.
    @property
    def expires_at(self) -> dt.datetime:
        return self.link.expires_at if self.link else self.created_at

    @property
    def token_hash(self) -> str | None:
        return self.link.secret_sha256 if self.link else None

    @property
    def used_at(self) -> dt.datetime | None:
        return self.link.used_at if self.link else None

    @property
    def cancelled_at(self) -> dt.datetime | None:
        return self.link.revoked_at if self.link else None

    @property
    def cancelled_by(self) -> AbstractBaseUser | None:
        return self.link.revoked_by if self.link else None

    @property
    def status(self) -> str:
        if self.used_at is not None:
            return SigningRequestStatus.USED
        if self.cancelled_at is not None:
            return SigningRequestStatus.CANCELLED
        if self.expires_at <= timezone.now():
            return SigningRequestStatus.EXPIRED
        return SigningRequestStatus.PENDING

    def get_status_display(self) -> str:
        return str(SigningRequestStatus(self.status).label)
