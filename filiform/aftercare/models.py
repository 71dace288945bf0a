"""Aftercare: the instructions a patient takes home after needling, the messages that carry them,
the check-in a day later, the red-flag alerts it raises and the calls the front desk makes when
a check-in goes unanswered."""

from __future__ import annotations

import hashlib
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiform.clinics.door import ClinicScopedQuerySet
from filiform.clinics.text_versions import VersionedText


class AftercareTemplate(VersionedText):
    """A version of the clinic's aftercare text (Markdown). Versions are never changed
    (clinics/text_versions.py): a sheet points at the exact version it was made from."""

    text_fields = ("title", "body", "thorax_warning")

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("what to expect and what to do (Markdown)"))
    thorax_warning = models.TextField(
        _("extra warning when the chest was needled (Markdown)"), blank=True
    )
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
            models.UniqueConstraint(fields=["clinic", "version"], name="aftercare_template_version")
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    def fingerprint(self) -> str:
        joined = f"{self.title}\n{self.body}\n{self.thorax_warning}"
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()


class AftercareSheet(models.Model):
    """The instructions for one needling visit. The clinician's advice and home exercises are
    written while the visit is a draft; signing the visit issues the sheet, which freezes its
    content (``content``) and sends it."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="aftercare_sheets"
    )
    visit = models.OneToOneField(
        "charting.Visit", on_delete=models.PROTECT, related_name="aftercare_sheet"
    )
    advice = models.TextField(_("your advice to the patient"), blank=True)
    home_exercises = models.TextField(_("home exercises"), blank=True)
    template = models.ForeignKey(
        AftercareTemplate, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    content = models.JSONField(null=True, blank=True)  # frozen at issue: what the patient got
    issued_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"Aftercare for visit {self.visit_id}"

    @property
    def is_issued(self) -> bool:
        return self.issued_at is not None


class MessageKind(models.TextChoices):
    AFTERCARE = "aftercare", _("Aftercare sheet")
    CHECK_IN = "check_in", _("Check-in invitation")
    RED_FLAG = "red_flag", _("Red-flag alert to clinicians")
    MEASURES = "measures", _("Questionnaires before a visit")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    IN_PERSON = "in_person", _("In person (no e-mail)")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    RETRYING = "retrying", _("Retrying: mail server not reachable")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed: deliver in person")
    IN_PERSON = "in_person", _("Deliver in person")
    HANDED_OVER = "handed_over", _("Handed over in person")
    CANCELLED = "cancelled", _("Cancelled")


class Delivery(models.Model):
    """One message to send, with its attempts: nothing is lost when the mail server is down."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=MessageKind.choices)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    to = models.JSONField(default=list)  # addresses, for e-mail
    why_in_person = models.CharField(max_length=200, blank=True)
    sheet = models.ForeignKey(
        AftercareSheet, on_delete=models.PROTECT, related_name="deliveries", null=True, blank=True
    )
    check_in = models.ForeignKey(
        "aftercare.CheckIn",
        on_delete=models.PROTECT,
        related_name="deliveries",
        null=True,
        blank=True,
    )
    alert = models.ForeignKey(
        "aftercare.RedFlagAlert",
        on_delete=models.PROTECT,
        related_name="deliveries",
        null=True,
        blank=True,
    )
    measure_request = models.ForeignKey(
        "outcomes.MeasureRequest",
        on_delete=models.PROTECT,
        related_name="deliveries",
        null=True,
        blank=True,
    )
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @property
    def reason(self) -> str:
        """Why it has not gone (yet), in plain words (as an outbox message says it)."""
        from filiform.notices.models import delivery_reason

        return delivery_reason(self.last_error)


class CheckInStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENT = "sent", _("Sent, waiting for an answer")
    CALL = "call", _("To call (no e-mail)")
    ANSWERED = "answered", _("Answered")
    CANCELLED = "cancelled", _("Cancelled")


class Triage(models.TextChoices):
    GREEN = "green", _("As expected")
    AMBER = "amber", _("Concern: review")
    RED = "red", _("Red flag: act now")


class CheckIn(models.Model):
    """How the patient is a day after needling. Sent at ``due_at`` by the worker; the answer is
    kept as a FHIR QuestionnaireResponse-shaped document and triaged green, amber or red."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="check_ins"
    )
    visit = models.OneToOneField(
        "charting.Visit", on_delete=models.PROTECT, related_name="check_in"
    )
    practitioner = models.ForeignKey(
        "clinics.Membership", on_delete=models.PROTECT, related_name="+"
    )
    thorax_needled = models.BooleanField(default=False)
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=12, choices=CheckInStatus.choices, default=CheckInStatus.SCHEDULED
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_via = models.CharField(max_length=20, blank=True)  # portal-link | phone
    response = models.JSONField(null=True, blank=True)  # QuestionnaireResponse
    triage = models.CharField(max_length=6, choices=Triage.choices, blank=True)
    triage_reasons = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-due_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["clinic", "status", "due_at"], name="check_in_queue"),
        ]

    def __str__(self) -> str:
        return f"Check-in for visit {self.visit_id}"


class AlertLevel(models.TextChoices):
    RED = "red", _("Red flag")
    AMBER = "amber", _("Concern")


class RedFlagAlert(models.Model):
    """An alert on the clinicians' dashboards that stays until a clinician records what was
    done."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    check_in = models.ForeignKey(
        CheckIn, on_delete=models.PROTECT, related_name="alerts", null=True, blank=True
    )
    practitioner = models.ForeignKey(
        "clinics.Membership", on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(max_length=6, choices=AlertLevel.choices)
    reasons = models.JSONField(default=list)
    raised_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    action_taken = models.TextField(_("what was done"), blank=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-raised_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["clinic", "raised_at"],
                condition=models.Q(resolved_at__isnull=True),
                name="alert_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} for {self.patient_id}"


class CallOutcome(models.TextChoices):
    REACHED_WELL = "reached_well", _("Reached: doing as expected")
    REACHED_CONCERN = "reached_concern", _("Reached: concern passed to the clinician")
    LEFT_MESSAGE = "left_message", _("No answer: left a message")
    NO_ANSWER = "no_answer", _("No answer, no message")
    WRONG_NUMBER = "wrong_number", _("Wrong or missing number")
    CLOSED = "closed", _("Stopped trying")


CALL_CLOSES = frozenset(
    {
        CallOutcome.REACHED_WELL,
        CallOutcome.REACHED_CONCERN,
        CallOutcome.WRONG_NUMBER,
        CallOutcome.CLOSED,
    }
)


class FollowUpCall(models.Model):
    """A front-desk call about a check-in that was not answered (or could not be sent)."""

    clinic_field = "check_in__clinic"  # scoped through its check-in

    check_in = models.ForeignKey(CheckIn, on_delete=models.PROTECT, related_name="calls")
    outcome = models.CharField(max_length=20, choices=CallOutcome.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    called_at = models.DateTimeField(default=timezone.now)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["called_at", "id"]

    def __str__(self) -> str:
        return self.get_outcome_display()
