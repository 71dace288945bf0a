"""The printable aftercare sheet: the same content as the screen, a QR code to the live patient
link (none once it is revoked), and the staff download audited as an export."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from pypdf import PdfReader

from filiform.aftercare.models import AftercareSheet
from filiform.aftercare.pdf import sheet_pdf, sheet_pdf_context, sheet_pdf_html, sheet_pdf_render
from filiform.audit.models import AuditAction, AuditEntry
from filiform.links.models import LinkPurpose, PatientLink
from filiform.links.services import link_revoke, link_url
from tests.aftercare.needled import cleared, needled_visit
from tests.clinical import access_for
from tests.conftest import World

ADVICE = "Walk for ten minutes every hour tomorrow."
EXERCISES = "Chin tucks, ten times, three times a day."
CAPTION = "Scan to open this sheet on your phone"


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _sheet(world: World, muscles: tuple[str, ...] = ("upper_trapezius:left",)) -> AftercareSheet:
    cleared(world)
    visit = needled_visit(world, muscles, advice=ADVICE, home_exercises=EXERCISES)
    return AftercareSheet.objects.get(visit=visit)


def _link(sheet: AftercareSheet) -> PatientLink:
    return PatientLink.objects.get(purpose=LinkPurpose.AFTERCARE, target_id=sheet.pk)


def test_the_pdf_holds_the_sheet_the_advice_and_the_qr_code(world: World) -> None:
    world.clinic.phone = "416-555-0142"
    world.clinic.save()
    sheet = _sheet(world)
    pdf = sheet_pdf_render(sheet)
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    assert ADVICE in text
    assert EXERCISES in text
    assert "After your dry needling treatment" in text  # the clinic's title
    assert "Upper trapezius (left)" in text
    assert "pneumothorax" in text  # the chest was needled: the warning is on paper too
    assert "416-555-0142" in text
    assert CAPTION in text
    context = sheet_pdf_context(sheet)
    assert context["link"] == link_url(_link(sheet))
    assert context["qr"].startswith("data:image/svg+xml")
    assert 'src="data:image/svg+xml' in sheet_pdf_html(sheet)


def test_no_thorax_warning_when_the_chest_was_not_needled(world: World) -> None:
    text = _text(sheet_pdf_render(_sheet(world, ("gluteus_medius:left",))))
    assert ADVICE in text
    assert "pneumothorax" not in text
    assert "Important: needles near your chest" not in text


def test_a_revoked_link_leaves_no_qr_code_on_a_reprint(world: World) -> None:
    sheet = _sheet(world)
    link_revoke(access=access_for(world.bob, world.clinic), link_id=_link(sheet).pk)
    assert sheet_pdf_context(sheet)["qr"] == ""
    html = sheet_pdf_html(sheet)
    assert "data:image/svg+xml" not in html
    text = _text(sheet_pdf_render(sheet))
    assert CAPTION not in text
    assert ADVICE in text  # the sheet itself is still printable


def test_staff_download_is_audited_as_an_export_and_limited_to_the_clinic(world: World) -> None:
    sheet = _sheet(world)
    got, pdf = sheet_pdf(access=access_for(world.fran, world.clinic), sheet_id=sheet.pk)
    assert got == sheet
    assert ADVICE in _text(pdf)
    export = AuditEntry.objects.get(action=AuditAction.EXPORT, object_type="aftercare_pdf")
    assert export.object_id == str(sheet.pk)
    assert export.patient_id == world.patient.pk
    assert export.actor_id == world.fran.pk
    with pytest.raises(Http404):
        sheet_pdf(access=access_for(world.olga, world.other_clinic), sheet_id=sheet.pk)
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT).count() == 1


def test_a_draft_sheet_has_no_pdf(world: World) -> None:
    cleared(world)
    visit = needled_visit(world, advice=ADVICE, sign=False)
    sheet = AftercareSheet.objects.get(visit=visit)
    with pytest.raises(ValidationError):
        sheet_pdf(access=access_for(world.bob, world.clinic), sheet_id=sheet.pk)
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()
