"""The needling session: started under a clearance, insertions each cleared again at the moment
they are charted, needles counted in and out, adverse events and needle incidents. The rules live
in the clearance service; this module makes sure every write goes through it, for the pages and
the API alike."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.anatomy.catalogue import Muscle, UnknownMuscle, muscle_get
from filiform.anatomy.depth_limits import Approach, DepthFinding, depth_findings
from filiform.anatomy.safety_settings import clinic_depth_choices
from filiform.anatomy.segments import level_of_trigger_point, levels_of, vertebral_levels
from filiform.audit.services import AuditAction, audit_access
from filiform.charting.codes import (
    NEEDLE_DIAMETERS_MM,
    NEEDLE_LENGTHS_MM,
    AdverseEventType,
    Position,
    Retest,
    SessionMode,
    Severity,
    Technique,
    Timing,
    Tolerance,
    Twitch,
)
from filiform.charting.models import AdverseEvent, Insertion, NeedleIncident, NeedlingSession, Visit
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

INSERTION_FIELDS = {
    "muscle",
    "side",
    "trigger_point",
    "needle_diameter_mm",
    "needle_length_mm",
    "needle_count",
    "depth_mm",
    "approach",
    "level",
    "technique",
    "estim_frequency_hz",
    "estim_intensity_ma",
    "estim_minutes",
    "retention_seconds",
    "twitch",
    "twitch_count",
    "referred_pain",
    "referred_pain_where",
    "tolerance",
    "retest",
    "retest_note",
    "justification",
    "lot_id",
}
MAX_NEEDLES = 200
ESTIM_FIELDS = ("estim_frequency_hz", "estim_intensity_ma", "estim_minutes")


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
    session = (
        NeedlingSession.objects.select_for_update()
        .select_related("visit")
        .filter(pk=session_id, visit__clinic_id=access.membership.clinic_id)
        .first()
    )
    if session is None:
        from django.http import Http404

        raise Http404("No such needling session in this clinic.")
    _require_draft(session.visit)
    return session


def _refused(clearance: Clearance, reasons: list[Any]) -> ValidationError:
    texts = [r.text for r in reasons] or [str(_("Clearance: no-go."))]
    return ValidationError({"clearance": texts})


@transaction.atomic
def session_start(
    *,
    access: Access,
    visit_id: int,
    position: str,
    mode: str = SessionMode.DRY_NEEDLING,
    location_id: int | None = None,
) -> NeedlingSession:
    """Start the needling in a draft visit: refused unless the acting clinician is cleared for
    this patient right now (consent, screening, credentials)."""
    access.require(Permission.CLINICAL_RECORD)
    visit = visit_of_clinic(access=access, visit_id=visit_id, for_update=True)
    _require_draft(visit)
    if NeedlingSession.objects.filter(visit=visit).exists():
        raise ValidationError(_("This visit already has a needling session."))
    if position not in Position.values:
        raise ValidationError({"position": _("Record the patient's position.")})
    if mode not in SessionMode.values:
        raise ValidationError({"mode": _("Choose dry needling or Gunn IMS.")})
    clearance = clearance_decide(
        access=access, patient_id=visit.patient_id, practitioner_id=access.membership.pk
    )
    if clearance.verdict == Verdict.NO_GO:
        raise _refused(clearance, clearance.reasons)
    from filiform.consent.models import ConsentRecord

    record_id = clearance.consent_record_id
    consent = (
        ConsentRecord.objects.select_related("template").filter(pk=record_id).first()
        if record_id is not None
        else None
    )
    session = NeedlingSession.objects.create(
        visit=visit,
        performer=access.membership,
        location=_session_location(access, location_id),
        mode=mode,
        position=position,
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
        object_id=session.pk,
        patient_id=visit.patient_id,
        detail={"visit": visit.pk, "clearance": clearance.verdict.value},
    )
    return session


def _session_location(access: Access, location_id: int | None) -> Location | None:
    """Where the needles come from: the location chosen, or the clinic's first open one."""
    locations = Location.objects.filter(clinic_id=access.membership.clinic_id, is_active=True)
    if location_id is None:
        return locations.order_by("name", "id").first()
    location = locations.filter(pk=location_id).first()
    if location is None:
        raise ValidationError({"location_id": _("Choose one of the clinic's open locations.")})
    return location


def _decimal(value: Any, field: str, message: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: message}) from None
    if not number.is_finite():
        raise ValidationError({field: message})
    return number


def _choice(value: Any, choices: Any, field: str, message: str) -> str:
    if value not in choices.values:
        raise ValidationError({field: message})
    return str(value)


def _clean_insertion(data: dict[str, Any]) -> dict[str, Any]:
    """Types and ranges of one insertion; the clinical rules come after, from clearance."""
    unknown = set(data) - INSERTION_FIELDS
    if unknown:
        raise ValidationError(
            _("Unknown insertion fields: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    clean: dict[str, Any] = {}
    diameter = _decimal(
        data.get("needle_diameter_mm"), "needle_diameter_mm", _("Choose the needle diameter.")
    )
    if f"{diameter:.2f}" not in NEEDLE_DIAMETERS_MM:
        raise ValidationError(
            {
                "needle_diameter_mm": _("Needle diameters are %(d)s mm.")
                % {"d": ", ".join(NEEDLE_DIAMETERS_MM)}
            }
        )
    clean["needle_diameter_mm"] = diameter.quantize(Decimal("0.01"))
    length = data.get("needle_length_mm")
    if not isinstance(length, int) or isinstance(length, bool) or length not in NEEDLE_LENGTHS_MM:
        raise ValidationError(
            {
                "needle_length_mm": _("Needle lengths are %(l)s mm.")
                % {"l": ", ".join(map(str, NEEDLE_LENGTHS_MM))}
            }
        )
    clean["needle_length_mm"] = length
    count = data.get("needle_count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 50:
        raise ValidationError({"needle_count": _("Needles at this site: 1 to 50.")})
    clean["needle_count"] = count
    depth = _decimal(data.get("depth_mm"), "depth_mm", _("Record the depth in millimetres."))
    if not Decimal("0.5") <= depth <= Decimal(length):
        raise ValidationError(
            {
                "depth_mm": _("The depth is between 0.5 mm and the needle's length (%(l)d mm).")
                % {"l": length}
            }
        )
    clean["depth_mm"] = depth.quantize(Decimal("0.1"))
    approach = data.get("approach") or ""
    if approach and approach not in Approach.values:
        raise ValidationError({"approach": _("Choose how the needle was aimed.")})
    clean["approach"] = approach
    level = str(data.get("level") or "").strip().upper()
    if level and level not in vertebral_levels():
        raise ValidationError({"level": _("The level is a vertebra, C1 to S1 (e.g. L4).")})
    clean["level"] = level
    clean["technique"] = _choice(
        data.get("technique", Technique.STATIC), Technique, "technique", _("Choose a technique.")
    )
    estim = [n for n in ESTIM_FIELDS if data.get(n) not in (None, "")]
    if estim and clean["technique"] != Technique.ELECTRICAL:
        raise ValidationError(
            {
                "technique": _(
                    "Frequency, intensity and duration are for electrical stimulation: choose that technique or leave them out."
                )
            }
        )
    if clean["technique"] == Technique.ELECTRICAL:
        hz = _decimal(
            data.get("estim_frequency_hz"),
            "estim_frequency_hz",
            _("Electrical stimulation needs its frequency (Hz)."),
        )
        ma = _decimal(
            data.get("estim_intensity_ma"),
            "estim_intensity_ma",
            _("Electrical stimulation needs its intensity (mA)."),
        )
        minutes = data.get("estim_minutes")
        if not Decimal("0.5") <= hz <= Decimal("250") or not Decimal("0.1") <= ma <= Decimal("100"):
            raise ValidationError({"estim": _("Frequency 0.5 to 250 Hz, intensity 0.1 to 100 mA.")})
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 60:
            raise ValidationError(
                {"estim_minutes": _("Electrical stimulation lasts 1 to 60 minutes.")}
            )
        clean |= {"estim_frequency_hz": hz, "estim_intensity_ma": ma, "estim_minutes": minutes}
    retention = data.get("retention_seconds", 0)
    if not isinstance(retention, int) or isinstance(retention, bool) or not 0 <= retention <= 3600:
        raise ValidationError({"retention_seconds": _("Retention is 0 to 3600 seconds.")})
    clean["retention_seconds"] = retention
    clean["twitch"] = _choice(
        data.get("twitch", Twitch.NOT_RECORDED),
        Twitch,
        "twitch",
        _("Twitch responses: not recorded, none, a few or many."),
    )
    twitch_count = data.get("twitch_count")
    if twitch_count is not None:
        if (
            not isinstance(twitch_count, int)
            or isinstance(twitch_count, bool)
            or not 0 <= twitch_count <= 500
        ):
            raise ValidationError({"twitch_count": _("Twitch count is 0 to 500.")})
        clean["twitch_count"] = twitch_count
    clean["referred_pain"] = bool(data.get("referred_pain", False))
    clean["referred_pain_where"] = (
        str(data.get("referred_pain_where") or "").replace("\x00", "").strip()[:200]
    )
    clean["tolerance"] = _choice(
        data.get("tolerance", Tolerance.NOT_RECORDED),
        Tolerance,
        "tolerance",
        _("Tolerance: not recorded, good, fair or poor."),
    )
    clean["retest"] = _choice(
        data.get("retest", Retest.NOT_TESTED),
        Retest,
        "retest",
        _("Re-test: better, same, worse or not tested."),
    )
    clean["retest_note"] = str(data.get("retest_note") or "").replace("\x00", "").strip()[:200]
    clean["trigger_point"] = str(data.get("trigger_point") or "")[:30]
    return clean


@transaction.atomic
def insertion_add(*, access: Access, session_id: int, **data: Any) -> Insertion:
    """One insertion, cleared now: a blocked muscle is refused with its reasons; a caution
    muscle needs a written justification; a depth beyond the muscle's safe maximum is refused;
    both sides of the chest in one session is a caution too. The needles it uses are counted."""
    access.require(Permission.CLINICAL_RECORD)
    session = _session_for_update(access, session_id)
    visit: Visit = session.visit
    if session.performer_id != access.membership.pk:
        raise ValidationError(_("Only the clinician performing the session charts its insertions."))
    slug = str(data.get("muscle") or "")
    side = str(data.get("side") or "")
    clean = _clean_insertion(data)
    clinic_id = access.membership.clinic_id
    try:
        muscle: Muscle | None = muscle_get(slug, clinic_id=clinic_id)
    except UnknownMuscle:
        muscle = None  # the clearance names it
    if muscle is not None:
        clean["level"] = _level(muscle, clean["level"], clean["trigger_point"])
    key = f"{slug}:{side}" if side else slug
    justification = str(data.get("justification") or "").replace("\x00", "").strip()[:500]
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
    from filiform.supplies.stock import lot_for_insertion, needles_take

    lot_id = data.get("lot_id")
    if lot_id is not None and (not isinstance(lot_id, int) or isinstance(lot_id, bool)):
        raise ValidationError({"lot_id": _("Choose a needle lot.")})
    lot = lot_for_insertion(
        access=access,
        location_id=session.location_id,
        lot_id=lot_id,
        diameter_mm=clean["needle_diameter_mm"],
        length_mm=clean["needle_length_mm"],
        count=clean["needle_count"],
        electrical=clean["technique"] == Technique.ELECTRICAL,
        on=timezone.localdate(),
    )
    order = (session.insertions.aggregate(n=Max("order"))["n"] or 0) + 1
    insertion = Insertion.objects.create(
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
        needles_take(
            lot=lot,
            location_id=session.location_id,
            count=insertion.needle_count,
            insertion_id=insertion.pk,
            user_id=access.user.pk,
        )
    session.needles_opened = min(session.needles_opened + insertion.needle_count, MAX_NEEDLES)
    session.save(update_fields=["needles_opened"])
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="insertion",
        object_id=insertion.pk,
        patient_id=visit.patient_id,
        detail={"session": session.pk, "muscle": key},
    )
    return insertion


@transaction.atomic
def needles_count(*, access: Access, session_id: int, opened: int, removed: int) -> NeedlingSession:
    """The explicit count: needles opened (inserted) and removed into the sharps container."""
    access.require(Permission.CLINICAL_RECORD)
    session = _session_for_update(access, session_id)
    for name, value in (("needles_opened", opened), ("needles_removed", removed)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_NEEDLES:
            raise ValidationError({name: _("Count 0 to %(n)d needles.") % {"n": MAX_NEEDLES}})
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


def count_problem(session: NeedlingSession) -> str:
    """Why the count does not allow signing, or "" when it does."""
    missing = session.needles_opened - session.needles_removed
    if missing == 0:
        return ""
    incident = NeedleIncident.objects.filter(session=session).first()
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
    incident, _created = NeedleIncident.objects.update_or_create(
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
def adverse_event_add(*, access: Access, visit_id: int, **data: Any) -> AdverseEvent:
    """An adverse event on the severity scale of §2; significant and serious ones alert the
    owners at once."""
    access.require(Permission.CLINICAL_RECORD)
    visit = visit_of_clinic(access=access, visit_id=visit_id, for_update=True)
    _require_draft(visit)
    allowed = {
        "kind",
        "detail",
        "severity",
        "timing",
        "muscle",
        "side",
        "action_taken",
        "follow_up",
        "reported_to",
    }
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    kind = _choice(data.get("kind"), AdverseEventType, "kind", _("Choose the type of event."))
    severity = _choice(
        data.get("severity"), Severity, "severity", _("Choose mild, significant or serious.")
    )
    timing = _choice(
        data.get("timing"), Timing, "timing", _("Did it happen during or after treatment?")
    )
    # Each text cut to its column's length: PostgreSQL refuses longer text where SQLite would not.
    limits = {
        "detail": 500,
        "action_taken": 500,
        "follow_up": 500,
        "reported_to": 200,
        "muscle": 60,
        "side": 8,
    }
    text = {k: str(data.get(k) or "").replace("\x00", "").strip()[:n] for k, n in limits.items()}
    if text["side"] not in ("", "left", "right"):
        raise ValidationError({"side": _("The side is left or right (or empty for midline).")})
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
    event = AdverseEvent.objects.create(
        visit=visit, kind=kind, severity=severity, timing=timing, recorded_by=access.user, **text
    )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="adverse_event",
        object_id=event.pk,
        patient_id=visit.patient_id,
        detail={"kind": kind, "severity": severity},
    )
    if severity != Severity.MILD:
        from filiform.charting.tasks import owners_alert

        owners_alert(access=access, event=event)  # same transaction: durable, retried
    return event


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
    keep = INSERTION_FIELDS - {"justification"}
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
