"""Visits (FHIR Encounter) with their SOAP note, treatment plans, needling sessions (FHIR
Procedure) insertion by insertion, adverse events, needle incidents and addenda.

A visit is a draft until it is signed; signing freezes the note and its needling session and
stores a SHA-256 of their content. After that nothing changes: corrections are addenda, and a
visit recorded by mistake is marked entered in error with a reason. The services enforce it; the
models refuse it too, so that no code path can edit a signed record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiform.anatomy.depth_limits import Approach
from filiform.charting.codes import (
    AdverseEventType,
    Position,
    Retest,
    SessionMode,
    Severity,
    Technique,
    Timing,
    Tolerance,
    Twitch,
    VisitStatus,
)
from filiform.charting.signals import visit_entered_in_error
from filiform.clinics.door import ClinicScopedQuerySet
from filiform.clinics.records import ClinicalRecord, NeverDeleted, RecordNeverDeleted

if TYPE_CHECKING:
    from filiform.clinics.access import Access


class SignedRecordChanged(Exception):
    """A signed clinical record was about to change: a programming error, never a user's."""


class SignedRecordDeleted(SignedRecordChanged, RecordNeverDeleted):
    """A charting record was about to be deleted (clinics/records.py refuses it)."""


class TreatmentPlan(models.Model):
    """The plan of an episode of care: dry needling is one component among others."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    episode = models.OneToOneField(
        "patients.EpisodeOfCare", on_delete=models.PROTECT, related_name="plan"
    )
    goals = models.TextField(_("goals"))
    components = models.JSONField(_("planned components"), default=list)
    frequency = models.CharField(_("frequency"), max_length=100, blank=True)
    expected_weeks = models.PositiveSmallIntegerField(_("expected duration (weeks)"), null=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ClinicScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Plan for {self.episode}"


class NoteTemplate(models.Model):
    """SOAP text to start a note from: the clinic's (owner is empty) or a clinician's own."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    name = models.CharField(_("name"), max_length=100)
    subjective = models.TextField(blank=True)
    objective = models.TextField(blank=True)
    assessment = models.TextField(blank=True)
    plan = models.TextField(blank=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]

    def __str__(self) -> str:
        return self.name


class _Locked(NeverDeleted):
    """Refuses any save once the visit it belongs to is signed; never deleted (the base)."""

    delete_refused = SignedRecordDeleted

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        visit_id = self.owning_visit_id()
        if (
            visit_id is not None
            and Visit.objects.filter(
                pk=visit_id, status__in=(VisitStatus.SIGNED, VisitStatus.ENTERED_IN_ERROR)
            ).exists()
        ):
            raise SignedRecordChanged(f"{type(self).__name__} of signed visit {visit_id}")
        super().save(*args, **kwargs)

    def owning_visit_id(self) -> int | None:
        raise NotImplementedError


class Visit(ClinicalRecord):
    """One encounter: SOAP note, optionally one needling session. Never deleted; one charted by
    mistake is entered in error (clinics/records.py), which locks it like a signed one."""

    delete_refused = SignedRecordDeleted
    entered_in_error_status = VisitStatus.ENTERED_IN_ERROR
    reason_required = _("Say why this visit was entered in error.")
    already_marked = _("This visit is already marked as entered in error.")

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="visits")
    episode = models.ForeignKey(
        "patients.EpisodeOfCare", on_delete=models.PROTECT, related_name="visits"
    )
    practitioner = models.ForeignKey(
        "clinics.Membership", on_delete=models.PROTECT, related_name="visits"
    )
    started_at = models.DateTimeField(default=timezone.now)
    subjective = models.TextField(_("subjective"), blank=True)
    objective = models.TextField(_("objective"), blank=True)
    assessment = models.TextField(_("assessment"), blank=True)
    plan = models.TextField(_("plan"), blank=True)
    # Why the visit was signed without an assessment (e.g. the patient left before treatment).
    no_assessment_reason = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=VisitStatus.choices, default=VisitStatus.DRAFT)
    version = models.PositiveIntegerField(default=1)  # optimistic lock for concurrent editors
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    content_sha256 = models.CharField(max_length=64, blank=True)
    signed_content = models.JSONField(null=True, blank=True)  # the exact content hashed
    error_reason = models.CharField(max_length=300, blank=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-started_at", "-id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["patient", "-started_at"], name="visit_patient_timeline"),
            models.Index(fields=["practitioner", "status", "started_at"], name="visit_unsigned"),
        ]

    def __str__(self) -> str:
        return f"Visit {self.started_at:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = Visit.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == VisitStatus.ENTERED_IN_ERROR or (
                stored == VisitStatus.SIGNED and self.status != VisitStatus.ENTERED_IN_ERROR
            ):
                raise SignedRecordChanged(f"visit {self.pk} is {stored}")
        super().save(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == VisitStatus.DRAFT

    def entered_in_error_hook(self, *, access: Access) -> None:
        # Aftercare cancels the visit's check-in and its links (aftercare/receivers.py).
        visit_entered_in_error.send(sender=Visit, visit=self, access=access)


class NeedlingSession(_Locked):
    """The needling inside a visit, with the clearance verdict it was performed under."""

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="session")
    performer = models.ForeignKey("clinics.Membership", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(
        max_length=16, choices=SessionMode.choices, default=SessionMode.DRY_NEEDLING
    )
    position = models.CharField(_("patient position"), max_length=20, choices=Position.choices)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    clearance_verdict = models.CharField(max_length=10)
    clearance_reasons = models.JSONField(default=list)
    clearance_at = models.DateTimeField()
    consent_record = models.ForeignKey(
        "consent.ConsentRecord", on_delete=models.PROTECT, related_name="+", null=True
    )
    consent_version = models.PositiveIntegerField(null=True)
    screening = models.ForeignKey(
        "screening.Screening", on_delete=models.PROTECT, related_name="+", null=True
    )
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )  # whose needle stock the insertions draw on
    needles_opened = models.PositiveSmallIntegerField(_("needles opened"), default=0)
    needles_removed = models.PositiveSmallIntegerField(
        _("needles removed and disposed of"), default=0
    )

    clinic_field = "visit__clinic"  # scoped through visit
    objects = ClinicScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"Needling {self.started_at:%Y-%m-%d}"

    def owning_visit_id(self) -> int | None:
        return self.visit_id

    @property
    def needles_inserted(self) -> int:
        return sum(i.needle_count for i in self.insertions.all())


class Insertion(_Locked):
    session = models.ForeignKey(
        NeedlingSession, on_delete=models.PROTECT, related_name="insertions"
    )
    order = models.PositiveSmallIntegerField()
    muscle = models.CharField(max_length=60)  # catalogue slug
    side = models.CharField(max_length=8, blank=True)  # left | right | "" (midline)
    trigger_point = models.CharField(max_length=30, blank=True)
    lot = models.ForeignKey(
        "supplies.NeedleLot",
        on_delete=models.PROTECT,
        related_name="insertions",
        null=True,
        blank=True,
    )
    needle_diameter_mm = models.DecimalField(max_digits=3, decimal_places=2)
    needle_length_mm = models.PositiveSmallIntegerField()
    needle_count = models.PositiveSmallIntegerField(default=1)
    depth_mm = models.DecimalField(max_digits=4, decimal_places=1)
    # How the needle was aimed ("" = not recorded, judged as straight in: the strictest), and the
    # vertebral level where it changes what lies under the muscle (anatomy/depth_limits.py).
    approach = models.CharField(max_length=16, choices=Approach.choices, blank=True)
    level = models.CharField(max_length=3, blank=True)
    technique = models.CharField(max_length=12, choices=Technique.choices)
    estim_frequency_hz = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    estim_intensity_ma = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    estim_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    retention_seconds = models.PositiveIntegerField(default=0)
    twitch = models.CharField(max_length=12, choices=Twitch.choices, default=Twitch.NOT_RECORDED)
    twitch_count = models.PositiveSmallIntegerField(null=True, blank=True)
    referred_pain = models.BooleanField(_("referred pain reproduced"), default=False)
    referred_pain_where = models.CharField(max_length=200, blank=True)
    tolerance = models.CharField(
        max_length=12, choices=Tolerance.choices, default=Tolerance.NOT_RECORDED
    )
    retest = models.CharField(max_length=12, choices=Retest.choices, default=Retest.NOT_TESTED)
    retest_note = models.CharField(max_length=200, blank=True)
    justification = models.CharField(max_length=500, blank=True)  # for a caution muscle
    clearance_reasons = models.JSONField(default=list)  # what the clearance said for this muscle
    created_at = models.DateTimeField(default=timezone.now)

    clinic_field = "session__visit__clinic"  # scoped through session
    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["order", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["session", "order"], name="insertion_order")
        ]

    def __str__(self) -> str:
        return f"{self.muscle} {self.side}".strip()

    def owning_visit_id(self) -> int | None:
        return (
            NeedlingSession.objects.filter(pk=self.session_id)
            .values_list("visit_id", flat=True)
            .first()
        )


class AdverseEvent(_Locked):
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="adverse_events")
    kind = models.CharField(_("type"), max_length=20, choices=AdverseEventType.choices)
    detail = models.CharField(_("what happened"), max_length=500, blank=True)
    severity = models.CharField(max_length=12, choices=Severity.choices)
    timing = models.CharField(max_length=8, choices=Timing.choices)
    muscle = models.CharField(max_length=60, blank=True)
    side = models.CharField(max_length=8, blank=True)
    action_taken = models.CharField(max_length=500, blank=True)
    follow_up = models.CharField(max_length=500, blank=True)
    reported_to = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    clinic_field = "visit__clinic"  # scoped through visit
    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.severity})"

    def owning_visit_id(self) -> int | None:
        return self.visit_id


class NeedleIncident(_Locked):
    """Needles opened and removed do not match: recorded, never silently accepted."""

    session = models.OneToOneField(
        NeedlingSession, on_delete=models.PROTECT, related_name="incident"
    )
    needles_unaccounted = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=500)
    action_taken = models.CharField(max_length=500)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    clinic_field = "session__visit__clinic"  # scoped through session
    objects = ClinicScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.needles_unaccounted} needle(s) unaccounted for"

    def owning_visit_id(self) -> int | None:
        return (
            NeedlingSession.objects.filter(pk=self.session_id)
            .values_list("visit_id", flat=True)
            .first()
        )


class Addendum(NeverDeleted):
    """A later note on a signed visit: who, when, why. Never edited, never deleted."""

    delete_refused = SignedRecordDeleted

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(_("reason"), max_length=200)
    text = models.TextField(_("addendum"))

    clinic_field = "visit__clinic"  # scoped through visit
    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Addendum {self.created_at:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise SignedRecordChanged("addenda are never edited")
        super().save(*args, **kwargs)


class InsertionFavourite(models.Model):
    """A clinician's saved insertion (muscle, needle, depth, technique…), charted again with one
    tap. Still goes through ``insertion_add`` and its clearance each time it is used."""

    owner = models.ForeignKey("clinics.Membership", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=80)
    data = models.JSONField(default=dict)  # insertion fields, as the entry form cleans them
    created_at = models.DateTimeField(default=timezone.now)

    clinic_field = "owner__clinic"  # scoped through owner
    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["name", "id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["owner", "name"], name="favourite_name_per_owner")
        ]

    def __str__(self) -> str:
        return self.name
