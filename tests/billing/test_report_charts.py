"""The billing report charts as markup: well-formed SVG with a title and a description, every
bar labelled with its amount, names escaped, the same report giving the same bytes, and empty
reports drawn without dividing by zero."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from xml.etree import ElementTree

from filiform.billing.report_charts import (
    aging_chart_svg,
    groups_chart_svg,
    intervals,
    monthly_chart_svg,
    nice_top,
)
from filiform.billing.reports import AgingRow, Debtor, Receivables, Revenue, RevenueGroup

SVG = "{http://www.w3.org/2000/svg}"
D = Decimal


def _parse(svg: str) -> ElementTree.Element:
    root = ElementTree.fromstring(svg)  # noqa: S314 (our own SVG, in a test)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title") is not None
    assert root.find(f"{SVG}desc") is not None
    return root


def _texts(root: ElementTree.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def _receivables(patient: str, insurer: str) -> Receivables:
    rows = [
        AgingRow("0-30", "0–30 days", D(patient), D(insurer)),
        AgingRow("31-60", "31–60 days", D("0.00"), D("0.00")),
        AgingRow("61-90", "61–90 days", D("0.00"), D("0.00")),
        AgingRow("over-90", "Over 90 days", D("12.50"), D("0.00")),
    ]
    insurer_row = Debtor(1, "<Acme & Co>", {"0-30": D(insurer)}, 1)
    return Receivables(dt.date(2031, 6, 30), rows, [insurer_row], [], 0)


def test_aging_stacks_patients_under_insurers_with_amounts() -> None:
    svg = aging_chart_svg(_receivables("75.00", "100.00"))
    root = _parse(svg)
    texts = _texts(root)
    assert "$175.00" in texts  # the column's total above it
    assert "$12.50" in texts
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "0–30 days, patients: $75.00" in titles
    assert "0–30 days, insurers: $100.00" in titles
    desc = root.find(f"{SVG}desc")
    assert desc is not None
    assert "0–30 days: patients $75.00, insurers $100.00." in (desc.text or "")
    # the insurer bar sits on top of the patient bar, at 175 of the axis' 200
    bars = {
        r.findtext(f"{SVG}title"): r
        for r in root.iter(f"{SVG}rect")
        if r.find(f"{SVG}title") is not None
    }
    patient = bars["0–30 days, patients: $75.00"]
    insurer = bars["0–30 days, insurers: $100.00"]
    assert float(insurer.get("y", "0")) + float(insurer.get("height", "0")) == float(
        patient.get("y", "0")
    )
    assert float(patient.get("height", "0")) * 100 == float(insurer.get("height", "0")) * 75
    assert svg == aging_chart_svg(_receivables("75.00", "100.00"))  # byte for byte


def test_empty_reports_draw_and_names_are_escaped() -> None:
    _parse(aging_chart_svg(_receivables("0.00", "0.00")))
    nothing = Revenue(dt.date(2031, 1, 1), dt.date(2031, 1, 31), 0, [], [], [])
    _parse(monthly_chart_svg(nothing))
    empty = _parse(groups_chart_svg([], title="By service", kind="service"))
    assert "No charges in this period." in _texts(empty)
    odd = RevenueGroup(
        "x", '<script>alert("x")</script> & "massage"', 2, D("90.00"), D("0.00"), D("45.00")
    )
    svg = groups_chart_svg([odd], title="By <service>", kind="service")
    assert "<script>" not in svg
    root = _parse(svg)
    assert "$90.00" in _texts(root)
    assert "$45.00" in _texts(root)
    assert root.findtext(f"{SVG}title") == "By <service>"


def test_monthly_columns_and_axis_tops() -> None:
    months = [
        RevenueGroup("2031-05", "2031-05", 2, D("224.99"), D("1.30"), D("50.00")),
        RevenueGroup("2031-06", "2031-06", 1, D("95.00"), D("0.00"), D("20.00")),
    ]
    report = Revenue(dt.date(2031, 5, 1), dt.date(2031, 6, 30), 3, [], [], months)
    root = _parse(monthly_chart_svg(report))
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "2031-05, charges: $224.99" in titles
    assert "2031-06, collected: $20.00" in titles
    assert "2031-05" in _texts(root)
    assert [nice_top(D(v)) for v in ("0", "0.5", "7", "10", "175", "224.99", "260", "4100")] == [
        D(100),
        D("0.5"),
        D(10),
        D(10),
        D(200),
        D(250),
        D(500),
        D(5000),
    ]
    assert [intervals(D(t)) for t in ("200", "250", "100", "0.5", "2", "20.00")] == [
        4,
        5,
        5,
        5,
        4,
        4,
    ]
    assert "$62.50" not in _texts(root)  # grid lines at round amounts: 0, 50 … 250
    assert [t for t in _texts(root) if t.startswith("$") and "." not in t][:6] == [
        "$0",
        "$50",
        "$100",
        "$150",
        "$200",
        "$250",
    ]
