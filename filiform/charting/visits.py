"""Visits: start, edit the SOAP note (two editors are told, nothing lost), sign and lock,
addenda, entered in error; treatment plans. Checked, validated, audited, transactional."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.charting.codes import PlanComponent, VisitStatus
from filiform.charting.models import Addendum, NeedlingSession, TreatmentPlan, Visit
from filiform.charting.signals import visit_signed
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.clinics.records import enter_in_error
from filiform.patients.models import EpisodeOfCare
from filiform.patients.selectors import patient_of_clinic

SOAP_FIELDS = ("subjective", "objective", "assessment", "plan")
MAX_NOTE = 20_000


class EditConflict(ValidationError):
    """Someone else saved the note since this editor opened it."""


def _clean_text(value: Any, limit: int) -> str:
    return str(value or "").replace("\x00", "").strip()[:limit]


def visit_of_clinic(*, access: Access, visit_id: int, for_update: bool = False) -> Visit:
    return clinic_get(access, Visit, visit_id, for_update=for_update)


def _audit(access: Access, action: AuditAction, visit: Visit, **detail: Any) -> None:
    audit_access(
        access,
        action=action,
        object_type="visit",
        object_id=visit.pk,
        patient_id=visit.patient_id,
        detail=detail or None,
    )


@transaction.atomic
def visit_start(*, access: Access, patient_id: int, episode_id: int, **note: str) -> Visit:
    """A new draft visit for one of the patient's open episodes, by the acting clinician."""
    access.require(Permission.CLINICAL_RECORD)
    if not access.is_clinician:
        raise ValidationError(_("Only physiotherapists chart visits."))
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    episode = EpisodeOfCare.objects.of(access).filter(pk=episode_id, patient=patient).first()
    if episode is None or not episode.is_open:
        raise ValidationError(
            {"episode_id": _("Choose one of the patient's open episodes of care.")}
        )
    unknown = set(note) - set(SOAP_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown note fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    visit = Visit.objects.of(access).create(
        patient=patient,
        episode=episode,
        practitioner=access.membership,
        updated_by=access.user,
        **{k: _clean_text(v, MAX_NOTE) for k, v in note.items()},
    )
    _audit(access, AuditAction.CREATE, visit)
    return visit


def _require_draft(visit: Visit) -> None:
    if visit.status == VisitStatus.SIGNED:
        raise ValidationError(
            _("This visit was signed on %(d)s and is locked. Add an addendum instead.")
            % {"d": timezone.localtime(visit.signed_at).strftime("%Y-%m-%d %H:%M")}
        )
    if visit.status == VisitStatus.ENTERED_IN_ERROR:
        raise ValidationError(_("This visit was marked as entered in error and is locked."))


@transaction.atomic
def visit_update(*, access: Access, visit_id: int, version: int, **note: str) -> Visit:
    """Save the SOAP note. ``version`` is the one the editor started from: if another save came
    in between, nothing is overwritten and the editor is told who saved and when."""
    access.require(Permission.CLINICAL_RECORD)
    visit = visit_of_clinic(access=access, visit_id=visit_id, for_update=True)
    _require_draft(visit)
    unknown = set(note) - set(SOAP_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown note fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if visit.version != version:
        raise EditConflict(
            _(
                "%(who)s saved this note at %(when)s while you were editing. Your text was not saved over theirs: copy it, reload, and add your changes again."
            )
            % {
                "who": visit.updated_by.display_name,
                "when": timezone.localtime(visit.updated_at).strftime("%H:%M:%S"),
            }
        )
    changed = []
    for name, value in note.items():
        value = _clean_text(value, MAX_NOTE)
        if getattr(visit, name) != value:
            setattr(visit, name, value)
            changed.append(name)
    if changed:
        visit.version += 1
        visit.updated_at, visit.updated_by = timezone.now(), access.user
        visit.save()
        _audit(access, AuditAction.UPDATE, visit, changed=changed)
    return visit


def visit_content(visit: Visit) -> dict[str, Any]:
    """What signing freezes: the note, the needling session and its insertions, adverse events
    and any needle incident, as plain JSON (times in UTC)."""
    session = NeedlingSession.objects.of_clinic(visit.clinic_id).filter(visit=visit).first()
    content: dict[str, Any] = {
        "visit": visit.pk,
        "patient": visit.patient_id,
        "episode": visit.episode_id,
        "practitioner": visit.practitioner_id,
        "started_at": visit.started_at.isoformat(),
        **{name: getattr(visit, name) for name in SOAP_FIELDS},
        # Only when given, so the fingerprints of visits signed before it existed still verify.
        **(
            {"no_assessment_reason": visit.no_assessment_reason}
            if visit.no_assessment_reason
            else {}
        ),
        "adverse_events": [
            {
                "kind": e.kind,
                "detail": e.detail,
                "severity": e.severity,
                "timing": e.timing,
                "muscle": e.muscle,
                "side": e.side,
                "action_taken": e.action_taken,
                "follow_up": e.follow_up,
                "reported_to": e.reported_to,
            }
            for e in visit.adverse_events.all()
        ],
        "session": None,
    }
    if session is not None:
        content["session"] = {
            "performer": session.performer_id,
            "mode": session.mode,
            "position": session.position,
            "started_at": session.started_at.isoformat(),
            "ended_at": session.ended_at.isoformat() if session.ended_at else None,
            "clearance": {
                "verdict": session.clearance_verdict,
                "reasons": session.clearance_reasons,
            },
            "consent_record": session.consent_record_id,
            "consent_version": session.consent_version,
            "screening": session.screening_id,
            "needles_opened": session.needles_opened,
            "needles_removed": session.needles_removed,
            "insertions": [
                {
                    "muscle": i.muscle,
                    "side": i.side,
                    "trigger_point": i.trigger_point,
                    "needle": f"{i.needle_diameter_mm}x{i.needle_length_mm}",
                    "lot": i.lot.lot_number if i.lot is not None else "",
                    "needle_count": i.needle_count,
                    "depth_mm": str(i.depth_mm),
                    "technique": i.technique,
                    "estim": [str(i.estim_frequency_hz), str(i.estim_intensity_ma), i.estim_minutes]
                    if i.technique == "electrical"
                    else None,
                    "retention_seconds": i.retention_seconds,
                    "twitch": i.twitch,
                    "twitch_count": i.twitch_count,
                    "referred_pain": i.referred_pain,
                    "referred_pain_where": i.referred_pain_where,
                    "tolerance": i.tolerance,
                    "retest": i.retest,
                    "retest_note": i.retest_note,
                    "justification": i.justification,
                    # Only when recorded, so fingerprints from before these fields still verify.
                    **({"approach": i.approach} if i.approach else {}),
                    **({"level": i.level} if i.level else {}),
                }
                for i in session.insertions.select_related("lot")
            ],
            "incident": None,
        }
        incident = getattr(session, "incident", None)
        if incident is not None:
            content["session"]["incident"] = {
                "needles_unaccounted": incident.needles_unaccounted,
                "description": incident.description,
                "action_taken": incident.action_taken,
            }
    return content


def content_sha256(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


MIN_NO_ASSESSMENT_REASON = 10  # characters: a reason a colleague could read, not "n/a"


def _assessed_or_reason(visit: Visit, no_assessment_reason: str) -> str:
    """Signing says something was assessed: the note's assessment, or a stated reason why there
    is none (the patient left before treatment, declined after screening, …). A form default
    never counts, and a word or two is not a reason."""
    reason = _clean_text(no_assessment_reason, 500)
    if visit.assessment.strip():
        return ""
    if len(reason) < MIN_NO_ASSESSMENT_REASON:
        raise ValidationError(
            {
                "no_assessment_reason": _(
                    "The assessment is empty: write it in the note, or say in a sentence why this visit has none (for example, the patient left before treatment)."
                )
            }
        )
    return reason


@transaction.atomic
def visit_sign(*, access: Access, visit_id: int, no_assessment_reason: str = "") -> Visit:
    """Sign and lock. Refused without an assessment or a stated reason for having none, and
    while needles opened and removed differ, unless a "needle unaccounted for" incident records
    the difference (the owner is alerted when it is raised)."""
    access.require(Permission.CLINICAL_RECORD)
    visit = visit_of_clinic(access=access, visit_id=visit_id, for_update=True)
    _require_draft(visit)
    if visit.practitioner.user_id != access.user.pk:
        raise ValidationError(_("Only the clinician who charted this visit can sign it."))
    visit.no_assessment_reason = _assessed_or_reason(visit, no_assessment_reason)
    session = NeedlingSession.objects.of(access).filter(visit=visit).first()
    if session is not None:
        from filiform.charting.needling import needle_count_blocks_signing

        problem = needle_count_blocks_signing(session)
        if problem:
            raise ValidationError({"needles": problem})
        if session.ended_at is None:
            session.ended_at = timezone.now()
            session.save(update_fields=["ended_at"])
    content = visit_content(visit)
    visit.status = VisitStatus.SIGNED
    visit.signed_at, visit.signed_by = timezone.now(), access.user
    visit.signed_content, visit.content_sha256 = content, content_sha256(content)
    visit.save()
    _audit(access, AuditAction.UPDATE, visit, signed=True, sha256=visit.content_sha256)
    visit_signed.send(sender=Visit, visit=visit, access=access)
    return visit


@transaction.atomic
def addendum_add(*, access: Access, visit_id: int, reason: str, text: str) -> Addendum:
    """A later correction or addition to a signed visit, with its author, time and reason."""
    access.require(Permission.CLINICAL_RECORD)
    visit = visit_of_clinic(access=access, visit_id=visit_id, for_update=True)
    if visit.status != VisitStatus.SIGNED:
        raise ValidationError(_("Addenda are for signed visits; edit the draft instead."))
    reason, text = _clean_text(reason, 200), _clean_text(text, MAX_NOTE)
    if not reason or not text:
        raise ValidationError(_("Give the reason for the addendum and its text."))
    addendum = Addendum.objects.of(access).create(
        visit=visit, author=access.user, reason=reason, text=text
    )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="addendum",
        object_id=addendum.pk,
        patient_id=visit.patient_id,
        detail={"visit": visit.pk},
    )
    return addendum


@transaction.atomic
def visit_enter_in_error(*, access: Access, visit_id: int, reason: str) -> Visit:
    """A visit charted by mistake (wrong patient, duplicate) stays on file, marked, with why;
    its aftercare check-in is cancelled (the ``visit_entered_in_error`` signal)."""
    access.require(Permission.CLINICAL_RECORD)
    visit = visit_of_clinic(access=access, visit_id=visit_id, for_update=True)
    return enter_in_error(access=access, record=visit, reason=reason)


@transaction.atomic
def plan_set(
    *,
    access: Access,
    episode_id: int,
    goals: str,
    components: list[str],
    frequency: str = "",
    expected_weeks: int | None = None,
) -> TreatmentPlan:
    """The episode's treatment plan (dry needling is one component among others)."""
    access.require(Permission.CLINICAL_RECORD)
    episode = EpisodeOfCare.objects.of(access).filter(pk=episode_id).first()
    if episode is None:
        raise Http404("No such episode of care in this clinic.")
    goals = _clean_text(goals, 4000)
    if not goals:
        raise ValidationError({"goals": _("Write the goals of the plan.")})
    bad = sorted(set(components) - set(PlanComponent.values))
    if bad or not components:
        raise ValidationError(
            {"components": _("Choose the planned components (education, exercise, …).")}
        )
    if expected_weeks is not None and not 1 <= expected_weeks <= 104:
        raise ValidationError({"expected_weeks": _("Expected duration is 1 to 104 weeks.")})
    plan, _created = TreatmentPlan.objects.of(access).update_or_create(
        episode=episode,
        defaults={
            "goals": goals,
            "components": list(dict.fromkeys(components)),
            "frequency": _clean_text(frequency, 100),
            "expected_weeks": expected_weeks,
            "updated_at": timezone.now(),
            "updated_by": access.user,
        },
    )
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="treatment_plan",
        object_id=plan.pk,
        patient_id=episode.patient_id,
    )
    return plan
