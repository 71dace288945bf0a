"""The needling session: started under a clearance, insertions each cleared again at the moment
they are charted, needles counted in and out, adverse events and needle incidents. The rules live
in the clearance service; this module makes sure every write goes through it, for the pages and
the API alike. What each write may contain is its spec (``charting/specs.py``): the services
take the spec, so the limits of what can be typed are stated there once."""

from __future__ import annotations

from dataclasses import asdict
from enum import Enum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.anatomy.catalogue import Muscle, UnknownMuscle, muscle_get
from filiform.anatomy.depth_limits import DepthFinding, depth_findings
from filiform.anatomy.safety_settings import clinic_depth_choices
from filiform.anatomy.segments import level_of_trigger_point, levels_of
from filiform.audit.services import AuditAction, audit_access
from filiform.charting.codes import AdverseEventType, Severity, Technique
from filiform.charting.models import AdverseEvent, Insertion, NeedleIncident, NeedlingSession, Visit
from filiform.charting.specs import (
    MOST_NEEDLES_IN_A_SESSION,
    AdverseEventSpec,
    InsertionSpec,
    NeedleCountSpec,
    SessionSpec,
)
from filiform.charting.stock import needle_stock
from filiform.charting.visits import _require_draft, visit_of_clinic
from filiform.clearance.decision import (
    MIN_JUSTIFICATION,
    Clearance,
    Verdict,
    clearance_decide,
)
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.clinics.models import Location
from filiform.screening.rules import Level

MAX_NEEDLES = MOST_NEEDLES_IN_A_SESSION


def _reasons(items: list[Any]) -> list[dict[str, str]]:
    return [{k: str(v) for k, v in asdict(r).items()} for r in items]


def depth_reasons(findings: list[DepthFinding]) -> list[dict[str, str]]:
    """Depth warnings kept with the insertion beside the clearance's reasons."""
    return [
        {"source": "depth", "code": f.code, "level": str(Level.CAUTION.value), "text": f.text}
        for f in findings
    ]


def _target_key(slug: str, side: str, level: str) -> str:
    """The clearance's ``slug:side@level``."""
    key = f"{slug}:{side}" if side else slug
    return f"{key}@{level}" if level and levels_of(slug) else key


def _level(muscle: Muscle, level: str, trigger_point: str) -> str:
    """The level needled, typed or taken from the chart's trigger point. Muscles whose hazards
    change with the level (anatomy/segments.py) must have one, within their range."""
    allowed = levels_of(muscle.slug)
    if not allowed:
        return level
    level = level or level_of_trigger_point(muscle.slug, trigger_point)
    span = {"m": muscle.name, "first": allowed[0], "last": allowed[-1]}
    if not level:
        raise ValidationError(
            {
                "level": _(
                    "%(m)s: record the level needled (%(first)s to %(last)s): what lies under the muscle changes with it."
                )
                % span
            }
        )
    if level not in allowed:
        raise ValidationError({"level": _("%(m)s is needled from %(first)s to %(last)s.") % span})
    return level


def _session_for_update(access: Access, session_id: int) -> NeedlingSession:
    session = clinic_get(
        access,
        NeedlingSession.objects.of(access).select_related("visit"),
        session_id,
        for_update=True,
    )
    _require_draft(session.visit)
    return session


def _refused(clearance: Clearance, reasons: list[Any]) -> ValidationError:
    texts = [r.text for r in reasons] or [str(_("Clearance: no-go."))]
    return ValidationError({"clearance": texts})


@transaction.atomic
def session_start(*, access: Access, visit_id: int, session: SessionSpec) -> NeedlingSession:
    """Start the needling in a draft visit: refused unless the acting clinician is cleared for
    this patient right now (consent, screening, credentials)."""
    access.require(Permission.CLINICAL_RECORD)
    visit = visit_of_clinic(access=access, visit_id=visit_id, for_update=True)
    _require_draft(visit)
    if NeedlingSession.objects.of(access).filter(visit=visit).exists():
        raise ValidationError(_("This visit already has a needling session."))
    clearance = clearance_decide(
        access=access, patient_id=visit.patient_id, practitioner_id=access.membership.pk
    )
    if clearance.verdict == Verdict.NO_GO:
        raise _refused(clearance, clearance.reasons)
    from filiform.consent.models import ConsentRecord

    record_id = clearance.consent_record_id
    consent = (
        ConsentRecord.objects.of(access).select_related("template").filter(pk=record_id).first()
        if record_id is not None
        else None
    )
    started = NeedlingSession.objects.of(access).create(
        visit=visit,
        performer=access.membership,
        location=_session_location(access, session.location_id),
        mode=session.mode.value,
        position=session.position.value,
        clearance_verdict=clearance.verdict.value,
        clearance_reasons=_reasons(clearance.reasons),
        clearance_at=clearance.at,
        consent_record=consent,
        consent_version=consent.template.version if consent else None,
        screening_id=clearance.screening_id,
    )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="needling_session",
        object_id=started.pk,
        patient_id=visit.patient_id,
        detail={"visit": visit.pk, "clearance": clearance.verdict.value},
    )
    return started


def _session_location(access: Access, location_id: int | None) -> Location | None:
    """Where the needles come from: the location chosen, or the clinic's first open one."""
    locations = Location.objects.of(access).filter(is_active=True)
    if location_id is None:
        return locations.order_by("name", "id").first()
    location = locations.filter(pk=location_id).first()
    if location is None:
        raise ValidationError({"location_id": _("Choose one of the clinic's open locations.")})
    return location


@transaction.atomic
def insertion_add(*, access: Access, session_id: int, insertion: InsertionSpec) -> Insertion:
    """One insertion, cleared now: a blocked muscle is refused with its reasons; a caution
    muscle needs a written justification; a depth beyond the muscle's safe maximum is refused;
    both sides of the chest in one session is a caution too. The needles it uses are counted.
    What can be typed (sizes, counts, ranges) was bounded by :class:`InsertionSpec`."""
    access.require(Permission.CLINICAL_RECORD)
    session = _session_for_update(access, session_id)
    visit: Visit = session.visit
    if session.performer_id != access.membership.pk:
        raise ValidationError(_("Only the clinician performing the session charts its insertions."))
    clean = insertion.model_dump(exclude={"muscle", "side", "justification", "lot_id"})
    clean |= {k: v.value for k, v in clean.items() if isinstance(v, Enum)}
    slug, side, justification = insertion.muscle, insertion.side, insertion.justification
    clinic_id = access.membership.clinic_id
    try:
        muscle: Muscle | None = muscle_get(slug, clinic_id=clinic_id)
    except UnknownMuscle:
        muscle = None  # the clearance names it
    if muscle is not None:
        clean["level"] = _level(muscle, clean["level"], clean["trigger_point"])
    key = f"{slug}:{side}" if side else slug
    others = [_target_key(i.muscle, i.side, i.level) for i in session.insertions.all()]
    this = _target_key(slug, side, clean["level"])
    clearance = clearance_decide(
        access=access,
        patient_id=visit.patient_id,
        practitioner_id=session.performer_id,
        muscles=[this, *dict.fromkeys(o for o in others if o != this)],
        justifications={key: justification} if justification else None,
        technique=clean["technique"],
    )
    verdict = clearance.muscles[0]
    if verdict.verdict == Verdict.NO_GO:
        raise _refused(clearance, [*clearance.reasons, *verdict.reasons])
    assert muscle is not None  # an unknown muscle never gets past the clearance
    findings = depth_findings(
        muscle=muscle,
        approach=clean["approach"],
        depth_mm=clean["depth_mm"],
        needle_length_mm=clean["needle_length_mm"],
        level=clean["level"],
        choice=clinic_depth_choices(clinic_id).get(muscle.slug),
    )
    refused = [f for f in findings if f.refuse]
    if refused:
        raise ValidationError({refused[0].field: refused[0].text})
    cautions = [f for f in findings if not f.refuse]
    unjustified = cautions and len(justification) < MIN_JUSTIFICATION
    if verdict.verdict == Verdict.CAUTION or unjustified:
        raise ValidationError(
            {
                "justification": [
                    str(_("%(m)s needs a clinical justification:") % {"m": verdict.target.label}),
                    *(r.text for r in verdict.reasons if r.level),
                    *(f.text for f in cautions),
                ]
            }
        )
    stock = needle_stock()
    lot = stock.lot_for_insertion(
        access=access,
        location_id=session.location_id,
        lot_id=insertion.lot_id,
        diameter_mm=clean["needle_diameter_mm"],
        length_mm=clean["needle_length_mm"],
        count=clean["needle_count"],
        electrical=clean["technique"] == Technique.ELECTRICAL,
        on=timezone.localdate(),
    )
    order = (session.insertions.aggregate(n=Max("order"))["n"] or 0) + 1
    charted = Insertion.objects.of(access).create(
        session=session,
        order=order,
        muscle=slug,
        side=side,
        lot=lot,
        justification=verdict.justification or (justification if cautions else ""),
        clearance_reasons=_reasons(verdict.reasons) + depth_reasons(cautions),
        **clean,
    )
    if lot is not None and session.location_id is not None:
        # Same transaction: if the stock cannot give these needles, the insertion is undone.
        stock.needles_take(
            lot=lot,
            location_id=session.location_id,
            count=charted.needle_count,
            insertion_id=charted.pk,
            user_id=access.user.pk,
        )
    session.needles_opened = min(session.needles_opened + charted.needle_count, MAX_NEEDLES)
    session.save(update_fields=["needles_opened"])
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="insertion",
        object_id=charted.pk,
        patient_id=visit.patient_id,
        detail={"session": session.pk, "muscle": key},
    )
    return charted


@transaction.atomic
def needles_count(*, access: Access, session_id: int, opened: int, removed: int) -> NeedlingSession:
    """The explicit count: needles opened (inserted) and removed into the sharps container,
    within :class:`NeedleCountSpec`'s limits."""
    access.require(Permission.CLINICAL_RECORD)
    session = _session_for_update(access, session_id)
    NeedleCountSpec.parse({"opened": opened, "removed": removed})
    inserted = sum(session.insertions.values_list("needle_count", flat=True))
    if opened < inserted:
        raise ValidationError(
            {
                "needles_opened": _(
                    "%(n)d needles were charted as inserted; at least that many were opened."
                )
                % {"n": inserted}
            }
        )
    session.needles_opened, session.needles_removed = opened, removed
    session.save(update_fields=["needles_opened", "needles_removed"])
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="needling_session",
        object_id=session.pk,
        patient_id=session.visit.patient_id,
        detail={"opened": opened, "removed": removed},
    )
    return session


def needle_count_blocks_signing(session: NeedlingSession) -> str:
    """Needles in = needles out: why the count stops the visit from being signed, or "" when
    it does not. Every needle opened is removed into the sharps container, or the difference
    is recorded as a "needle unaccounted for" incident (the owners are alerted), before the
    note is signed (a retained needle is an adverse event: charting/codes.py). The one
    statement of the rule: the sign service refuses exactly when this says why, and the visit
    page shows its warning from this same function."""
    missing = session.needles_opened - session.needles_removed
    if missing == 0:
        return ""
    incident = incident_of(session)
    if missing > 0 and incident is not None and incident.needles_unaccounted == missing:
        return ""
    if missing < 0:
        return str(
            _("More needles removed (%(r)d) than opened (%(o)d): correct the count.")
            % {"r": session.needles_removed, "o": session.needles_opened}
        )
    return str(
        _(
            "%(o)d needles opened but %(r)d removed: find the missing needle(s), or record a “needle unaccounted for” incident."
        )
        % {"o": session.needles_opened, "r": session.needles_removed}
    )


def incident_of(session: NeedlingSession) -> NeedleIncident | None:
    """The session's "needle unaccounted for" incident, if one was recorded (found through the
    session in hand, which is already the clinic's)."""
    try:
        return session.incident
    except NeedleIncident.DoesNotExist:
        return None


@transaction.atomic
def needle_incident_raise(
    *, access: Access, session_id: int, description: str, action_taken: str
) -> NeedleIncident:
    """A needle unaccounted for: recorded with what was done, and the owners are alerted."""
    access.require(Permission.CLINICAL_RECORD)
    session = _session_for_update(access, session_id)
    missing = session.needles_opened - session.needles_removed
    if missing <= 0:
        raise ValidationError(_("The count matches: there is no needle unaccounted for."))
    description = description.replace("\x00", "").strip()[:500]
    action_taken = action_taken.replace("\x00", "").strip()[:500]
    if not description or not action_taken:
        raise ValidationError(
            _("Describe what happened and what was done (searched the room, told the patient, …).")
        )
    incident, _created = NeedleIncident.objects.of(access).update_or_create(
        session=session,
        defaults={
            "needles_unaccounted": missing,
            "description": description,
            "action_taken": action_taken,
            "recorded_by": access.user,
            "recorded_at": timezone.now(),
        },
    )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="needle_incident",
        object_id=incident.pk,
        patient_id=session.visit.patient_id,
        detail={"unaccounted": missing},
    )
    from filiform.charting.tasks import owners_alert

    owners_alert(access=access, incident=incident)  # same transaction: durable, retried
    return incident


@transaction.atomic
def adverse_event_add(*, access: Access, visit_id: int, event: AdverseEventSpec) -> AdverseEvent:
    """An adverse event on the severity scale of §2; significant and serious ones alert the
    owners at once. What can be typed was bounded by :class:`AdverseEventSpec`; what must be
    recorded for the kind and severity is decided here."""
    access.require(Permission.CLINICAL_RECORD)
    visit = visit_of_clinic(access=access, visit_id=visit_id, for_update=True)
    _require_draft(visit)
    kind, severity, timing = event.kind.value, event.severity.value, event.timing.value
    text = event.model_dump(exclude={"kind", "severity", "timing"})
    if kind == AdverseEventType.OTHER and not text["detail"]:
        raise ValidationError({"detail": _("Describe the event.")})
    if severity != Severity.MILD and not text["action_taken"]:
        raise ValidationError(
            {"action_taken": _("Record the action taken for a significant or serious event.")}
        )
    if text["muscle"]:
        try:
            muscle_get(text["muscle"], clinic_id=access.membership.clinic_id)
        except UnknownMuscle:
            raise ValidationError(
                {
                    "muscle": _("“%(slug)s” is not a muscle in the catalogue.")
                    % {"slug": text["muscle"]}
                }
            ) from None
    recorded = AdverseEvent.objects.of(access).create(
        visit=visit, kind=kind, severity=severity, timing=timing, recorded_by=access.user, **text
    )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="adverse_event",
        object_id=recorded.pk,
        patient_id=visit.patient_id,
        detail={"kind": kind, "severity": severity},
    )
    if severity != Severity.MILD:
        from filiform.charting.tasks import owners_alert

        owners_alert(access=access, event=recorded)  # same transaction: durable, retried
    return recorded


def _last_signed_session(access: Access, patient_id: int) -> NeedlingSession | None:
    """The patient's last signed session, through the door: the patient is found in the acting
    clinic (404 otherwise) and the role must keep clinical records (403, audited)."""
    from filiform.patients.models import Patient

    patient = clinic_get(access, Patient, patient_id, permission=Permission.CLINICAL_RECORD)
    return (
        NeedlingSession.objects.of(access)
        .filter(visit__patient_id=patient.pk, visit__status="signed")
        .order_by("-started_at", "-id")
        .first()
    )


def last_session_insertion_count(*, access: Access, patient_id: int) -> int:
    """How many insertions "repeat last session" would chart, for the visit page's button. Not
    audited: it reveals a number, and the visit page that shows it records its own read."""
    session = _last_signed_session(access, patient_id)
    return 0 if session is None else session.insertions.count()


def last_session_insertions(*, access: Access, patient_id: int) -> list[dict[str, Any]]:
    """The insertions of the patient's last signed session, as data to chart again ("repeat
    last session"): each one still goes through :func:`insertion_add` and its clearance.
    Reading a signed record: audited."""
    session = _last_signed_session(access, patient_id)
    if session is None:
        return []
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="needling_session",
        object_id=session.pk,
        patient_id=patient_id,
        detail={"purpose": "repeat_last_session"},
    )
    keep = set(InsertionSpec.model_fields) - {"justification"}
    return [
        {
            k: v
            for k, v in (
                ("muscle", i.muscle),
                ("side", i.side),
                ("trigger_point", i.trigger_point),
                ("needle_diameter_mm", i.needle_diameter_mm),
                ("needle_length_mm", i.needle_length_mm),
                ("needle_count", i.needle_count),
                ("depth_mm", i.depth_mm),
                ("approach", i.approach),
                ("level", i.level),
                ("technique", i.technique),
                ("estim_frequency_hz", i.estim_frequency_hz),
                ("estim_intensity_ma", i.estim_intensity_ma),
                ("estim_minutes", i.estim_minutes),
                ("retention_seconds", i.retention_seconds),
            )
            if k in keep and v is not None
        }
        for i in session.insertions.all()
    ]
