"""Pages that hand out the clinical record: the visit note PDF."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from filiform.charting.pdf import visit_note_filename, visit_note_pdf
from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page


@clinic_page(Permission.PATIENT_VIEW)  # visit_note_pdf refuses others, naming the visit
def visit_note(request: HttpRequest, access: Access, visit_id: int) -> HttpResponse:
    visit, pdf = visit_note_pdf(access=access, visit_id=visit_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{visit_note_filename(visit)}"'
    response["Cache-Control"] = "no-store"
    return response
