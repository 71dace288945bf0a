"""The progress report (PDF, WeasyPrint) that insurers ask for, e.g. after 20 visits: the
clinic, the patient, the episode of care, a treatment summary (visits, needling sessions, the
muscles needled most often, the plan's goals) and each measure's chart with its baseline,
latest, change and whether the MCID was reached. Every download is audited as an export."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone, translation

from filiform.anatomy.catalogue import UnknownMuscle, muscle_get
from filiform.audit.services import AuditAction, audit_access
from filiform.charting.codes import VisitStatus
from filiform.charting.models import Insertion, TreatmentPlan
from filiform.clinics.access import Access
from filiform.outcomes.charts import progress_cards
from filiform.outcomes.selectors import Progress, patient_progress

TOP_MUSCLES = 5


@dataclass(frozen=True)
class MuscleCount:
    name: str
    sessions: int


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def muscles_needled(
    access: Access, progress: Progress, *, limit: int = TOP_MUSCLES
) -> list[MuscleCount]:
    """The muscles needled in the most sessions of the episode's signed visits (a muscle
    needled on both sides, or twice, in one session counts once for that session)."""
    if progress.episode is None:
        return []
    rows = (
        Insertion.objects.of(access)
        .filter(
            session__visit__episode=progress.episode,
            session__visit__status=VisitStatus.SIGNED,
        )
        .values("muscle")
        .annotate(sessions=Count("session", distinct=True))
        .order_by("-sessions", "muscle")[:limit]
    )
    found = []
    for row in rows:
        try:
            name = muscle_get(row["muscle"], clinic_id=progress.patient.clinic_id).name
        except UnknownMuscle:
            name = row["muscle"]
        found.append(MuscleCount(name=name, sessions=row["sessions"]))
    return found


def report_context(access: Access, progress: Progress) -> dict[str, Any]:
    plan = (
        TreatmentPlan.objects.of(access).filter(episode=progress.episode).first()
        if progress.episode is not None
        else None
    )
    cards = progress_cards(progress)
    return {
        "clinic": access.clinic,
        "patient": progress.patient,
        "episode": progress.episode,
        "visits": progress.visits,
        "needling_sessions": len(progress.needling_days),
        "muscles": muscles_needled(access, progress),
        "plan": plan,
        "charts": [(card, svg_data_uri(card.svg)) for card in cards],
        "printed_at": timezone.localtime(),
        "printed_by": access.user,
        "language": translation.get_language(),
    }


def progress_report_filename(progress: Progress) -> str:
    episode = progress.episode.pk if progress.episode is not None else "none"
    return f"progress-{progress.patient.pk}-{episode}-{timezone.localdate():%Y%m%d}.pdf"


def progress_report_html(*, access: Access, progress: Progress) -> str:
    return render_to_string("outcomes/report_pdf.html", report_context(access, progress))


def progress_report_pdf(
    *, access: Access, patient_id: int, episode_id: int | None = None
) -> tuple[str, bytes]:
    """(filename, PDF) of the patient's progress over an episode (the latest when none is
    named), in the clinic's time zone."""
    from weasyprint import HTML  # imported here: pango loads only when a PDF is made

    with timezone.override(access.clinic.time_zone):
        progress = patient_progress(access=access, patient_id=patient_id, episode_id=episode_id)
        html = progress_report_html(access=access, progress=progress)
        filename = progress_report_filename(progress)
    pdf = bytes(HTML(string=html).write_pdf())
    audit_access(
        access,
        action=AuditAction.EXPORT,
        object_type="outcome_report",
        object_id=progress.episode.pk if progress.episode is not None else "",
        patient_id=progress.patient.pk,
        detail={"series": len(progress.series)},
    )
    return filename, pdf
