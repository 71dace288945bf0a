"""Reading screenings: the patient's current screening and what it means today.

``screening_state`` takes no Access: it is a building block of the clearance decision, which
checks permission and audits the read. Pages and the API read screenings through
``screening_history``, which does both itself."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission
from filiform.clinics.models import Clinic
from filiform.dates import add_months, age_on
from filiform.patients.models import Patient
from filiform.patients.selectors import patient_of_clinic
from filiform.screening.answers import ScreeningAnswers
from filiform.screening.models import RuleChoice, Screening, ScreeningStatus
from filiform.screening.rules import (
    Finding,
    Fired,
    RegionFinding,
    Rule,
    region_findings,
    rules_fired,
    rules_for_clinic,
    whole_body_findings,
)


def clinic_rules(clinic_id: int) -> tuple[Rule, ...]:
    choices = RuleChoice.objects.filter(clinic_id=clinic_id).values_list("rule_id", "effect")
    return rules_for_clinic(dict(choices))


def clinic_flags(clinic: Clinic) -> frozenset[str]:
    return frozenset({"needles_metal_allergy_safe"} if clinic.needles_metal_allergy_safe else ())


@dataclass(frozen=True)
class ScreeningState:
    screening: Screening | None
    answers: ScreeningAnswers | None
    fired: list[Fired] = field(default_factory=list)
    valid_until: dt.date | None = None
    medications_confirmed_on: dt.date | None = None
    problems: list[str] = field(default_factory=list)  # why it does not clear anyone today

    @property
    def in_force(self) -> bool:
        return self.screening is not None and not self.problems

    def regions(self) -> list[RegionFinding]:
        return region_findings(self.fired)

    def whole_body(self) -> list[Finding]:
        return whole_body_findings(self.fired)


def screening_state(*, patient: Patient, clinic: Clinic, today: dt.date) -> ScreeningState:
    """The current screening, its findings, and whether it still holds today: a full
    re-screen after the clinic's months (default 6), medications re-confirmed within the
    clinic's days (default 0: on the day of needling)."""
    screening = (
        Screening.objects.filter(patient=patient, status=ScreeningStatus.CURRENT)
        .prefetch_related("checks")
        .first()
    )
    if screening is None:
        return ScreeningState(None, None, problems=[_("No screening on file: screen the patient.")])
    tz = clinic.time_zone
    answers = ScreeningAnswers.model_validate(screening.answers)
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    screened_on = screening.screened_at.astimezone(zone).date()
    confirmations = [
        screened_on,
        *(c.confirmed_at.astimezone(zone).date() for c in screening.checks.all()),
    ]
    medications_on = max(confirmations)
    valid_until = add_months(screened_on, clinic.screening_valid_months)
    problems = []
    if valid_until < today:
        problems.append(
            _("The screening of %(on)s lapsed on %(until)s: screen the patient again.")
            % {"on": screened_on, "until": valid_until}
        )
    elif (today - medications_on).days > clinic.medications_valid_days:
        problems.append(
            _("Medications were last confirmed on %(on)s: re-confirm them today.")
            % {"on": medications_on}
        )
    fired = rules_fired(
        answers,
        rules=clinic_rules(clinic.pk),
        age=age_on(patient.birth_date, today),
        today=today,
        clinic_flags=clinic_flags(clinic),
    )
    return ScreeningState(screening, answers, fired, valid_until, medications_on, problems)


def screening_history(*, access: Access, patient_id: int) -> QuerySet[Screening]:
    """All of a patient's screenings, newest first, for clinicians (audited; a refusal names
    the patient)."""
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    access.require(Permission.CLINICAL_RECORD, object_type="screening_list", patient_id=patient.pk)
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="screening_list",
        patient_id=patient.pk,
    )
    return Screening.objects.filter(patient=patient).select_related("episode", "screened_by")


def screening_get(*, access: Access, screening_id: int) -> Screening:
    """One screening of this clinic (404 otherwise), for clinicians (audited; a refusal names
    the screening and its patient)."""
    screening = (
        Screening.objects.select_related("episode", "screened_by", "patient")
        .filter(pk=screening_id, clinic_id=access.membership.clinic_id)
        .first()
    )
    if screening is None:
        from django.http import Http404

        raise Http404("No such screening in this clinic.")
    access.require(
        Permission.CLINICAL_RECORD,
        object_type="screening",
        object_id=screening.pk,
        patient_id=screening.patient_id,
    )
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="screening",
        object_id=screening.pk,
        patient_id=screening.patient_id,
    )
    return screening
