"""Reading screenings: the patient's current screening and what it means today.

``screening_state`` takes no Access: it is a building block of the clearance decision, which
checks permission and audits the read. Pages and the API read screenings through
``screening_history``, which does both itself.

A screening clears no one when (each an *issue* with its own code, which the clearance shows):
there is none, or only a draft (``screening``, ``draft``); it predates explicit answers
(``screening_predates_answers``); a question is unanswered (``unanswered``); the medications
are not confirmed — answered "unsure" (``medications_unconfirmed``) or not re-confirmed within
the clinic's days (``screening``); or the full re-screen is due (``screening``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.clinics.models import Clinic
from filiform.dates import add_months, age_on
from filiform.patients.models import Patient
from filiform.patients.selectors import patient_of_clinic
from filiform.screening.answers import ScreeningAnswers, question_labels
from filiform.screening.models import RuleChoice, Screening, ScreeningStatus
from filiform.screening.rules import (
    Finding,
    Fired,
    RegionFinding,
    Rule,
    TechniqueFinding,
    region_findings,
    rules_fired,
    rules_for_clinic,
    technique_findings,
    whole_body_findings,
)


def clinic_rules(clinic_id: int) -> tuple[Rule, ...]:
    choices = RuleChoice.objects.of_clinic(clinic_id).values_list("rule_id", "effect")
    return rules_for_clinic(dict(choices))


def clinic_flags(clinic: Clinic) -> frozenset[str]:
    return frozenset({"needles_metal_allergy_safe"} if clinic.needles_metal_allergy_safe else ())


@dataclass(frozen=True)
class ScreeningIssue:
    """Why the screening clears no one today; ``code`` is stable for the clearance's reasons."""

    code: str
    text: str


@dataclass(frozen=True)
class ScreeningState:
    screening: Screening | None
    answers: ScreeningAnswers | None
    fired: list[Fired] = field(default_factory=list)
    valid_until: dt.date | None = None
    medications_confirmed_on: dt.date | None = None
    issues: list[ScreeningIssue] = field(default_factory=list)
    draft: Screening | None = None  # a re-screen or first screening not completed yet

    @property
    def problems(self) -> list[str]:
        """Why it does not clear anyone today, as sentences."""
        return [issue.text for issue in self.issues]

    @property
    def in_force(self) -> bool:
        return self.screening is not None and not self.issues

    def regions(self) -> list[RegionFinding]:
        return region_findings(self.fired)

    def whole_body(self) -> list[Finding]:
        return whole_body_findings(self.fired)

    def techniques(self) -> list[TechniqueFinding]:
        return technique_findings(self.fired)


def not_answered_text(answers: ScreeningAnswers) -> str:
    """ "Not answered: …" with each question, and each "yes" that lacks its list."""
    parts = []
    if answers.unanswered():
        parts.append(_("Not answered: %(q)s.") % {"q": question_labels(answers.unanswered())})
    if answers.without_list():
        parts.append(
            _("Answered yes without saying which or where: %(q)s.")
            % {"q": question_labels(answers.without_list())}
        )
    return " ".join(parts)


def _draft_issue(draft: Screening) -> ScreeningIssue:
    answers = ScreeningAnswers.model_validate(draft.answers)
    text = _(
        "Only a draft screening is on file (saved %(on)s): it clears no one until it is completed."
    ) % {"on": f"{draft.screened_at:%Y-%m-%d}"}
    missing = not_answered_text(answers)
    return ScreeningIssue("draft", f"{text} {missing}".strip())


def screening_state(*, patient: Patient, clinic: Clinic, today: dt.date) -> ScreeningState:
    """The current screening, its findings, and whether it still holds today: every question
    answered, a full re-screen after the clinic's months (default 6), medications answered and
    re-confirmed within the clinic's days (default 0: on the day of needling)."""
    on_file = list(
        Screening.objects.of_clinic(clinic.pk)
        .filter(patient=patient, status__in=(ScreeningStatus.CURRENT, ScreeningStatus.DRAFT))
        .prefetch_related("checks")
    )
    screening = next((s for s in on_file if s.status == ScreeningStatus.CURRENT), None)
    draft = next((s for s in on_file if s.status == ScreeningStatus.DRAFT), None)
    if screening is None:
        issue = (
            _draft_issue(draft)
            if draft
            else ScreeningIssue("screening", _("No screening on file: screen the patient."))
        )
        return ScreeningState(None, None, issues=[issue], draft=draft)
    answers = ScreeningAnswers.model_validate(screening.answers)
    zone = ZoneInfo(clinic.time_zone)
    screened_on = screening.screened_at.astimezone(zone).date()
    valid_until = add_months(screened_on, clinic.screening_valid_months)
    issues = []
    if screening.predates_explicit_answers:
        issues.append(
            ScreeningIssue(
                "screening_predates_answers",
                _(
                    "The screening of %(on)s predates explicit yes / no / unsure answers (a “no” may mean the question was not asked): screen the patient again."
                )
                % {"on": screened_on},
            )
        )
    elif not answers.complete:
        issues.append(ScreeningIssue("unanswered", not_answered_text(answers)))
    medications_on: dt.date | None = None
    if answers.medications_confirmed:
        medications_on = max(
            [screened_on, *(c.confirmed_at.astimezone(zone).date() for c in screening.checks.all())]
        )
    if valid_until < today:
        issues.append(
            ScreeningIssue(
                "screening",
                _("The screening of %(on)s lapsed on %(until)s: screen the patient again.")
                % {"on": screened_on, "until": valid_until},
            )
        )
    elif medications_on is None:
        if not screening.predates_explicit_answers and answers.medications is not None:
            issues.append(
                ScreeningIssue(
                    "medications_unconfirmed",
                    _(
                        "Medications are not confirmed (answered “unsure”): list them, or record that there are none, in a new screening."
                    ),
                )
            )
    elif (today - medications_on).days > clinic.medications_valid_days:
        issues.append(
            ScreeningIssue(
                "screening",
                _("Medications were last confirmed on %(on)s: re-confirm them today.")
                % {"on": medications_on},
            )
        )
    fired = rules_fired(
        answers,
        rules=clinic_rules(clinic.pk),
        age=age_on(patient.birth_date, today),
        today=today,
        clinic_flags=clinic_flags(clinic),
    )
    return ScreeningState(
        screening, answers, fired, valid_until, medications_on, issues, draft=draft
    )


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
    return (
        Screening.objects.of(access)
        .filter(patient=patient)
        .select_related("episode", "screened_by")
    )


def screening_get(*, access: Access, screening_id: int) -> Screening:
    """One screening of this clinic (404 otherwise), for clinicians (audited; a refusal names
    the screening and its patient)."""
    screening = clinic_get(
        access,
        Screening.objects.of(access).select_related("episode", "screened_by", "patient"),
        screening_id,
        permission=Permission.CLINICAL_RECORD,
    )
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="screening",
        object_id=screening.pk,
        patient_id=screening.patient_id,
    )
    return screening
