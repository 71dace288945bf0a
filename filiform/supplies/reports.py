"""Safety reports for owners: needles used per practitioner per month, and adverse events per
1,000 needling sessions beside the published rates (clinical reference §2). Plots are SVG drawn
on the server, so they print and need no script."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.charting.codes import AdverseEventType
from filiform.charting.models import AdverseEvent, Insertion, NeedlingSession
from filiform.clinics.access import Access, Permission

# Events per 1,000 treatments or sessions, from the two studies the clinical reference cites.
PUBLISHED_PER_1000: dict[str, dict[str, float]] = {
    "Brady 2014": {
        "bruising": 75.5,
        "bleeding": 46.5,
        "pain_during": 30.1,
        "pain_after": 21.9,
        "worse_symptoms": 8.8,
        "drowsiness": 2.6,
        "headache": 1.4,
        "nausea": 1.3,
    },
    "Boyce 2020": {"bleeding": 160.0, "bruising": 77.0, "pain_during": 59.0},
}
COLOURS = ("#0b7a61", "#98a2b3", "#f79009", "#2e90fa", "#9e77ed", "#d92d20")


@dataclass(frozen=True)
class NeedleUse:
    month: dt.date
    practitioner: str
    needles: int


def needles_per_practitioner(*, access: Access, since: dt.date) -> list[NeedleUse]:
    access.require(Permission.CLINIC_MANAGE)
    rows = (
        Insertion.objects.of(access)
        .filter(session__started_at__date__gte=since)
        .annotate(month=TruncMonth("session__started_at"))
        .values(
            "month", "session__performer__user__first_name", "session__performer__user__last_name"
        )
        .annotate(needles=Sum("needle_count"))
        .order_by("month", "session__performer__user__last_name")
    )
    audit_access(access, action=AuditAction.READ, object_type="report_needles")
    return [
        NeedleUse(
            row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"],
            f"{row['session__performer__user__first_name']} {row['session__performer__user__last_name']}",
            int(row["needles"] or 0),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class EventRate:
    kind: str
    label: str
    mild: int
    significant: int
    serious: int
    per_1000: float
    published: dict[str, float]


def adverse_event_rates(*, access: Access, since: dt.date) -> tuple[int, list[EventRate]]:
    """Sessions in the period and, per event type, counts by severity and the rate per 1,000
    sessions, with the published rate beside it."""
    access.require(Permission.CLINIC_MANAGE)
    sessions = NeedlingSession.objects.of(access).filter(started_at__date__gte=since).count()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in (
        AdverseEvent.objects.of(access)
        .filter(visit__started_at__date__gte=since)
        .values("kind", "severity")
        .annotate(n=Count("id"))
    ):
        counts[row["kind"]][row["severity"]] += row["n"]
    rates = []
    for kind in AdverseEventType:
        by_severity = counts.get(kind.value, {})
        total = sum(by_severity.values())
        published = {
            study: rates_[kind.value]
            for study, rates_ in PUBLISHED_PER_1000.items()
            if kind.value in rates_
        }
        if not total and not published:
            continue
        rates.append(
            EventRate(
                kind.value,
                str(kind.label),
                by_severity.get("mild", 0),
                by_severity.get("significant", 0),
                by_severity.get("serious", 0),
                round(1000 * total / sessions, 1) if sessions else 0.0,
                published,
            )
        )
    audit_access(access, action=AuditAction.READ, object_type="report_adverse_events")
    return sessions, rates


def bars_svg(
    rows: list[tuple[str, list[float | None]]], series: list[str], *, unit: str, title: str
) -> SafeString:
    """Horizontal grouped bars: one group per row, one bar per series, values written at the
    bar's end (so colour is never the only way to read it)."""
    label_w, bar_h, gap, width = 170, 12, 10, 680
    top = 28 + 18 * len(series)
    height = top + len(rows) * (bar_h * len(series) + gap) + 10
    peak = max((v for _label, values in rows for v in values if v is not None), default=0) or 1
    scale = (width - label_w - 120) / peak
    parts: list[str] = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" class="plot" role="img" aria-label="{}">'
            '<text x="0" y="16" font-size="14" font-weight="600">{}</text>',
            width,
            height,
            title,
            title,
        )
    ]
    for i, name in enumerate(series):
        y = 24 + 18 * i
        parts.append(
            format_html(
                '<rect x="0" y="{}" width="12" height="12" fill="{}"/><text x="18" y="{}" font-size="12">{}</text>',
                y,
                COLOURS[i % len(COLOURS)],
                y + 10,
                name,
            )
        )
    y = top
    for label, values in rows:
        parts.append(
            format_html(
                '<text x="{}" y="{}" font-size="12" text-anchor="end">{}</text>',
                label_w - 8,
                y + bar_h * len(values) / 2 + 4,
                label,
            )
        )
        for i, value in enumerate(values):
            if value is None:
                parts.append(
                    format_html(
                        '<text x="{}" y="{}" font-size="11" fill="#5b6675">{}</text>',
                        label_w + 4,
                        y + bar_h - 3,
                        _("not reported"),
                    )
                )
                y += bar_h
                continue
            w = value * scale
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/><text x="{}" y="{}" font-size="11">{} {}</text>',
                    label_w,
                    y,
                    f"{w:.1f}",
                    bar_h - 2,
                    COLOURS[i % len(COLOURS)],
                    f"{label_w + w + 4:.1f}",
                    y + bar_h - 3,
                    f"{value:g}",
                    unit,
                )
            )
            y += bar_h
        y += gap
    parts.append("</svg>")
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308  (every value went through format_html)


def rates_plot(rates: list[EventRate]) -> SafeString:
    studies = list(PUBLISHED_PER_1000)
    rows: list[tuple[str, list[float | None]]] = [
        (r.label, [r.per_1000, *(r.published.get(s) for s in studies)]) for r in rates
    ]
    return bars_svg(
        rows,
        [_("This clinic"), *studies],
        unit=_("per 1,000"),
        title=_("Adverse events per 1,000 sessions"),
    )


def needles_plot(uses: list[NeedleUse]) -> SafeString:
    people = sorted({u.practitioner for u in uses})
    months = sorted({u.month for u in uses})
    table = {(u.month, u.practitioner): u.needles for u in uses}
    rows: list[tuple[str, list[float | None]]] = [
        (m.strftime("%Y-%m"), [float(table.get((m, p), 0)) for p in people]) for m in months
    ]
    return bars_svg(
        rows, people, unit=_("needles"), title=_("Needles used per practitioner per month")
    )
