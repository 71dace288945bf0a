"""The progress chart SVG: well-formed, the baseline and the MCID band where one applies, the
needling visits in range marked, not-scorable measures hollow at the bottom with why, user text
escaped, and the same input giving the same SVG."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

from filiform.outcomes.charts import change_text, series_chart_svg, series_label, y_range
from filiform.outcomes.instruments import SPECS, Instrument
from filiform.outcomes.selectors import Point, Series

NS = {"svg": "http://www.w3.org/2000/svg"}
T0 = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC)
HEIGHT = 240


def _at(days: int) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


def _series(
    instrument: Instrument,
    values: list[tuple[int, Decimal | None]],
    subject: str = "",
    why_not: str = "NPRS needs the rating; none was given.",
) -> Series:
    points = [
        Point(
            measurement_id=n,
            taken_at=_at(day),
            value=value,
            scorable=value is not None,
            why_not="" if value is not None else why_not,
            band="",
            source="clinician" if n % 2 else "patient",
        )
        for n, (day, value) in enumerate(values, start=1)
    ]
    return Series(instrument=instrument, subject=subject, spec=SPECS[instrument], points=points)


def _nprs(*values: tuple[int, Decimal | None]) -> Series:
    return _series(Instrument.NPRS, list(values))


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own SVG, in a test)


def _with_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{{{NS['svg']}}}{tag}") if cls in e.get("class", "").split()]


def _plot_y(root: ET.Element) -> tuple[float, float]:
    """The top and bottom of the plot, read from the y axis line."""
    axis = next(
        e
        for e in root.iter(f"{{{NS['svg']}}}line")
        if e.get("x1") == e.get("x2") and e.get("stroke") == "#475467"
    )
    return float(axis.get("y1", 0)), float(axis.get("y2", 0))


def test_the_svg_is_well_formed_and_described_for_screen_readers() -> None:
    series = _nprs((0, Decimal(7)), (14, Decimal(5)), (28, Decimal(4)))
    root = _parse(series_chart_svg(series, [_at(0), _at(14)]))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    label = root.get("aria-label", "")
    title = root.find("svg:title", NS)
    assert title is not None
    assert title.text == label
    assert "Numeric Pain Rating Scale (NPRS)" in label
    assert "Baseline 7 points on 2026-01-05" in label
    assert "Latest 4 points on 2026-02-02" in label
    assert "3 points better" in label
    assert "Reached the minimal clinically important change" in label
    assert "2 needling visits marked" in label
    # no CSS variables, no script: it renders the same in WeasyPrint
    assert "var(" not in ET.tostring(root, encoding="unicode")
    assert not list(root.iter("{http://www.w3.org/2000/svg}script"))


def test_nprs_has_a_dashed_baseline_and_a_band_of_two_points_below_it() -> None:
    series = _nprs((0, Decimal(7)), (14, Decimal(6)), (28, Decimal(4)))
    root = _parse(series_chart_svg(series, []))
    top, bottom = _plot_y(root)
    per_point = (bottom - top) / 10  # NPRS is drawn 0 to 10

    (baseline,) = _with_class(root, "line", "baseline")
    assert baseline.get("stroke-dasharray")
    assert float(baseline.get("y1", 0)) == round(bottom - 7 * per_point, 1)

    (band,) = _with_class(root, "rect", "mcid-band")
    # from the baseline (7) towards less pain by the MCID's 2 points (down to 5)
    assert float(band.get("y", 0)) == round(bottom - 7 * per_point, 1)
    assert abs(float(band.get("height", 0)) - 2 * per_point) < 0.2
    assert band.get("fill", "").startswith("#")


def test_a_measure_where_higher_is_better_has_its_band_above_the_baseline() -> None:
    series = _series(Instrument.LEFS, [(0, Decimal(40)), (21, Decimal(52))])
    root = _parse(series_chart_svg(series, []))
    top, bottom = _plot_y(root)
    per_point = (bottom - top) / 80  # LEFS is drawn 0 to 80
    (band,) = _with_class(root, "rect", "mcid-band")
    band_top = float(band.get("y", 0))
    band_bottom = band_top + float(band.get("height", 0))
    assert abs(band_bottom - (bottom - 40 * per_point)) < 0.2  # from the baseline 40 ...
    assert abs(band_top - (bottom - 49 * per_point)) < 0.2  # ... up by the MCID's 9 points


def test_range_of_motion_has_a_baseline_but_no_band() -> None:
    series = _series(
        Instrument.ROM,
        [(0, Decimal(120)), (14, Decimal(150))],
        subject="shoulder/flexion/left/active",
    )
    svg = series_chart_svg(series, [])
    root = _parse(svg)
    assert _with_class(root, "line", "baseline")
    assert not _with_class(root, "rect", "mcid-band")
    assert "MCID band" not in svg
    assert y_range(series) == (Decimal(0), Decimal(210))  # the movement's anatomical limit
    assert series_label(series) == "Range of motion: Shoulder flexion (left, active)"


def test_pressure_pain_threshold_has_no_band_and_a_scale_just_above_its_values() -> None:
    series = _series(Instrument.PPT, [(0, Decimal("3.20")), (14, Decimal("4.75"))], "trapezius")
    root = _parse(series_chart_svg(series, []))
    assert not _with_class(root, "rect", "mcid-band")
    assert y_range(series) == (Decimal(0), Decimal(6))


def test_needling_markers_are_the_needling_visits_within_the_range() -> None:
    series = _nprs((10, Decimal(7)), (20, Decimal(6)), (40, Decimal(4)))
    needling = [_at(d) for d in (2, 10, 15, 27, 40, 55)]  # 2 and 55 fall outside days 10 to 40
    root = _parse(series_chart_svg(series, needling))
    assert len(_with_class(root, "path", "needling")) == 4
    # given the episode's whole span, every one is drawn
    spanned = _parse(series_chart_svg(series, needling, span=(_at(0), _at(60))))
    assert len(_with_class(spanned, "path", "needling")) == 6
    none = _parse(series_chart_svg(series, []))
    assert not _with_class(none, "path", "needling")


def test_a_not_scorable_measure_is_a_hollow_marker_at_the_bottom_saying_why() -> None:
    series = _nprs((0, Decimal(7)), (7, None), (14, Decimal(5)))
    root = _parse(series_chart_svg(series, []))
    _top, bottom = _plot_y(root)
    (hollow,) = _with_class(root, "circle", "not-scorable")
    assert hollow.get("fill") == "#ffffff"
    assert hollow.get("stroke") not in (None, "none", "#ffffff")
    assert bottom - 10 < float(hollow.get("cy", 0)) <= bottom
    title = hollow.find("svg:title", NS)
    assert title is not None
    assert "not scorable: NPRS needs the rating; none was given." in (title.text or "")
    scored = [c for c in _with_class(root, "circle", "point") if c is not hollow]
    assert len(scored) == 2
    assert all(c.get("fill") != "#ffffff" for c in scored)
    # the line joins the scored points only
    (line,) = _with_class(root, "polyline", "series-line")
    assert len(line.get("points", "").split()) == 2


def test_hostile_text_is_escaped() -> None:
    hostile = '<script>alert("x")</script> & <b onload=1>'
    series = _series(
        Instrument.PPT,
        [(0, Decimal(3)), (7, None), (14, Decimal(4))],
        subject=hostile,
        why_not='trials "missing" <img src=x>',
    )
    svg = series_chart_svg(series, [])
    assert "<script" not in svg
    assert "<b " not in svg
    assert "<img" not in svg
    root = _parse(svg)  # still well-formed
    assert hostile in root.get("aria-label", "")
    (hollow,) = _with_class(root, "circle", "not-scorable")
    title = hollow.find("svg:title", NS)
    assert title is not None
    assert 'trials "missing" <img src=x>' in (title.text or "")


def test_the_same_series_gives_the_same_svg() -> None:
    def make() -> str:
        return series_chart_svg(
            _nprs((0, Decimal(7)), (7, None), (14, Decimal(5))), [_at(0), _at(7), _at(14)]
        )

    assert make() == make()
    assert make() != series_chart_svg(_nprs((0, Decimal(7)), (14, Decimal(6))), [])


def test_one_measure_and_none_still_draw_a_chart() -> None:
    single = _parse(series_chart_svg(_nprs((0, Decimal(6))), [_at(0)]))
    assert len(_with_class(single, "circle", "point")) == 1
    assert _with_class(single, "line", "baseline")
    assert not _with_class(single, "polyline", "series-line")
    empty = _series(Instrument.NDI, [])
    svg = series_chart_svg(empty, [_at(0)])
    assert "No measurements yet" in svg
    _parse(svg)


def test_change_in_words_names_the_direction_and_unit() -> None:
    assert change_text(_nprs((0, Decimal(7)), (14, Decimal(4)))) == "3 points better"
    assert change_text(_nprs((0, Decimal(4)), (14, Decimal(5)))) == "1 point worse"
    ndi = _series(Instrument.NDI, [(0, Decimal(40)), (14, Decimal(24))])
    assert change_text(ndi) == "16 percentage points better"
    assert change_text(_nprs((0, Decimal(4)))) == "Not yet (one measurement so far)"
