"""Progress charts drawn by Filiform: one SVG per series (a measure, or a joint movement / an
algometer site within one), with the baseline, the MCID band and the needling visits marked, and
the words shown beside it (baseline, latest, change, the "Reached MCID" badge).

The SVG is plain markup built here: no external service, no script, no CSS variables and every
fill explicit, so the same chart renders in the browser and in WeasyPrint. Output depends only
on the input (and the active time zone and language, which the caller sets), so the same series
gives the same SVG byte for byte. Every text that reaches the markup is escaped: a pressure pain
site is typed by users.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from filiform.outcomes import rom
from filiform.outcomes.instruments import Instrument, InstrumentSpec, band_label
from filiform.outcomes.models import MeasurementSource
from filiform.outcomes.selectors import Point, Progress, Series

# Colours: the line teal as the app's accent, the band a pale green, needling violet,
# not-scorable red. Colour is never the only signal: each element has a legend entry and a title.
INK = "#1c2430"
MUTED = "#475467"
GRID = "#e4e7ec"
LINE = "#0b6e69"
BAND = "#d1fadf"
BAND_EDGE = "#6ce9a6"
NEEDLING = "#6941c6"
UNSCORABLE = "#b42318"
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"

LEFT, RIGHT, TOP, BOTTOM = 52, 16, 42, 46  # plot margins: legend above, needling and dates below
INSET = 10  # the first and last measures stand clear of the axes
CHAR = 6.3  # average width of an 11 px character, for laying out the legend

DAY = dt.timedelta(days=1)


# --- numbers and words -------------------------------------------------------------------------


def number(value: Decimal | float | int) -> str:
    """A value as people write it: 7, 4.5, 12.25 (no trailing zeros, no exponent)."""
    text = f"{Decimal(str(value)).normalize():f}"
    return "0" if text in ("-0", "") else text


def value_text(spec: InstrumentSpec, value: Decimal | None) -> str:
    if value is None:
        return "—"
    if spec.unit == "%":
        return f"{number(value)} %"
    if spec.unit == "degrees":
        return f"{number(value)}°"
    if spec.unit == "points":
        return ngettext("%(n)s point", "%(n)s points", 1 if value == 1 else 2) % {
            "n": number(value)
        }
    return f"{number(value)} {spec.unit}"


def change_unit(spec: InstrumentSpec, amount: Decimal) -> str:
    """An amount of change: percent scores change by percentage points, not by percent."""
    if spec.unit == "%":
        return ngettext(
            "%(n)s percentage point", "%(n)s percentage points", 1 if amount == 1 else 2
        ) % {"n": number(amount)}
    return value_text(spec, amount)


def change_text(series: Series) -> str:
    """The change since the baseline in words: better / worse / no change."""
    change = series.change
    if change is None:
        return _("Not yet (one measurement so far)") if series.baseline else "—"
    if change == 0:
        return _("No change")
    amount = change_unit(series.spec, abs(change))
    if change > 0:
        return _("%(amount)s better") % {"amount": amount}
    return _("%(amount)s worse") % {"amount": amount}


def mcid_points(spec: InstrumentSpec) -> Decimal | None:
    """The band's width: the MCID in the score's own unit (NPRS: its 2 points, not its 30 %)."""
    if spec.mcid is None or not spec.mcid.applies:
        return None
    return spec.mcid.points


def mcid_applies(spec: InstrumentSpec) -> bool:
    return spec.mcid is not None and spec.mcid.applies


def mcid_text(spec: InstrumentSpec) -> str:
    if spec.mcid is None or not spec.mcid.applies:
        return ""
    parts = []
    if spec.mcid.points is not None:
        parts.append(change_unit(spec, spec.mcid.points))
    if spec.mcid.percent is not None:
        parts.append(_("%(n)s %% of the baseline") % {"n": number(spec.mcid.percent)})
    return _(" or ").join(parts)


_WORDS = {
    "left": gettext_lazy("left"),
    "right": gettext_lazy("right"),
    "active": gettext_lazy("active"),
    "passive": gettext_lazy("passive"),
}


def series_label(series: Series) -> str:
    """The series' name for people: "Range of motion: Shoulder flexion (left, active)"."""
    name = _(series.spec.name)
    if series.instrument == Instrument.ROM:
        joint, movement, side, mode = ([*series.subject.split("/"), "", "", "", ""])[:4]
        found = rom.rom_movement(joint, movement)
        what = _(found.label) if found else " ".join(p for p in (joint, movement) if p)
        how = ", ".join(str(_WORDS.get(p, p)) for p in (side, mode) if p)
        return f"{name}: {what} ({how})" if how else f"{name}: {what}"
    if series.subject:
        return f"{name}: {series.subject}"
    return name


def source_label(source: str) -> str:
    try:
        return str(MeasurementSource(source).label)
    except ValueError:
        return source


def _local_date(moment: dt.datetime) -> dt.date:
    return (timezone.localtime(moment) if timezone.is_aware(moment) else moment).date()


def _day(moment: dt.datetime) -> str:
    return _local_date(moment).isoformat()


# --- the scale ---------------------------------------------------------------------------------


def y_range(series: Series) -> tuple[Decimal, Decimal]:
    """The y axis: the instrument's scale; for a movement 0 to its anatomical limit; for the
    pressure pain threshold 0 to just above the highest value (its 0 to 20 scale would
    flatten the usual 2 to 8 kg/cm²)."""
    values = [p.value for p in series.scored if p.value is not None]
    spec = series.spec
    if series.instrument == Instrument.ROM:
        joint, movement = ([*series.subject.split("/"), "", ""])[:2]
        found = rom.rom_movement(joint, movement)
        return Decimal(0), max([found.limit if found else spec.maximum, *values])
    if series.instrument == Instrument.PPT:
        return Decimal(0), Decimal(math.ceil(max(values, default=Decimal(4)))) + 1
    return spec.minimum, spec.maximum


def tick_step(span: Decimal) -> Decimal:
    for candidate in ("0.5", "1", "2", "5", "10", "20", "25", "50", "100"):
        if span / Decimal(candidate) <= 5:
            return Decimal(candidate)
    return Decimal(250)


def y_ticks(low: Decimal, high: Decimal) -> list[Decimal]:
    """Round values, at most 6 of them: 0, 2, 4 … 10; 0, 20 … 100; 0, 50 … 200."""
    step = tick_step(high - low)
    ticks, tick = [], low
    while tick <= high:
        ticks.append(tick)
        tick += step
    return ticks


def x_span(progress: Progress) -> tuple[dt.datetime, dt.datetime] | None:
    """One time axis for every chart of the episode: from its first event (measure or needling
    visit) to its last, so the charts line up under each other."""
    moments = [p.taken_at for s in progress.series for p in s.points] + list(progress.needling_days)
    if not moments:
        return None
    return min(moments), max(moments)


# --- the SVG -----------------------------------------------------------------------------------


def _a(value: object) -> str:
    """An attribute value, escaped."""
    return escape(str(value), quote=True)


def _f(value: float) -> str:
    return f"{value:.1f}"


def describe(series: Series, needling: int) -> str:
    """The chart in words: the SVG's title and aria-label, for screen readers."""
    spec = series.spec
    parts = [
        _("%(name)s, %(low)s to %(high)s, %(direction)s.")
        % {
            "name": series_label(series),
            "low": value_text(spec, y_range(series)[0]),
            "high": value_text(spec, y_range(series)[1]),
            "direction": _("higher is better") if spec.higher_is_better else _("lower is better"),
        }
    ]
    if series.baseline is not None:
        parts.append(
            _("Baseline %(value)s on %(day)s.")
            % {
                "value": value_text(spec, series.baseline.value),
                "day": _day(series.baseline.taken_at),
            }
        )
    if series.latest is not None:
        parts.append(
            _("Latest %(value)s on %(day)s: %(change)s.")
            % {
                "value": value_text(spec, series.latest.value),
                "day": _day(series.latest.taken_at),
                "change": change_text(series),
            }
        )
    if series.reached_mcid is True:
        parts.append(_("Reached the minimal clinically important change."))
    elif series.reached_mcid is False:
        parts.append(_("Minimal clinically important change not reached yet."))
    unscorable = len(series.points) - len(series.scored)
    parts.append(
        ngettext("%(n)d measurement", "%(n)d measurements", len(series.points))
        % {"n": len(series.points)}
        + (
            ngettext(", %(n)d not scorable", ", %(n)d not scorable", unscorable) % {"n": unscorable}
            if unscorable
            else ""
        )
        + "; "
        + ngettext("%(n)d needling visit marked.", "%(n)d needling visits marked.", needling)
        % {"n": needling}
    )
    return " ".join(parts)


def _point_title(series: Series, point: Point) -> str:
    source = source_label(point.source)
    if not point.scorable or point.value is None:
        return _("%(day)s: not scorable: %(why)s (%(source)s)") % {
            "day": _day(point.taken_at),
            "why": point.why_not or _("no reason recorded"),
            "source": source,
        }
    band = band_label(point.band) if point.band else ""
    value = value_text(series.spec, point.value) + (f", {band}" if band else "")
    return f"{_day(point.taken_at)}: {value} ({source})"


def series_chart_svg(
    series: Series,
    needling_days: Sequence[dt.datetime],
    *,
    width: int = 640,
    height: int = 240,
    span: tuple[dt.datetime, dt.datetime] | None = None,
) -> str:
    """The series as an SVG chart. x is the date the measure was taken, over ``span`` (the
    episode's first to last event; the series' own first to last measure when not given); y is
    the instrument's scale. Needling visits outside the span are not drawn."""
    x0, x1 = LEFT, width - RIGHT
    y0, y1 = TOP, height - BOTTOM
    low, high = y_range(series)
    moments = [p.taken_at for p in series.points]
    start, end = span if span else (min(moments), max(moments)) if moments else (None, None)
    if start is not None and end is not None and end - start < DAY:
        start, end = start - DAY, end + DAY  # one day, or a single measure: centred

    def x(moment: dt.datetime) -> float:
        assert start is not None
        assert end is not None
        return x0 + INSET + (moment - start) / (end - start) * (x1 - x0 - 2 * INSET)

    def y(value: Decimal) -> float:
        clamped = min(max(value, low), high)
        return y1 - float((clamped - low) / (high - low)) * (y1 - y0)

    needling = (
        [d for d in needling_days if start <= d <= end]
        if start is not None and end is not None
        else []
    )
    label = describe(series, len(needling))
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{_a(label)}" '
        f'class="outcome-chart" data-instrument="{_a(series.instrument.value)}" '
        f'font-family="{FONT}" font-size="11" style="max-width:100%;height:auto">',
        f"<title>{_a(label)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    # the y axis: grid lines and values
    for tick in y_ticks(low, high):
        ty = _f(y(tick))
        out.append(
            f'<line x1="{x0}" y1="{ty}" x2="{x1}" y2="{ty}" stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{x0 - 6}" y="{_f(y(tick) + 4)}" text-anchor="end" fill="{MUTED}">'
            f"{_a(number(tick))}</text>"
        )
    unit = {"points": _("points"), "degrees": _("degrees")}.get(series.spec.unit, series.spec.unit)
    out.append(f'<text x="4" y="{y0 - 10}" fill="{MUTED}" font-size="10">{_a(unit)}</text>')

    baseline = series.baseline
    band_width = mcid_points(series.spec)
    legend: list[tuple[str, str]] = [("line", _("Score"))]
    if baseline is not None and baseline.value is not None:
        if band_width is not None:
            far = (
                baseline.value + band_width
                if series.spec.higher_is_better
                else baseline.value - band_width
            )
            top, bottom = y(max(far, baseline.value)), y(min(far, baseline.value))
            if bottom - top > 0:
                out.append(
                    f'<rect class="mcid-band" x="{x0}" y="{_f(top)}" width="{x1 - x0}" '
                    f'height="{_f(bottom - top)}" fill="{BAND}" stroke="{BAND_EDGE}" '
                    f'stroke-width="0.8"><title>{_a(_("MCID band: %(mcid)s better than the baseline") % {"mcid": change_unit(series.spec, band_width)})}</title></rect>'
                )
                legend.append(("band", _("MCID band")))
        by = _f(y(baseline.value))
        out.append(
            f'<line class="baseline" x1="{x0}" y1="{by}" x2="{x1}" y2="{by}" stroke="{INK}" '
            f'stroke-width="1.5" stroke-dasharray="6 4"><title>'
            f"{_a(_('Baseline %(value)s') % {'value': value_text(series.spec, baseline.value)})}"
            f"</title></line>"
        )
        legend.append(("baseline", _("Baseline")))
    # the axes
    out.append(f'<line x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="{MUTED}" stroke-width="1"/>')
    out.append(f'<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="{MUTED}" stroke-width="1"/>')

    if start is None or end is None:
        out.append(
            f'<text x="{(x0 + x1) / 2:.1f}" y="{(y0 + y1) / 2:.1f}" text-anchor="middle" '
            f'fill="{MUTED}">{_a(_("No measurements yet"))}</text>'
        )
    else:
        # dates along the x axis
        count = max(2, min(5, (x1 - x0) // 110))
        seen: set[str] = set()
        for n in range(count):
            moment = start + (end - start) * n / (count - 1)
            day = _day(moment)
            if day in seen:
                continue
            seen.add(day)
            anchor = "start" if n == 0 else "end" if n == count - 1 else "middle"
            tx = _f(x(moment))
            out.append(
                f'<line x1="{tx}" y1="{y1}" x2="{tx}" y2="{y1 + 4}" stroke="{MUTED}" '
                f'stroke-width="1"/>'
            )
            out.append(
                f'<text x="{tx}" y="{y1 + 34}" text-anchor="{anchor}" fill="{MUTED}">{day}</text>'
            )
        # needling visits: small triangles just under the axis
        if needling:
            out.append('<g class="needling-days">')
            for moment in needling:
                nx = x(moment)
                out.append(
                    f'<path class="needling" d="M{_f(nx)} {y1 + 6} l-4.5 8 h9 z" '
                    f'fill="{NEEDLING}"><title>{_a(_("Needling visit %(day)s") % {"day": _day(moment)})}'
                    f"</title></path>"
                )
            out.append("</g>")
            legend.append(("needling", _("Needling visit")))
        # the line through the scored points, then every point
        scored = [(x(p.taken_at), y(p.value)) for p in series.scored if p.value is not None]
        if len(scored) > 1:
            joined = " ".join(f"{_f(px)},{_f(py)}" for px, py in scored)
            out.append(
                f'<polyline class="series-line" points="{joined}" fill="none" stroke="{LINE}" '
                f'stroke-width="2" stroke-linejoin="round"/>'
            )
        unscorable = False
        for point in series.points:
            title = f"<title>{_a(_point_title(series, point))}</title>"
            if point.scorable and point.value is not None:
                out.append(
                    f'<circle class="point" cx="{_f(x(point.taken_at))}" '
                    f'cy="{_f(y(point.value))}" r="4" fill="{LINE}" stroke="#ffffff" '
                    f'stroke-width="1">{title}</circle>'
                )
            else:
                unscorable = True
                out.append(
                    f'<circle class="point not-scorable" cx="{_f(x(point.taken_at))}" '
                    f'cy="{_f(y1 - 5)}" r="4" fill="#ffffff" stroke="{UNSCORABLE}" '
                    f'stroke-width="1.5">{title}</circle>'
                )
        if unscorable:
            legend.append(("unscorable", _("Not scorable")))
    out.extend(_legend(legend, x0))
    out.append("</svg>")
    return "".join(out)


def _legend(entries: list[tuple[str, str]], left: int) -> list[str]:
    out, lx, ly = ['<g class="legend">'], float(left), 14
    for kind, text in entries:
        if kind == "line":
            out.append(
                f'<line x1="{_f(lx)}" y1="{ly - 4}" x2="{_f(lx + 16)}" y2="{ly - 4}" '
                f'stroke="{LINE}" stroke-width="2"/><circle cx="{_f(lx + 8)}" cy="{ly - 4}" '
                f'r="3" fill="{LINE}"/>'
            )
        elif kind == "baseline":
            out.append(
                f'<line x1="{_f(lx)}" y1="{ly - 4}" x2="{_f(lx + 16)}" y2="{ly - 4}" '
                f'stroke="{INK}" stroke-width="1.5" stroke-dasharray="4 3"/>'
            )
        elif kind == "band":
            out.append(
                f'<rect x="{_f(lx)}" y="{ly - 9}" width="16" height="10" fill="{BAND}" '
                f'stroke="{BAND_EDGE}" stroke-width="0.8"/>'
            )
        elif kind == "needling":
            out.append(f'<path d="M{_f(lx + 8)} {ly - 9} l-4.5 8 h9 z" fill="{NEEDLING}"/>')
        else:
            out.append(
                f'<circle cx="{_f(lx + 8)}" cy="{ly - 4}" r="4" fill="#ffffff" '
                f'stroke="{UNSCORABLE}" stroke-width="1.5"/>'
            )
        out.append(f'<text x="{_f(lx + 21)}" y="{ly}" fill="{INK}">{_a(text)}</text>')
        lx += 21 + len(text) * CHAR + 14
    out.append("</g>")
    return out


# --- what a chart card shows -------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    taken_at: dt.datetime
    value: str  # "7 points", or "Not scorable: why"
    scorable: bool
    band: str
    source: str


@dataclass(frozen=True)
class SeriesCard:
    series: Series
    label: str
    svg: str
    baseline: str
    latest: str
    change: str
    band: str  # the latest severity band's words (NDI, ODI), else ""
    mcid_applies: bool
    mcid: str  # "2 points or 30 % of the baseline"
    reached: bool | None
    rows: list[Row]


def series_card(
    series: Series,
    needling_days: Sequence[dt.datetime],
    span: tuple[dt.datetime, dt.datetime] | None,
) -> SeriesCard:
    spec = series.spec
    latest = series.latest
    shown = latest or series.baseline
    rows = [
        Row(
            taken_at=p.taken_at,
            value=value_text(spec, p.value)
            if p.scorable and p.value is not None
            else _("Not scorable: %(why)s") % {"why": p.why_not or _("no reason recorded")},
            scorable=p.scorable and p.value is not None,
            band=band_label(p.band) if p.band else "",
            source=source_label(p.source),
        )
        for p in series.points
    ]
    return SeriesCard(
        series=series,
        label=series_label(series),
        svg=series_chart_svg(series, needling_days, span=span),
        baseline=value_text(spec, series.baseline.value) if series.baseline else "—",
        latest=value_text(spec, latest.value) if latest else "—",
        change=change_text(series),
        band=band_label(shown.band) if shown and shown.band else "",
        mcid_applies=mcid_applies(spec),
        mcid=mcid_text(spec),
        reached=series.reached_mcid,
        rows=rows,
    )


def progress_cards(progress: Progress) -> list[SeriesCard]:
    span = x_span(progress)
    return [series_card(s, progress.needling_days, span) for s in progress.series]
