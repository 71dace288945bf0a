"""The printable body chart (WeasyPrint): both views side by side with the marked points and a
legend. Charting uses it for visit notes."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from filiform.anatomy.chart import VIEWS
from filiform.anatomy.render import Mark, body_chart_svg


def chart_pdf_bytes(*, title: str, marks: list[Mark], clinic_id: int | None = None) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "anatomy/chart_pdf.html",
        {
            "title": title,
            "marks": marks,
            "printed": timezone.localtime(),
            "views": [
                body_chart_svg(
                    view,
                    clinic_id=clinic_id,
                    marks=marks,
                    show_trigger_points=False,
                    interactive=False,
                )
                for view in VIEWS
            ],
        },
    )
    return bytes(HTML(string=html).write_pdf())


def chart_pdf_response(
    *, title: str, marks: list[Mark], clinic_id: int | None = None
) -> HttpResponse:
    response = HttpResponse(
        chart_pdf_bytes(title=title, marks=marks, clinic_id=clinic_id),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = 'inline; filename="body-chart.pdf"'
    return response
