"""The printable aftercare sheet (WeasyPrint): what the patient sees on screen, on paper, with a
QR code to the sheet's patient link so the printout opens on their phone. The QR code carries the
live link only: once the clinic revokes it, a reprint has none."""

from __future__ import annotations

from typing import Any

import segno
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from filiform.aftercare.instructions import sheet_of_clinic
from filiform.aftercare.messages import sheet_context
from filiform.aftercare.models import AftercareSheet
from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access


def qr_svg_data_uri(url: str) -> str:
    """A QR code (error correction M: survives a crease or a smudge) as an SVG data URI."""
    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=2))


def sheet_pdf_context(sheet: AftercareSheet) -> dict[str, Any]:
    context = sheet_context(sheet)
    return {
        **context,
        "qr": qr_svg_data_uri(context["link"]) if context["link"] else "",
        "language": translation.get_language(),
        "time_zone": sheet.clinic.time_zone,
        "for_print": True,
    }


def sheet_pdf_html(sheet: AftercareSheet) -> str:
    if sheet.content is None:
        raise ValidationError(_("The sheet is issued when the visit is signed; sign it first."))
    with timezone.override(sheet.clinic.time_zone):
        return render_to_string("aftercare/sheet_pdf.html", sheet_pdf_context(sheet))


def sheet_pdf_render(sheet: AftercareSheet) -> bytes:
    from weasyprint import HTML  # imported here: pango loads only when a PDF is made

    return bytes(HTML(string=sheet_pdf_html(sheet)).write_pdf())


def sheet_pdf(*, access: Access, sheet_id: int) -> tuple[AftercareSheet, bytes]:
    """The printable sheet for staff who hand it over (clinicians, front desk); every download
    is audited as an export. A sheet not issued yet (visit still a draft) has no PDF."""
    sheet = sheet_of_clinic(access=access, sheet_id=sheet_id)
    pdf = sheet_pdf_render(sheet)
    audit_access(
        access,
        action=AuditAction.EXPORT,
        object_type="aftercare_pdf",
        object_id=sheet.pk,
        patient_id=sheet.patient_id,
        detail={"visit": sheet.visit_id},
    )
    return sheet, pdf


def sheet_pdf_filename(sheet: AftercareSheet) -> str:
    issued = sheet.issued_at or sheet.updated_at
    return f"aftercare-{sheet.patient_id}-{sheet.pk}-{issued:%Y%m%d}.pdf"
