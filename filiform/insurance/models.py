"""Extended health insurance: insurers, a patient's policies with their coverage terms, what
each plan has paid in its benefit year (usage), and claims billed directly to insurers.

A policy's coverage terms are the plan's rules for physiotherapy (annual maximum per
discipline or combined paramedical, per-visit maximum, coinsurance, deductible, benefit year,
physician referral, progress report). A claim asks one policy's insurer to pay toward one
invoice; primary first, then secondary (coordination of benefits). Claims and usage are money
records: never deleted (a denied claim is closed and resubmitted as a new claim).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from filiform.billing.models import _Kept, _money
from filiform.clinics.door import ClinicScopedQuerySet


class Insurer(models.Model):
    """An extended health insurer (FHIR Organization, type "ins"). Seeded with the insurers
    Canadian clinics direct-bill; shared by every clinic."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    direct_billing = models.BooleanField(_("clinics can bill it directly"), default=True)
    network = models.CharField(_("how claims usually reach it"), max_length=80, blank=True)
    progress_report_after = models.PositiveSmallIntegerField(
        _("progress report usually asked for after this many visits"), null=True, blank=True
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]

    def __str__(self) -> str:
        return self.name


class ClaimChannel(models.TextChoices):
    """How a clinic's claims reach an insurer: an adapter (insurance/adapters/)."""

    PORTAL = "portal", _("Insurer portal (staff record the insurer's answer)")
    FHIR = "fhir", _("FHIR R4 Claim to an endpoint")


class InsurerConnection(models.Model):
    """How one clinic sends claims to one insurer. Without a row, the insurer portal."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    insurer = models.ForeignKey(Insurer, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(
        _("channel"), max_length=10, choices=ClaimChannel.choices, default=ClaimChannel.PORTAL
    )
    endpoint = models.URLField(_("FHIR endpoint (base URL)"), blank=True)
    provider_number = models.CharField(
        _("the clinic's provider number with this insurer"), max_length=40, blank=True
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["clinic", "insurer"], name="one_connection_per_insurer"
            ),
            models.CheckConstraint(
                condition=~Q(channel="fhir") | ~Q(endpoint=""), name="fhir_connection_has_endpoint"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.insurer} via {self.channel}"


class Relationship(models.TextChoices):
    SUBSCRIBER = "subscriber", _("Plan member (self)")
    SPOUSE = "spouse", _("Spouse")
    DEPENDENT = "dependent", _("Dependent")


class Rank(models.IntegerChoices):
    PRIMARY = 1, _("Primary")
    SECONDARY = 2, _("Secondary")


class MaximumScope(models.TextChoices):
    DISCIPLINE = "discipline", _("Physiotherapy only")
    COMBINED = "combined", _("Combined paramedical (shared with other practitioners)")


class BenefitYear(models.TextChoices):
    CALENDAR = "calendar", _("Calendar year (January 1)")
    POLICY = "policy", _("Policy year (from the policy's effective date)")
    BIRTHDAY = "birthday", _("Member's birthday")


class Policy(models.Model):
    """A patient's extended health coverage with one insurer, and its terms for physiotherapy
    (FHIR Coverage). Ended, never deleted: claims point at it."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="policies"
    )
    insurer = models.ForeignKey(Insurer, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveSmallIntegerField(_("order"), choices=Rank.choices, default=Rank.PRIMARY)
    plan_name = models.CharField(_("plan"), max_length=120, blank=True)
    group_number = models.CharField(_("group / policy number"), max_length=40)
    member_id = models.CharField(_("member / certificate id"), max_length=40)
    relationship = models.CharField(
        _("patient is the"), max_length=12, choices=Relationship.choices
    )
    subscriber_name = models.CharField(_("plan member's name"), max_length=160, blank=True)
    subscriber_birth_date = models.DateField(
        _("plan member's date of birth"), null=True, blank=True
    )
    effective_on = models.DateField(_("policy effective date"))
    ends_on = models.DateField(_("coverage ends on"), null=True, blank=True)
    # coverage terms for physiotherapy
    annual_maximum = _money(_("annual maximum"), null=True, blank=True)  # None: no maximum
    maximum_scope = models.CharField(
        _("annual maximum applies to"),
        max_length=12,
        choices=MaximumScope.choices,
        default=MaximumScope.DISCIPLINE,
    )
    per_visit_maximum = _money(_("per-visit maximum"), null=True, blank=True)
    coinsurance_percent = models.DecimalField(
        _("insurer pays (%)"), max_digits=5, decimal_places=2, default=Decimal("80.00")
    )
    deductible = _money(_("annual deductible"), default=Decimal("0.00"))
    benefit_year = models.CharField(
        _("benefit year"), max_length=10, choices=BenefitYear.choices, default=BenefitYear.CALENDAR
    )
    referral_required = models.BooleanField(_("physician referral required"), default=False)
    referral_on_file_on = models.DateField(_("referral received on"), null=True, blank=True)
    progress_report_after = models.PositiveSmallIntegerField(
        _("progress report after this many visits"), null=True, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    ended_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-is_active", "rank", "-created_at"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=Q(coinsurance_percent__gte=0, coinsurance_percent__lte=100),
                name="policy_coinsurance_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(deductible__gte=0)
                & (Q(annual_maximum__isnull=True) | Q(annual_maximum__gte=0))
                & (Q(per_visit_maximum__isnull=True) | Q(per_visit_maximum__gte=0)),
                name="policy_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("effective_on")),
                name="policy_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["patient", "rank"],
                condition=Q(is_active=True),
                name="one_active_policy_per_rank",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.insurer} {self.group_number}/{self.member_id}"


class UsageSource(models.TextChoices):
    CLAIM = "claim", _("A claim from this clinic")
    REPORTED = "reported", _("Reported (paid elsewhere this benefit year)")


class CoverageUsage(_Kept):
    """Money a plan paid (and deductible met) toward one service, counted against the annual
    maximum of the benefit year the date of service falls in. Written when a claim is
    adjudicated, or entered by staff for claims paid elsewhere (another clinic, another
    paramedical discipline under a combined maximum). Corrections are new rows with negative
    amounts, so the history stays."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="usage")
    claim = models.OneToOneField(
        "insurance.Claim", on_delete=models.PROTECT, related_name="usage", null=True, blank=True
    )
    source = models.CharField(max_length=10, choices=UsageSource.choices)
    discipline = models.CharField(
        _("discipline"), max_length=40, default="physiotherapy"
    )  # "massage therapy", "chiropractic"... for reported usage under a combined maximum
    date_of_service = models.DateField(_("date of service"))
    insurer_paid = _money(_("paid by the plan"))
    deductible_applied = _money(_("deductible met"), default=Decimal("0.00"))
    note = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["date_of_service", "id"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["policy", "date_of_service"], name="usage_policy_day"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.date_of_service} {self.insurer_paid}"


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ADJUDICATED = "adjudicated", _("Adjudicated")
    CLOSED = "closed", _("Closed")


class ClaimOutcome(models.TextChoices):
    PAID = "paid", _("Paid")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    DENIED = "denied", _("Denied")


class Claim(_Kept):
    """A request to one policy's insurer to pay toward one invoice (FHIR Claim; the answer is a
    ClaimResponse). ``sequence`` 1 is the primary plan, 2 the secondary, which is claimed for
    what the primary left. The practitioner's name, designation and registration number are
    copied when the claim is drafted: insurers reject claims without them."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey("billing.Invoice", on_delete=models.PROTECT, related_name="claims")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="claims")
    sequence = models.PositiveSmallIntegerField(choices=Rank.choices)
    channel = models.CharField(max_length=10, choices=ClaimChannel.choices)
    status = models.CharField(max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    outcome = models.CharField(max_length=12, choices=ClaimOutcome.choices, blank=True)
    date_of_service = models.DateField(_("date of service"))
    practitioner = models.ForeignKey(
        "clinics.Membership", on_delete=models.PROTECT, related_name="+"
    )
    practitioner_name = models.CharField(max_length=160)
    practitioner_designation = models.CharField(max_length=80)
    registration_number = models.CharField(max_length=40)
    claimed_amount = _money(_("amount claimed"))
    paid_amount = _money(_("amount the insurer pays"), null=True, blank=True)
    deductible_applied = _money(_("deductible applied"), default=Decimal("0.00"))
    patient_portion = _money(_("patient's portion"), null=True, blank=True)
    denial_reason = models.CharField(_("reason given"), max_length=300, blank=True)
    insurer_reference = models.CharField(_("insurer's claim number"), max_length=80, blank=True)
    resubmission_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, related_name="resubmitted_as", null=True, blank=True
    )
    request = models.JSONField(default=dict, blank=True)  # what was sent (a FHIR Claim)
    response = models.JSONField(default=dict, blank=True)  # what came back (ClaimResponse)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    adjudicated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = ClinicScopedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=Q(claimed_amount__gt=0), name="claim_amount_positive"),
            models.CheckConstraint(
                condition=Q(paid_amount__isnull=True)
                | Q(paid_amount__gte=0, paid_amount__lte=F("claimed_amount")),
                name="claim_paid_within_claimed",
            ),
            models.CheckConstraint(
                condition=~Q(registration_number=""), name="claim_has_registration_number"
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(status__in=["adjudicated", "closed"]),
                name="claim_outcome_after_adjudication",
            ),
            models.UniqueConstraint(
                fields=["invoice", "policy"],
                condition=Q(status__in=["draft", "submitted", "adjudicated"]),
                name="one_open_claim_per_invoice_and_policy",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["clinic", "status"], name="claim_clinic_status"),
        ]

    def __str__(self) -> str:
        return f"Claim {self.pk} {self.get_status_display()}"


class ClaimEvent(_Kept):
    """One step of a claim's life: drafted, submitted, adjudicated, closed, resubmitted."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="events")
    status = models.CharField(max_length=12, choices=ClaimStatus.choices)
    outcome = models.CharField(max_length=12, choices=ClaimOutcome.choices, blank=True)
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering: ClassVar[list[str]] = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.status}"
