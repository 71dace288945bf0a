"""Staff needle-stick injuries: the report, the checklist (wash, report, source testing with the
source patient's consent, medical assessment) and follow-up dates. Seen by the clinic's owners
and the injured person only (clinical reference §3: wash, control bleeding, report at once,
assess the source patient, medical opinion on prophylaxis)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.clinics.models import Membership
from filiform.dates import add_months
from filiform.patients.selectors import patient_of_clinic
from filiform.supplies.models import NeedleStickInjury
from filiform.supplies.stock import clean_text

SOURCE_CONSENT = ("not_asked", "given", "refused", "not_applicable")


def _visible(access: Access) -> QuerySet[NeedleStickInjury]:
    injuries = NeedleStickInjury.objects.of(access)
    if access.can(Permission.CLINIC_MANAGE):
        return injuries
    return injuries.filter(Q(injured=access.user))


EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _moment(value: dt.datetime, field: str) -> dt.datetime:
    """An aware time between 2000 and now (a time without a zone is the clinic's local time)."""
    if timezone.is_naive(value):
        try:
            value = timezone.make_aware(value)
        except (ValueError, OverflowError):
            raise ValidationError({field: _("Give a real date and time.")}) from None
    if not EARLIEST <= value <= timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({field: _("The time must be after 2000 and not in the future.")})
    return value


def needlestick_list(*, access: Access) -> QuerySet[NeedleStickInjury]:
    audit_access(access, action=AuditAction.READ, object_type="needlestick_list")
    return _visible(access).select_related("injured", "source_patient")


def _injury(access: Access, injury_id: int, *, for_update: bool = False) -> NeedleStickInjury:
    injuries = _visible(access)
    if for_update:
        injuries = injuries.select_for_update()
    injury = injuries.filter(pk=injury_id).first()
    if injury is None:
        raise Http404("No such needle-stick report (or not yours to see).")
    return injury


@transaction.atomic
def needlestick_report(
    *,
    access: Access,
    occurred_at: dt.datetime,
    needle_used: bool,
    description: str,
    injured_membership_id: int | None = None,
    source_patient_id: int | None = None,
) -> NeedleStickInjury:
    """Report an injury (one's own, or an owner for a staff member). Follow-up dates are set at
    6 weeks, 3 months and 6 months, the usual serology schedule."""
    injured = access.membership
    if injured_membership_id is not None and injured_membership_id != access.membership.pk:
        access.require(Permission.CLINIC_MANAGE)
        injured = clinic_get(access, Membership, injured_membership_id)
    if not timezone.is_naive(occurred_at) and occurred_at > timezone.now() + dt.timedelta(
        minutes=5
    ):
        raise ValidationError({"occurred_at": _("The injury cannot be in the future.")})
    occurred_at = _moment(occurred_at, "occurred_at")
    description = clean_text(description, 500)
    if not description:
        raise ValidationError({"description": _("Describe what happened.")})
    source = None
    if source_patient_id is not None:
        source = patient_of_clinic(access=access, patient_id=source_patient_id)
    if needle_used and source is None:
        raise ValidationError(
            {
                "source_patient_id": _(
                    "A used needle: name the source patient (for testing with their consent)."
                )
            }
        )
    day = timezone.localtime(occurred_at).date()
    injury = NeedleStickInjury.objects.of(access).create(
        injured=injured.user,
        occurred_at=occurred_at,
        needle_used=needle_used,
        source_patient=source,
        description=description,
        reported=True,
        follow_up_dates=[
            (day + dt.timedelta(weeks=6)).isoformat(),
            add_months(day, 3).isoformat(),
            add_months(day, 6).isoformat(),
        ]
        if needle_used
        else [],
        recorded_by=access.user,
    )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="needlestick",
        object_id=injury.pk,
        patient_id=source.pk if source else None,
    )
    return injury


@transaction.atomic
def needlestick_checklist(
    *,
    access: Access,
    injury_id: int,
    washed: bool | None = None,
    source_consent: str | None = None,
    source_tested: bool | None = None,
    medical_assessment_at: dt.datetime | None = None,
    close: bool = False,
) -> NeedleStickInjury:
    injury = _injury(access, injury_id, for_update=True)
    if injury.closed_at is not None:
        raise ValidationError(_("This report is closed."))
    if washed is not None:
        injury.washed = washed
    if source_consent is not None:
        if source_consent not in SOURCE_CONSENT:
            raise ValidationError(
                {
                    "source_consent": _(
                        "Consent to source testing: not asked, given, refused or not applicable."
                    )
                }
            )
        injury.source_consent = source_consent
    if source_tested is not None:
        if source_tested and injury.source_consent != "given":
            raise ValidationError(
                {"source_tested": _("Test the source patient only with their consent.")}
            )
        injury.source_tested = source_tested
    if medical_assessment_at is not None:
        medical_assessment_at = _moment(medical_assessment_at, "medical_assessment_at")
        if medical_assessment_at < injury.occurred_at:
            raise ValidationError(
                {"medical_assessment_at": _("The assessment cannot come before the injury.")}
            )
        injury.medical_assessment_at = medical_assessment_at
    if close:
        missing = [
            label
            for label, done in (
                (_("wound washed"), injury.washed),
                (_("medical assessment"), injury.medical_assessment_at is not None),
            )
            if not done
        ]
        if missing:
            raise ValidationError(
                _("Before closing: %(items)s.") % {"items": ", ".join(map(str, missing))}
            )
        if not access.can(Permission.CLINIC_MANAGE):
            raise PermissionDenied(_("The owner closes a needle-stick report."))
        injury.closed_at = timezone.now()
    injury.save()
    audit_access(access, action=AuditAction.UPDATE, object_type="needlestick", object_id=injury.pk)
    return injury


def needlestick_due(*, access: Access, today: dt.date) -> list[tuple[NeedleStickInjury, dt.date]]:
    """Open reports with a follow-up due within a week (for reminders)."""
    due = []
    for injury in NeedleStickInjury.objects.of(access).filter(closed_at__isnull=True):
        for text in injury.follow_up_dates:
            day = dt.date.fromisoformat(text)
            if 0 <= (day - today).days <= 7:
                due.append((injury, day))
    return due
