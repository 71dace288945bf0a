"""A patient's progress per measure: the charts, baseline, latest, change and "Reached MCID"
badges for one episode of care, and the progress report PDF. Clinicians only (the selector
checks CLINICAL_RECORD and audits the read; the report is audited as an export)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page
from filiform.outcomes.charts import progress_cards
from filiform.outcomes.report import progress_report_pdf
from filiform.outcomes.selectors import patient_progress


def episode_param(request: HttpRequest) -> int | None:
    """``?episode=<id>``: none means the latest episode; anything but a number is not found."""
    raw = request.GET.get("episode", "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise Http404(_("No such episode of care for this patient."))
    return int(raw)


@clinic_page(Permission.CLINICAL_RECORD)
def progress(request: HttpRequest, access: Access, patient_id: int) -> HttpResponse:
    found = patient_progress(
        access=access, patient_id=patient_id, episode_id=episode_param(request)
    )
    return render(
        request,
        "outcomes/progress.html",
        {
            "progress": found,
            "patient": found.patient,
            "episode": found.episode,
            "cards": progress_cards(found),
            "needling_sessions": len(found.needling_days),
        },
    )


@clinic_page(Permission.CLINICAL_RECORD)
def progress_report(request: HttpRequest, access: Access, patient_id: int) -> HttpResponse:
    filename, content = progress_report_pdf(
        access=access, patient_id=patient_id, episode_id=episode_param(request)
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
