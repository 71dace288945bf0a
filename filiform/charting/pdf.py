"""The visit note as a PDF (WeasyPrint): the patient, the clinician and their registration, the
SOAP note, the needling session insertion by insertion under the clearance and consent it was
performed under, the needle count and any incident, adverse events, the body chart with the
needled points, the signature with the content hash (checked again as the PDF is made), and the
addenda. A draft says so on every page."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from filiform.anatomy.render import body_chart_svg
from filiform.audit.services import AuditAction, audit_access
from filiform.charting.codes import Technique, VisitStatus
from filiform.charting.models import Insertion, NeedlingSession, Visit
from filiform.charting.timeline import ChartPlacer, chart_views_used
from filiform.charting.visits import content_sha256, visit_content, visit_of_clinic
from filiform.clearance.decision import Verdict
from filiform.clinics.access import Access, Permission
from filiform.practitioners.models import Registration


@dataclass(frozen=True)
class InsertionRow:
    number: int
    insertion: Insertion
    muscle: str
    needle: str
    technique: str
    retention: str
    twitch: str
    referred: str
    retest: str


def _retention(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def _number(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _row(number: int, insertion: Insertion, placer: ChartPlacer) -> InsertionRow:
    muscle = placer.muscle_label(insertion.muscle, insertion.side)
    if insertion.trigger_point:
        muscle += f", {insertion.trigger_point}"
    if insertion.level:
        muscle += f", {insertion.level}"
    technique = insertion.get_technique_display()
    if insertion.approach:
        technique += f"; {insertion.get_approach_display().lower()}"
    if insertion.technique == Technique.ELECTRICAL:
        technique += (
            f" ({_number(insertion.estim_frequency_hz)} Hz, "
            f"{_number(insertion.estim_intensity_ma)} mA, {insertion.estim_minutes} min)"
        )
    twitch = insertion.get_twitch_display()
    if insertion.twitch_count is not None:
        twitch += f" ({insertion.twitch_count})"
    referred = _("Yes") if insertion.referred_pain else _("No")
    if insertion.referred_pain and insertion.referred_pain_where:
        referred += f": {insertion.referred_pain_where}"
    retest = insertion.get_retest_display()
    if insertion.retest_note:
        retest += f": {insertion.retest_note}"
    return InsertionRow(
        number=number,
        insertion=insertion,
        muscle=muscle,
        needle=f"{insertion.needle_diameter_mm} × {insertion.needle_length_mm} mm",
        technique=technique,
        retention=_retention(insertion.retention_seconds),
        twitch=twitch,
        referred=referred,
        retest=retest,
    )


def _reasons(reasons: list[dict[str, str]]) -> list[dict[str, str]]:
    """Stored reasons carry the level as its number (screening.rules.Level)."""
    words = {"0": _("OK"), "1": _("Caution"), "2": _("Blocked")}
    return [
        {"level": words.get(r.get("level", ""), r.get("level", "")), "text": r.get("text", "")}
        for r in reasons
    ]


def _visit(visit: Visit) -> Visit:
    """The visit with everything its note prints."""
    return (
        Visit.objects.of_clinic(visit.clinic_id)
        .select_related(
            "clinic",
            "patient",
            "episode",
            "practitioner__user",
            "signed_by",
            "session__consent_record",
            "session__screening",
            "session__incident",
            "session__performer__user",
        )
        .prefetch_related("session__insertions", "adverse_events", "addenda__author")
        .get(pk=visit.pk)
    )


def visit_note_context(visit: Visit) -> dict[str, Any]:
    session: NeedlingSession | None = getattr(visit, "session", None)
    placer = ChartPlacer(visit.clinic_id)
    insertions = list(session.insertions.all()) if session else []
    marks = placer.marks(insertions, position=session.position) if session else []
    registration = Registration.objects.filter(
        membership=visit.practitioner, entered_in_error_at__isnull=True
    ).first()
    signed = visit.status != VisitStatus.DRAFT and bool(visit.content_sha256)
    hash_holds = None
    if signed:
        hash_holds = content_sha256(
            visit.signed_content or {}
        ) == visit.content_sha256 and visit.signed_content == visit_content(visit)
    return {
        "visit": visit,
        "clinic": visit.clinic,
        "patient": visit.patient,
        "practitioner": visit.practitioner.user,
        "registration": registration,
        "session": session,
        "verdict": Verdict(session.clearance_verdict).word if session else "",
        "session_reasons": _reasons(session.clearance_reasons) if session else [],
        "rows": [_row(n, i, placer) for n, i in enumerate(insertions, start=1)],
        "needles_inserted": sum(i.needle_count for i in insertions),
        "incident": getattr(session, "incident", None) if session else None,
        "events": [
            (e, placer.muscle_label(e.muscle, e.side) if e.muscle else "")
            for e in visit.adverse_events.all()
        ],
        "addenda": list(visit.addenda.all()),
        "charts": [
            body_chart_svg(
                view,
                clinic_id=placer.clinic_id,
                marks=marks,
                show_trigger_points=False,
                interactive=False,
            )
            for view in chart_views_used(marks)
        ],
        "marks": marks,
        "signed": signed,
        "hash_holds": hash_holds,
        "is_draft": visit.status == VisitStatus.DRAFT,
        "printed": timezone.localtime(),
        "time_zone": visit.clinic.time_zone,
        "language": translation.get_language(),
    }


def visit_note_render(visit: Visit) -> bytes:
    from weasyprint import HTML  # imported here: pango loads only when a PDF is made

    with timezone.override(visit.clinic.time_zone):
        html = render_to_string("charting/visit_note_pdf.html", visit_note_context(visit))
    return bytes(HTML(string=html).write_pdf())


def visit_note_pdf(*, access: Access, visit_id: int) -> tuple[Visit, bytes]:
    """The visit note for a clinician of the visit's clinic; every copy made is audited, and so
    is a refusal, naming the visit and its patient."""
    found = visit_of_clinic(access=access, visit_id=visit_id)
    access.require(
        Permission.CLINICAL_RECORD,
        object_type="visit_note_pdf",
        object_id=found.pk,
        patient_id=found.patient_id,
    )
    visit = _visit(found)
    pdf = visit_note_render(visit)
    audit_access(
        access,
        action=AuditAction.EXPORT,
        object_type="visit_note_pdf",
        object_id=visit.pk,
        patient_id=visit.patient_id,
        detail={"status": visit.status, "content_sha256": visit.content_sha256},
    )
    return visit, pdf


def visit_note_filename(visit: Visit) -> str:
    return f"visit-{visit.patient_id}-{visit.pk}-{visit.started_at:%Y%m%d}.pdf"
