"""Charting reads for people's pages: the patient timeline, where the needled points go on the
body chart (for the timeline and the visit note PDF), and the dashboard's unsigned notes and
safety events. Every function checks the permission and audits what it shows.

The timeline's query count does not grow with the number of visits: visits come with their
session, incident, practitioner and signer in one query, and insertions, adverse events and
addenda are prefetched. Apps above charting add their own to each visit's entry through a
registered addition (aftercare: the check-in a day after needling and its alerts,
``aftercare/timeline.py``), so charting imports none of them. The body chart is drawn once per view and page (it is about 115 KB of
SVG), and each visit's small chart reuses it with ``<use>`` and adds only its own marks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from filiform.anatomy.catalogue import Muscle, clinic_catalogue
from filiform.anatomy.chart import VIEWS, View, on_side
from filiform.anatomy.regions import Side
from filiform.anatomy.render import ChartMuscle, Mark, body_chart_svg, chart_muscles
from filiform.audit.services import AuditAction, audit_access
from filiform.charting.codes import Position, Severity, VisitStatus
from filiform.charting.models import (
    AdverseEvent,
    Insertion,
    NeedleIncident,
    NeedlingSession,
    Visit,
)
from filiform.clinics.access import Access, Permission
from filiform.patients.selectors import patient_of_clinic

TIMELINE_LIMIT = 100
SAFETY_LIMIT = 10


# --- where needled points go on the chart -------------------------------------------------------


def _views_for(position: str) -> tuple[View, ...]:
    """The view the clinician was looking at: the front for a patient lying on their back."""
    return ("front", "back") if position == Position.SUPINE else ("back", "front")


def _centre(polygon: list[list[float]]) -> tuple[float, float]:
    xs, ys = zip(*polygon, strict=True)
    return sum(xs) / len(xs), sum(ys) / len(ys)


def _clinic_has_own_chart(clinic_id: int) -> bool:
    from filiform.anatomy.models import ClinicMuscle, ClinicTriggerPoint

    return (
        ClinicMuscle.objects.of_clinic(clinic_id).filter(active=True).exists()
        or ClinicTriggerPoint.objects.of_clinic(clinic_id).filter(active=True).exists()
    )


class ChartPlacer:
    """Places insertions on the chart. Built once per page or PDF: the chart geometry (and the
    clinic's own muscles and points) is read once, whatever the number of insertions."""

    def __init__(self, clinic_id: int | None) -> None:
        # Most clinics add no muscles or points of their own: then the shipped chart is all
        # there is, and drawing it needs no more queries.
        self.clinic_id = clinic_id if clinic_id and _clinic_has_own_chart(clinic_id) else None
        self.muscles: dict[View, dict[str, ChartMuscle]] = {
            view: chart_muscles(view, clinic_id=self.clinic_id) for view in VIEWS
        }
        self.catalogue: dict[str, Muscle] = clinic_catalogue(self.clinic_id)

    def muscle_label(self, slug: str, side: str = "") -> str:
        muscle = self.catalogue.get(slug)
        name = muscle.name if muscle else slug.replace("_", " ")
        return f"{name} ({Side(side).label.lower()})" if side in Side.values else name

    def _at(self, view: View, slug: str, point: str) -> tuple[float, float] | None:
        entry = self.muscles[view].get(slug)
        if entry is None:
            return None
        points = [at for tp, at, _label in entry.trigger_points if tp == point or not point]
        if points:
            return points[0]
        return None if point else _centre(entry.polygons[0])

    def mark(self, insertion: Insertion, *, position: str, number: int) -> Mark | None:
        """The named trigger point on the view the patient's position suggests (or the other
        view, which draws it); without a point, the muscle's first point or its middle."""
        side = Side(insertion.side) if insertion.side in Side.values else None
        views = _views_for(position)
        found = None
        for point in (insertion.trigger_point, ""):
            found = next(
                (
                    (view, at)
                    for view in views
                    if (at := self._at(view, insertion.muscle, point)) is not None
                ),
                None,
            )
            if found is not None:
                break
        if found is None:
            return None
        view, (x, y) = found
        x, y = on_side([[x, y]], side)[0]
        label = f"{number}. {self.muscle_label(insertion.muscle, insertion.side)}"
        return Mark(view, (x, y), label)

    def marks(self, insertions: list[Insertion], *, position: str) -> list[Mark]:
        placed = (
            self.mark(insertion, position=position, number=n)
            for n, insertion in enumerate(insertions, start=1)
        )
        return [m for m in placed if m is not None]


def chart_views_used(marks: list[Mark]) -> list[View]:
    return [view for view in VIEWS if any(m.view == view for m in marks)]


# --- the patient timeline -----------------------------------------------------------------------


@dataclass
class MiniChart:
    view: View
    svg: SafeString


@dataclass
class TimelineEntry:
    visit: Visit
    session: NeedlingSession | None
    incident: NeedleIncident | None
    insertions: list[Insertion]
    sites: list[str]
    needles: int
    charts: list[MiniChart] = field(default_factory=list)
    # Added by aftercare (aftercare/timeline.py): the check-in a day after needling, why it was
    # flagged, and its red-flag alerts.
    check_in: Any = None
    check_in_reasons: list[str] = field(default_factory=list)
    alerts: list[Any] = field(default_factory=list)

    @property
    def assessment_line(self) -> str:
        return next(
            (line.strip() for line in self.visit.assessment.splitlines() if line.strip()), ""
        )


@dataclass(frozen=True)
class TimelineAddition:
    """What an app above charting adds to the timeline, in two steps so that the query count
    stays flat: ``visits`` widens the one query of the visits (a join, an annotation), ``add``
    fills every entry from what that query read (at most one more query for all of them)."""

    visits: Callable[[Access, QuerySet[Visit]], QuerySet[Visit]]
    add: Callable[[Access, list[TimelineEntry]], None]


_additions: dict[str, TimelineAddition] = {}


def register_timeline_addition(name: str, addition: TimelineAddition) -> None:
    """Add (or, under the same name, replace) an addition; called in an app's ``ready()``.
    Additions run in the order of their names."""
    _additions[name] = addition


@dataclass
class Timeline:
    entries: list[TimelineEntry]
    total: int
    sprites: list[SafeString]

    @property
    def more(self) -> int:
        return self.total - len(self.entries)


def _sprite_id(view: View) -> str:
    return f"timeline-chart-{view}"


def _sprite(view: View, clinic_id: int | None) -> SafeString:
    svg = body_chart_svg(view, clinic_id=clinic_id, show_trigger_points=False, interactive=False)
    return mark_safe(svg.replace("<svg ", f'<svg id="{_sprite_id(view)}" ', 1))  # noqa: S308  (our own SVG, one attribute added)


def _mini_chart(view: View, marks: list[Mark]) -> SafeString:
    """A small chart: the page's drawing of the view, and this visit's marks, drawn larger so
    that they can be seen at this size."""
    label = _("Needled points, front view") if view == "front" else _("Needled points, back view")
    dots = "".join(
        format_html(
            '<g class="mark"><circle r="16" cx="{x}" cy="{y}" fill="#d92d20" fill-opacity="0.25" '
            'stroke="#d92d20" stroke-width="2"/><circle r="6" cx="{x}" cy="{y}" fill="#d92d20"/>'
            "<title>{t}</title></g>",
            x=f"{m.at[0]:.1f}",
            y=f"{m.at[1]:.1f}",
            t=m.label,
        )
        for m in marks
        if m.view == view
    )
    return format_html(
        '<svg class="mini-chart" viewBox="0 0 400 900" role="img" aria-label="{}">'
        '<use href="#{}"/>{}</svg>',
        label,
        _sprite_id(view),
        mark_safe(dots),  # noqa: S308  (built with format_html above)
    )


def patient_timeline(*, access: Access, patient_id: int, limit: int = TIMELINE_LIMIT) -> Timeline:
    """The patient's visits, newest first, with their note, needling session (and a small chart
    of the needled points), adverse events and addenda. Clinicians only; the read is audited,
    and a refusal names the patient."""
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    access.require(
        Permission.CLINICAL_RECORD, object_type="patient_timeline", patient_id=patient.pk
    )
    visits = Visit.objects.of(access).filter(patient=patient)
    total = visits.count()
    read: QuerySet[Visit] = (
        visits.defer("signed_content")
        .select_related(
            "practitioner__user",
            "signed_by",
            "episode",
            "session",
            "session__incident",
        )
        .prefetch_related(
            Prefetch(
                "session__insertions",
                queryset=Insertion.objects.of(access).order_by("order", "id"),
            ),
            Prefetch(
                "adverse_events", queryset=AdverseEvent.objects.of(access).order_by("recorded_at")
            ),
            "addenda__author",
        )
    )
    for name in sorted(_additions):
        read = _additions[name].visits(access, read)
    rows = list(read[:limit])
    placer = ChartPlacer(access.membership.clinic_id)
    entries: list[TimelineEntry] = []
    used: set[View] = set()
    for visit in rows:
        session: NeedlingSession | None = getattr(visit, "session", None)
        insertions = list(session.insertions.all()) if session else []
        entry = TimelineEntry(
            visit=visit,
            session=session,
            incident=getattr(session, "incident", None) if session else None,
            insertions=insertions,
            sites=list(dict.fromkeys(placer.muscle_label(i.muscle, i.side) for i in insertions)),
            needles=sum(i.needle_count for i in insertions),
        )
        if session is not None:
            marks = placer.marks(insertions, position=session.position)
            entry.charts = [MiniChart(v, _mini_chart(v, marks)) for v in chart_views_used(marks)]
            used |= {c.view for c in entry.charts}
        entries.append(entry)
    for name in sorted(_additions):
        _additions[name].add(access, entries)
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="patient_timeline",
        object_id=patient.pk,
        patient_id=patient.pk,
        detail={"visits": len(entries)},
    )
    sprites = [_sprite(view, placer.clinic_id) for view in VIEWS if view in used]
    return Timeline(entries=entries, total=total, sprites=sprites)


@dataclass(frozen=True)
class VisitDate:
    pk: int
    started_at: dt.datetime
    status: str

    @property
    def status_label(self) -> str:
        return str(VisitStatus(self.status).label)


def patient_visit_dates(
    *, access: Access, patient_id: int, limit: int = TIMELINE_LIMIT
) -> list[VisitDate]:
    """What front desk and billing see of the visits: when, and whether the note is signed;
    nothing of what was found or done."""
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    access.require(Permission.PATIENT_VIEW, object_type="visit_dates", patient_id=patient.pk)
    rows = (
        Visit.objects.of(access)
        .filter(patient=patient)
        .values_list("pk", "started_at", "status")[:limit]
    )
    dates = [VisitDate(pk, started_at, status) for pk, started_at, status in rows]
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="visit_dates",
        object_id=patient.pk,
        patient_id=patient.pk,
        detail={"visits": len(dates)},
    )
    return dates


# --- the dashboard ------------------------------------------------------------------------------


def unsigned_notes(*, access: Access, now: dt.datetime | None = None) -> list[Visit]:
    """Draft visits older than the clinic's limit (``Clinic.unsigned_note_hours``, default 24 h):
    the clinician's own; an owner sees everyone's. Empty for people who do not chart."""
    if not access.can(Permission.CLINICAL_RECORD):
        return []
    now = now or timezone.now()
    cutoff = now - dt.timedelta(hours=access.clinic.unsigned_note_hours)
    visits = (
        Visit.objects.of(access)
        .filter(status=VisitStatus.DRAFT, started_at__lt=cutoff)
        .select_related("patient", "practitioner__user")
    )
    if not access.is_owner:
        visits = visits.filter(practitioner=access.membership)
    rows = list(visits.order_by("started_at", "id")[:50])
    if rows:
        audit_access(
            access,
            action=AuditAction.READ,
            object_type="unsigned_notes",
            detail={"visits": [v.pk for v in rows]},
        )
    return rows


@dataclass(frozen=True)
class SafetyEvents:
    adverse_events: list[AdverseEvent]
    incidents: list[NeedleIncident]

    def __bool__(self) -> bool:
        return bool(self.adverse_events or self.incidents)


def safety_events(*, access: Access, limit: int = SAFETY_LIMIT) -> SafetyEvents:
    """For owners: the latest significant or serious adverse events and needles unaccounted
    for (the events that alerted them by e-mail), to follow up from the dashboard."""
    if not access.is_owner:
        return SafetyEvents([], [])
    access.require(Permission.CLINICAL_RECORD)
    events = list(
        AdverseEvent.objects.of(access)
        .filter(severity__in=(Severity.SIGNIFICANT, Severity.SERIOUS))
        .select_related("visit__patient", "recorded_by")
        .order_by("-recorded_at", "-id")[:limit]
    )
    incidents = list(
        NeedleIncident.objects.of(access)
        .select_related("session__visit__patient", "recorded_by")
        .order_by("-recorded_at", "-id")[:limit]
    )
    found = SafetyEvents(events, incidents)
    if found:
        audit_access(
            access,
            action=AuditAction.READ,
            object_type="safety_events",
            detail={
                "adverse_events": [e.pk for e in events],
                "needle_incidents": [i.pk for i in incidents],
            },
        )
    return found
