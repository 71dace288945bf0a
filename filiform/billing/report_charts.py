"""The billing reports' charts, drawn here as plain SVG: receivables aging as stacked bars
(patients under insurers, per bucket), revenue by service and by practitioner as horizontal bars
(charges, and collected beside them), and the month-by-month revenue as paired columns.

Like the outcome charts: no script, no external service, no CSS variables, every fill explicit
(so the same markup works in the browser and in a PDF), every text escaped (service and insurer
names are typed by people), and the same report gives the same SVG byte for byte. Each chart has
a ``<title>`` and a ``<desc>`` that say its numbers in words, and every bar is labelled with its
amount: colour is never the only signal. Amounts are ``Decimal``; floats appear only as pixel
positions.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from django.utils.translation import gettext as _

from filiform.billing.money import ZERO, format_cad
from filiform.billing.reports import Receivables, Revenue, RevenueGroup

INK = "#1c2430"
MUTED = "#475467"
GRID = "#e4e7ec"
PATIENT = "#0b6e69"  # teal, the app's accent
INSURER = "#6941c6"  # violet
CHARGES = "#0b6e69"
COLLECTED = "#f79009"  # amber
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
CHAR = 6.3  # average width of an 11 px character


def _a(value: object) -> str:
    return escape(str(value), quote=True)


def _f(value: float) -> str:
    return f"{value:.1f}"


def nice_top(value: Decimal) -> Decimal:
    """A round axis top at or above ``value``: 1, 2, 2.5 or 5 times a power of ten ($0: $100)."""
    if value <= 0:
        return Decimal(100)
    power = Decimal(1)
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, Decimal("2.5"), 5, 10):
        top = power * Decimal(step)
        if top >= value:
            return top
    return power * 10  # pragma: no cover


def intervals(top: Decimal) -> int:
    """Grid lines at round amounts: a top of 2, 20, 200… in 4 steps of 5, 50…; else 5 steps."""
    return 4 if top.normalize().as_tuple().digits == (2,) else 5


def _axis(out: list[str], top: Decimal, x0: float, x1: float, y0: float, y1: float) -> None:
    n = intervals(top)
    for step in range(n + 1):
        value = (top * step / n).quantize(Decimal("0.01"))
        y = y1 - (y1 - y0) * step / n
        out.append(
            f'<line x1="{_f(x0)}" y1="{_f(y)}" x2="{_f(x1)}" y2="{_f(y)}" stroke="{GRID}"/>'
            f'<text x="{_f(x0 - 6)}" y="{_f(y + 4)}" text-anchor="end" fill="{MUTED}">'
            f"{_a(format_cad(value).removesuffix('.00'))}</text>"
        )


def _ratio(value: Decimal, top: Decimal) -> float:
    return float(value / top) if top else 0.0


def _open(width: int, height: int, label: str, desc: str, kind: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{kind}-title {kind}-desc" '
        f'class="billing-chart" data-chart="{kind}" font-family="{FONT}" font-size="11" '
        f'style="max-width:100%;height:auto">',
        f'<title id="{kind}-title">{_a(label)}</title>',
        f'<desc id="{kind}-desc">{_a(desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def _legend(out: list[str], x: float, y: float, entries: Sequence[tuple[str, str]]) -> None:
    for colour, text in entries:
        out.append(
            f'<rect x="{_f(x)}" y="{_f(y - 9)}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{_f(x + 14)}" y="{_f(y)}" fill="{INK}">{_a(text)}</text>'
        )
        x += 14 + len(text) * CHAR + 16


def _rect(x: float, y: float, w: float, h: float, fill: str, title: str) -> str:
    return (
        f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(max(w, 0))}" height="{_f(max(h, 0))}" '
        f'fill="{fill}"><title>{_a(title)}</title></rect>'
    )


# --- receivables aging ---------------------------------------------------------------------


def aging_chart_svg(report: Receivables, *, width: int = 640, height: int = 280) -> str:
    """One column per age bucket: what patients owe at the bottom, insurers on top, the total
    written above the column and each part inside or beside it."""
    left, right, top, bottom = 64, 16, 48, 40
    x0, x1, y0, y1 = left, width - right, top, height - bottom
    axis_top = nice_top(max((r.total for r in report.rows), default=ZERO))
    label = _("Receivables aging on %(day)s: %(total)s owed") % {
        "day": report.as_of.isoformat(),
        "total": format_cad(report.total),
    }
    desc = " ".join(
        _("%(bucket)s: patients %(patient)s, insurers %(insurer)s.")
        % {
            "bucket": r.label,
            "patient": format_cad(r.patient),
            "insurer": format_cad(r.insurer),
        }
        for r in report.rows
    )
    out = _open(width, height, label, desc, "aging")
    _legend(out, x0, 18, [(PATIENT, _("Patients")), (INSURER, _("Insurers"))])
    _axis(out, axis_top, x0, x1, y0, y1)
    slot = (x1 - x0) / max(len(report.rows), 1)
    bar = min(slot * 0.55, 90)
    for i, row in enumerate(report.rows):
        cx = x0 + slot * i + slot / 2
        bx = cx - bar / 2
        patient_h = (y1 - y0) * _ratio(row.patient, axis_top)
        insurer_h = (y1 - y0) * _ratio(row.insurer, axis_top)
        out.append(
            _rect(
                bx,
                y1 - patient_h,
                bar,
                patient_h,
                PATIENT,
                _("%(bucket)s, patients: %(amount)s")
                % {"bucket": row.label, "amount": format_cad(row.patient)},
            )
        )
        out.append(
            _rect(
                bx,
                y1 - patient_h - insurer_h,
                bar,
                insurer_h,
                INSURER,
                _("%(bucket)s, insurers: %(amount)s")
                % {"bucket": row.label, "amount": format_cad(row.insurer)},
            )
        )
        out.append(
            f'<text x="{_f(cx)}" y="{_f(y1 - patient_h - insurer_h - 6)}" text-anchor="middle" '
            f'fill="{INK}" font-weight="bold" data-amount="total">{_a(format_cad(row.total))}</text>'
        )
        out.append(
            f'<text x="{_f(cx)}" y="{y1 + 16}" text-anchor="middle" fill="{INK}">'
            f"{_a(row.label)}</text>"
            f'<text x="{_f(cx)}" y="{y1 + 30}" text-anchor="middle" fill="{MUTED}" '
            f'font-size="10">{_a(_("P %(p)s · I %(i)s") % {"p": format_cad(row.patient), "i": format_cad(row.insurer)})}'
            "</text>"
        )
    out.append(f'<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="{INK}"/>')
    out.append("</svg>")
    return "".join(out)


# --- revenue by service / practitioner -----------------------------------------------------


def groups_chart_svg(
    groups: Sequence[RevenueGroup], *, title: str, kind: str, width: int = 640
) -> str:
    """Two horizontal bars per group: charges (before tax) and collected, each with its amount
    written at its end."""
    label_w, right, top, row_h = 180, 120, 34, 40
    height = top + max(len(groups), 1) * row_h + 12
    x0, x1 = label_w, width - right
    axis_top = nice_top(max([*(g.charges for g in groups), *(g.collected for g in groups), ZERO]))
    desc = " ".join(
        _("%(name)s: charges %(charges)s, collected %(collected)s.")
        % {
            "name": g.label,
            "charges": format_cad(g.charges),
            "collected": format_cad(g.collected),
        }
        for g in groups
    ) or _("No charges in this period.")
    out = _open(width, height, title, desc, kind)
    _legend(out, x0, 18, [(CHARGES, _("Charges (before tax)")), (COLLECTED, _("Collected"))])
    if not groups:
        out.append(
            f'<text x="{x0}" y="{top + 20}" fill="{MUTED}">{_a(_("No charges in this period."))}</text>'
        )
    for i, g in enumerate(groups):
        y = top + i * row_h
        name = g.label if len(g.label) <= 26 else g.label[:25] + "…"
        out.append(
            f'<text x="{x0 - 8}" y="{_f(y + 19)}" text-anchor="end" fill="{INK}">{_a(name)}'
            f"<title>{_a(g.label)}</title></text>"
        )
        for offset, value, colour, what in (
            (4, g.charges, CHARGES, _("charges")),
            (18, g.collected, COLLECTED, _("collected")),
        ):
            w = (x1 - x0) * _ratio(value, axis_top)
            out.append(
                _rect(
                    x0,
                    y + offset,
                    w,
                    12,
                    colour,
                    f"{g.label}, {what}: {format_cad(value)}",
                )
            )
            out.append(
                f'<text x="{_f(x0 + w + 6)}" y="{_f(y + offset + 10)}" fill="{INK}" '
                f'font-size="10">{_a(format_cad(value))}</text>'
            )
    out.append(f'<line x1="{x0}" y1="{top - 4}" x2="{x0}" y2="{height - 8}" stroke="{INK}"/></svg>')
    return "".join(out)


# --- monthly revenue ---------------------------------------------------------------------------


def monthly_chart_svg(report: Revenue, *, width: int = 640, height: int = 260) -> str:
    """Per month, a column for charges and one for what was collected on them. Amounts are
    written above the columns when there is room (up to 12 months), and are always in each
    column's title and in the chart's description."""
    left, right, top, bottom = 64, 16, 44, 40
    x0, x1, y0, y1 = left, width - right, top, height - bottom
    months = report.monthly
    axis_top = nice_top(max([*(m.charges for m in months), *(m.collected for m in months), ZERO]))
    label = _(
        "Revenue by month, %(start)s to %(end)s: charges %(charges)s, collected %(collected)s"
    ) % {
        "start": report.start.isoformat(),
        "end": report.end.isoformat(),
        "charges": format_cad(report.totals.charges),
        "collected": format_cad(report.totals.collected),
    }
    desc = " ".join(
        _("%(month)s: charges %(charges)s, collected %(collected)s.")
        % {"month": m.label, "charges": format_cad(m.charges), "collected": format_cad(m.collected)}
        for m in months
    )
    out = _open(width, height, label, desc, "monthly")
    _legend(out, x0, 18, [(CHARGES, _("Charges (before tax)")), (COLLECTED, _("Collected"))])
    _axis(out, axis_top, x0, x1, y0, y1)
    slot = (x1 - x0) / max(len(months), 1)
    bar = min(slot * 0.38, 28)
    roomy = len(months) <= 12
    every = max(1, (len(months) + 11) // 12)  # month labels: at most about twelve
    for i, m in enumerate(months):
        cx = x0 + slot * i + slot / 2
        for bx, value, colour, what in (
            (cx - bar, m.charges, CHARGES, _("charges")),
            (cx, m.collected, COLLECTED, _("collected")),
        ):
            h = (y1 - y0) * _ratio(value, axis_top)
            out.append(_rect(bx, y1 - h, bar, h, colour, f"{m.label}, {what}: {format_cad(value)}"))
            if roomy and value:
                out.append(
                    f'<text x="{_f(bx + bar / 2)}" y="{_f(y1 - h - 4)}" text-anchor="middle" '
                    f'fill="{INK}" font-size="9">{_a(format_cad(value).removesuffix(".00"))}</text>'
                )
        if i % every == 0:
            out.append(
                f'<text x="{_f(cx)}" y="{y1 + 16}" text-anchor="middle" fill="{INK}" '
                f'font-size="10">{_a(m.label)}</text>'
            )
    out.append(f'<line x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="{INK}"/>')
    out.append("</svg>")
    return "".join(out)
