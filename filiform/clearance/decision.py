"""The clearance decision: may practitioner P needle patient X in these muscles, now?

This is the only place the rules of clearance are combined. It answers per muscle and side with
GO, CAUTION (a recorded clinical justification turns it into GO) or NO-GO, and gives every
reason:

- consent: none, declined, withdrawn or expired (consent app); a muscle over the chest needs the
  pneumothorax risk acknowledged in that consent. Whether a muscle is over the chest follows the
  level needled (``slug:side@T12``; anatomy/segments.py: lumbar multifidus is over the lung at
  T12, not at L4) or the clinic's own caution level for it (anatomy/safety_settings.py);
- screening: none or only a draft, recorded before explicit answers, a question unanswered
  ("Not answered: …"), a full re-screen overdue, medications unconfirmed or not re-confirmed
  (screening app: each with its own code), and the clinic's screening rules (absolute → NO-GO,
  relative → CAUTION; an "unsure" answer by the rule's own ``unsure`` effect, code ``unsure``);
- technique: a rule aimed at techniques (an implanted electrical device → no electrical
  stimulation) limits only those. Asked for a technique, its findings reach each muscle; asked
  without one (the panel's general view) they are listed as information (code
  ``technique_limited``, level OK) and in ``Clearance.technique_limits``, never blocking a
  muscle for manual needling;
- practitioner: registration, needling authorization and training in force, and training that
  covers the muscle's body region (practitioners app);
- the session: both sides of the chest in one session → CAUTION.

Charting calls :func:`clearance_decide` for every needling record; pages and the API show it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.anatomy.regions import THORAX_CAUTIONS, Region, Side
from filiform.anatomy.safety_settings import clinic_cautions
from filiform.anatomy.segments import caution_at
from filiform.anatomy.targets import Target, parse_targets
from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission, clinic_get, is_clinician
from filiform.clinics.models import Clinic, Membership
from filiform.consent.records import consent_status
from filiform.patients.models import Patient
from filiform.patients.selectors import patient_of_clinic
from filiform.practitioners.standing import practitioner_standing
from filiform.screening.rules import (
    TECHNIQUES,
    Finding,
    Level,
    muscle_findings,
    technique_findings,
)
from filiform.screening.selectors import ScreeningState, screening_state

MIN_JUSTIFICATION = 10  # characters: a reason a colleague could read, not "ok"


class Verdict(StrEnum):
    GO = "go"
    CAUTION = "caution"
    NO_GO = "no_go"

    @property
    def word(self) -> str:
        return {"go": _("Go"), "caution": _("Caution"), "no_go": _("No-go")}[self.value]


class Source(StrEnum):
    CONSENT = "consent"
    SCREENING = "screening"
    PRACTITIONER = "practitioner"
    SESSION = "session"


@dataclass(frozen=True)
class Reason:
    source: Source
    code: str
    level: Level
    text: str


@dataclass(frozen=True)
class MuscleClearance:
    target: Target
    verdict: Verdict
    reasons: list[Reason]
    justification: str = ""


@dataclass(frozen=True)
class TechniqueLimit:
    """A technique the screening limits for this patient, whatever the muscle: NO_GO (no
    justification unlocks it) or CAUTION (needs one)."""

    technique: str
    verdict: Verdict
    reasons: list[Reason]


@dataclass(frozen=True)
class Clearance:
    patient_id: int
    practitioner: Membership
    at: dt.datetime
    verdict: Verdict
    reasons: list[Reason]  # those that hold for every muscle (consent, screening, practitioner)
    muscles: list[MuscleClearance] = field(default_factory=list)
    consent_record_id: int | None = None
    screening_id: int | None = None
    screening: ScreeningState | None = None  # clinicians only: the findings behind the verdicts
    technique: str | None = None  # the technique asked about (None: the general view)
    technique_limits: list[TechniqueLimit] = field(default_factory=list)


def _consent_reasons(consent_ok: bool, text: str) -> list[Reason]:
    return [] if consent_ok else [Reason(Source.CONSENT, "consent", Level.BLOCK, text)]


def _practitioner(access: Access, membership_id: int) -> Membership:
    return clinic_get(access, Membership.objects.of(access).select_related("user"), membership_id)


def _verdict(levels: list[Level], *, justified: bool) -> Verdict:
    level = max(levels, default=Level.OK)
    if level == Level.BLOCK:
        return Verdict.NO_GO
    if level == Level.CAUTION and not justified:
        return Verdict.CAUTION
    return Verdict.GO


VERDICT_LEVEL = {Verdict.GO: Level.OK, Verdict.CAUTION: Level.CAUTION, Verdict.NO_GO: Level.BLOCK}
REDACTED = "A screening finding applies (details are for clinicians)."


def clearance_decide(
    *,
    access: Access,
    patient_id: int,
    practitioner_id: int,
    muscles: list[str] | None = None,
    justifications: dict[str, str] | None = None,
    at: dt.datetime | None = None,
    technique: str | None = None,
) -> Clearance:
    """The verdict for each muscle (``slug:side``) and every reason, for a technique (a code of
    :data:`~filiform.screening.rules.TECHNIQUES`) or, with None, in general. Front desk and
    billing see the verdicts and that a screening finding applies, not the health details."""
    access.require(Permission.PATIENT_VIEW)
    targets = parse_targets(muscles or [], clinic_id=access.membership.clinic_id)
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    practitioner = _practitioner(access, practitioner_id)
    clearance = clearance_evaluate(
        clinic=access.clinic,
        patient=patient,
        practitioner=practitioner,
        targets=targets,
        justifications=justifications,
        at=at,
        technique=technique,
    )
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="clearance",
        patient_id=patient.pk,
        detail={
            "practitioner": practitioner.pk,
            "verdict": clearance.verdict.value,
            "muscles": {m.target.key: m.verdict.value for m in clearance.muscles},
            "technique": technique,
        },
    )
    if not access.can(Permission.CLINICAL_RECORD):
        clearance = _redacted(clearance)
    return clearance


def clearance_evaluate(
    *,
    clinic: Clinic,
    patient: Patient,
    practitioner: Membership,
    targets: list[Target],
    justifications: dict[str, str] | None = None,
    at: dt.datetime | None = None,
    technique: str | None = None,
) -> Clearance:
    """The rules themselves, with no permission check and no audit entry. Only
    :func:`clearance_decide` (which does both), the patient page's panel right after it (the
    same read, for every muscle) and the demo's synthetic history call it."""
    if technique is not None and technique not in TECHNIQUES:
        raise ValidationError(
            {"technique": _("Choose a technique: %(t)s.") % {"t": ", ".join(TECHNIQUES)}}
        )
    justifications = {k: v.replace("\x00", "").strip() for k, v in (justifications or {}).items()}
    at = at or timezone.now()
    today = at.astimezone(ZoneInfo(clinic.time_zone)).date()

    general: list[Reason] = []
    consent = consent_status(patient=patient, on=today)
    general += _consent_reasons(consent.in_force, consent.reason)
    screening: ScreeningState = screening_state(patient=patient, clinic=clinic, today=today)
    general += [Reason(Source.SCREENING, i.code, Level.BLOCK, i.text) for i in screening.issues]
    limits = _technique_limits(screening)
    if technique is None:
        general += [
            Reason(Source.SCREENING, "technique_limited", Level.OK, r.text)
            for limit in limits
            for r in limit.reasons
        ]
    if not is_clinician(practitioner.role) or not practitioner.is_active:
        general.append(
            Reason(
                Source.PRACTITIONER,
                "not_clinician",
                Level.BLOCK,
                _("Only an active physiotherapist may needle."),
            )
        )
        standing_regions: frozenset[str] = frozenset()
    else:
        standing = practitioner_standing(membership=practitioner, on=today)
        standing_regions = standing.regions
        general += [
            Reason(Source.PRACTITIONER, "credentials", Level.BLOCK, r) for r in standing.reasons
        ]

    cautions = clinic_cautions(clinic.pk)

    def over_thorax(target: Target) -> bool:
        """The lung lies under the muscle at the level needled (or by the clinic's choice)."""
        caution = cautions.get(target.muscle.slug) or caution_at(target.muscle, target.level)
        return caution in THORAX_CAUTIONS

    thorax_sides = {t.side for t in targets if over_thorax(t)}
    both_sides_of_chest = {Side.LEFT, Side.RIGHT} <= thorax_sides
    results = []
    for target in targets:
        reasons: list[Reason] = []
        for finding in muscle_findings(
            screening.fired, target.muscle, target.side, technique=technique
        ):
            reasons.append(
                Reason(Source.SCREENING, _finding_code(finding), finding.level, finding.reason)
            )
        if standing_regions and target.muscle.region not in standing_regions:
            reasons.append(
                Reason(
                    Source.PRACTITIONER,
                    "region_not_covered",
                    Level.BLOCK,
                    _("%(who)s's needling training does not cover %(region)s.")
                    % {
                        "who": practitioner.user.display_name,
                        "region": str(Region(target.muscle.region).label).lower(),
                    },
                )
            )
        if (
            over_thorax(target)
            and consent.in_force
            and consent.record
            and not consent.record.thorax_acknowledged
        ):
            reasons.append(
                Reason(
                    Source.CONSENT,
                    "thorax_not_acknowledged",
                    Level.BLOCK,
                    _(
                        "The consent does not cover the risk over the chest (pneumothorax): record consent that does."
                    ),
                )
            )
        if both_sides_of_chest and over_thorax(target):
            reasons.append(
                Reason(
                    Source.SESSION,
                    "both_sides_of_chest",
                    Level.CAUTION,
                    _(
                        "Both sides of the chest in one session: a pneumothorax on each side at once would be an emergency."
                    ),
                )
            )
        justification = justifications.get(target.key, "")
        needs_justification = max((r.level for r in reasons), default=Level.OK) == Level.CAUTION
        if justification and needs_justification and len(justification) < MIN_JUSTIFICATION:
            raise ValidationError(
                {
                    "justifications": _("%(m)s: write the clinical justification in a sentence.")
                    % {"m": target.label}
                }
            )
        levels = [r.level for r in reasons + general]
        results.append(
            MuscleClearance(
                target,
                _verdict(levels, justified=bool(justification)),
                reasons,
                justification if needs_justification else "",
            )
        )
    overall = _verdict(
        [r.level for r in general] + [VERDICT_LEVEL[m.verdict] for m in results], justified=False
    )
    clearance = Clearance(
        patient_id=patient.pk,
        practitioner=practitioner,
        at=at,
        verdict=overall,
        reasons=general,
        muscles=results,
        consent_record_id=consent.record.pk if consent.record and consent.in_force else None,
        screening_id=screening.screening.pk if screening.screening else None,
        screening=screening,
        technique=technique,
        technique_limits=limits,
    )
    return clearance


def _finding_code(finding: Finding) -> str:
    if finding.answer == "unsure":
        return "unsure"
    return "contraindication" if finding.level == Level.BLOCK else "precaution"


def _technique_limits(screening: ScreeningState) -> list[TechniqueLimit]:
    """For each technique the screening limits: "No electrical stimulation — …" (BLOCK) or
    "Electrical stimulation needs a clinical justification — …" (CAUTION)."""
    limits = []
    for found in technique_findings(screening.fired):
        if found.level == Level.BLOCK:
            head = _("No %(technique)s") % {"technique": found.words}
        else:
            head = _("%(technique)s needs a clinical justification") % {
                "technique": found.words[:1].upper() + found.words[1:]
            }
        reasons = [
            Reason(Source.SCREENING, "technique_limited", found.level, f"{head} — {text}")
            for text in found.reasons
        ]
        limits.append(
            TechniqueLimit(found.technique, _verdict([found.level], justified=False), reasons)
        )
    return limits


# Why a screening clears no one (none, a draft, unanswered, …): no health detail, shown to all.
SCREENING_STATE_CODES = frozenset(
    {"screening", "draft", "unanswered", "screening_predates_answers", "medications_unconfirmed"}
)


def _hide(reason: Reason) -> Reason:
    if reason.source != Source.SCREENING or reason.code in SCREENING_STATE_CODES:
        return reason
    return replace(reason, text=_(REDACTED))


def _hide_all(reasons: list[Reason]) -> list[Reason]:
    """Screening details become one line per level; everything else is kept."""
    shown: dict[tuple[str, str], Reason] = {}
    for reason in sorted(map(_hide, reasons), key=lambda r: -r.level):
        shown.setdefault((reason.source, reason.text), reason)
    return list(shown.values())


def _redacted(clearance: Clearance) -> Clearance:
    return replace(
        clearance,
        reasons=_hide_all(clearance.reasons),
        muscles=[
            replace(m, reasons=_hide_all(m.reasons), justification="") for m in clearance.muscles
        ],
        screening=None,
        technique_limits=[
            replace(limit, reasons=_hide_all(limit.reasons)) for limit in clearance.technique_limits
        ],
    )
