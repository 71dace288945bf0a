"""The PDF copy: exact text, signature, people, times in the clinic's zone, and the hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import time_machine
from pypdf import PdfReader

from filiform.audit.models import AuditAction, AuditEntry
from filiform.consent.content import consent_canonical, consent_content_sha256
from filiform.consent.records import consent_record, consent_withdraw
from tests.conftest import World, client_for
from tests.consent.helpers import SIGNATURE, access_of, png_bytes

FIELDS = {
    "template_version": 1,
    "risks_discussed": True,
    "benefits_discussed": True,
    "alternatives_discussed": True,
    "questions_answered": True,
    "thorax_acknowledged": True,
    "decision": "permit",
    "signer_name": "Quill Zanzibarian",
    "witness_name": "Wanda Witnessperson",
}


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _record(world: World, **changes):
    bob = access_of(world.bob, world.clinic)
    from filiform.consent.templates_service import consent_template_current

    consent_template_current(access=bob)
    return consent_record(
        access=bob, patient_id=world.patient.pk, **{**FIELDS, "signature": SIGNATURE, **changes}
    )


def _pdf_url(world: World, record) -> str:
    return f"/c/{world.clinic.slug}/patients/{world.patient.pk}/consent/{record.pk}/pdf/"


@time_machine.travel(dt.datetime(2026, 3, 10, 15, 30, tzinfo=dt.UTC), tick=False)
def test_the_pdf_holds_the_text_people_times_and_content_hash(world: World) -> None:
    world.clinic.time_zone = "America/Vancouver"
    world.clinic.save()
    record = _record(world)
    response = client_for(world.bob).get(_pdf_url(world, record))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = _text(response.content)
    flat = " ".join(text.split())
    assert "Quill Zanzibarian" in flat
    assert "Wanda Witnessperson" in flat
    assert "Bob" in flat  # discussed by
    assert "Gives consent" in flat
    assert "2026-03-10 08:30 PDT" in flat  # 15:30 UTC in the clinic's zone
    assert "pneumothorax" in flat  # the consent text itself
    assert record.text_sha256 in text
    content_hash = consent_content_sha256(record)
    assert content_hash in text
    assert content_hash == hashlib.sha256(consent_canonical(record).encode()).hexdigest()
    canonical = json.loads(consent_canonical(record))
    assert canonical["signature_strokes"][0][0] == [20.0, 100.0]
    assert canonical["text_sha256"] == record.text_sha256
    assert AuditEntry.objects.filter(
        action=AuditAction.EXPORT, object_type="consent_pdf", object_id=str(record.pk)
    ).exists()


def test_a_withdrawal_shows_in_the_pdf_and_changes_the_hash(world: World) -> None:
    record = _record(world)
    before = consent_content_sha256(record)
    consent_withdraw(
        access=access_of(world.bob, world.clinic),
        patient_id=world.patient.pk,
        record_id=record.pk,
        note="Changed her mind",
    )
    record.refresh_from_db()
    after = consent_content_sha256(record)
    assert after != before
    text = " ".join(_text(client_for(world.bob).get(_pdf_url(world, record)).content).split())
    assert "Changed her mind" in text
    assert after in text


def test_a_png_signature_is_in_the_pdf_and_the_hash(world: World) -> None:
    record = _record(world, signature=None, signature_png=png_bytes())
    canonical = json.loads(consent_canonical(record))
    assert canonical["signature_strokes"] == []
    assert canonical["signature_png_sha256"] == hashlib.sha256(png_bytes()).hexdigest()
    pdf = client_for(world.bob).get(_pdf_url(world, record)).content
    reader = PdfReader(io.BytesIO(pdf))
    assert any(page.images for page in reader.pages)


def test_only_the_clinics_clinicians_download_the_pdf(world: World) -> None:
    record = _record(world)
    url = _pdf_url(world, record)
    assert client_for(world.alice).get(url).status_code == 200
    assert client_for(world.fran).get(url).status_code == 403
    assert client_for(world.bill).get(url).status_code == 403
    assert client_for(world.olga).get(url).status_code == 404
    wrong_patient = (
        f"/c/{world.clinic.slug}/patients/{world.patient.pk + 999}/consent/{record.pk}/pdf/"
    )
    assert client_for(world.bob).get(wrong_patient).status_code == 404
