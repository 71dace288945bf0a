"""The progress report PDF, read back with pypdf: the patient, the episode, the treatment summary
(visits, needling sessions, muscles needled most often, the plan's goals), each measure with its
baseline, latest, change and MCID; every download audited as an export; clinicians only."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from pypdf import PdfReader

from filiform.audit.models import AuditAction, AuditEntry
from filiform.charting.models import TreatmentPlan
from filiform.outcomes.report import progress_report_html, progress_report_pdf
from filiform.outcomes.selectors import patient_progress
from tests.clinical import access_for
from tests.conftest import World, client_for
from tests.outcomes.test_progress_pages import progress_seed

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_report_holds_the_patient_treatment_and_measures(world: World) -> None:
    # four weekly needling visits: upper trapezius every time, levator scapulae every other one
    episode = progress_seed(world, nprs=(7, 6, 5, 4), ndi=(40, 38, 36, 34))
    TreatmentPlan.objects.create(
        clinic=world.clinic,
        episode=episode,
        goals="Turn the head to reverse the car without pain.",
        updated_by=world.bob,
    )
    bob = access_for(world.bob, world.clinic)
    filename, pdf = progress_report_pdf(access=bob, patient_id=world.patient.pk)
    assert pdf.startswith(b"%PDF-")
    assert filename.startswith(f"progress-{world.patient.pk}-{episode.pk}-")
    assert filename.endswith(".pdf")
    text = _text(pdf)
    assert "Quill Zanzibarian" in text
    assert world.patient.birth_date.isoformat() in text
    assert "Right-sided neck pain" in text
    assert "Signed visits 4" in text
    assert "Needling sessions 4" in text
    assert "Upper trapezius (4 sessions)" in text
    assert "Levator scapulae (2 sessions)" in text
    assert "Turn the head to reverse the car without pain." in text
    assert "Numeric Pain Rating Scale (NPRS)" in text
    assert "Neck Disability Index (NDI)" in text
    assert "Baseline 7 points" in text
    assert "Latest 4 points" in text
    assert "3 points better" in text
    assert "Reached MCID" in text  # NPRS 7 -> 4
    assert "MCID not yet reached" in text  # NDI 40 -> 34 %
    assert "Printed" in text
    # the charts are embedded as SVG images
    html = progress_report_html(
        access=bob, progress=patient_progress(access=bob, patient_id=world.patient.pk)
    )
    assert html.count('src="data:image/svg+xml;base64,') == 2


def test_the_download_is_audited_as_an_export(world: World) -> None:
    episode = progress_seed(world, nprs=(7, 4), needling=False)
    before = AuditEntry.objects.filter(action=AuditAction.EXPORT).count()
    progress_report_pdf(access=access_for(world.bob, world.clinic), patient_id=world.patient.pk)
    exports = AuditEntry.objects.filter(action=AuditAction.EXPORT)
    assert exports.count() == before + 1
    entry = exports.latest("seq")
    assert entry.object_type == "outcome_report"
    assert entry.patient_id == world.patient.pk
    assert entry.object_id == str(episode.pk)
    assert entry.actor_id == world.bob.pk


def test_only_clinicians_of_the_clinic_get_the_report(world: World) -> None:
    progress_seed(world, nprs=(7, 4), needling=False)
    for who in (world.fran, world.bill):
        with pytest.raises(PermissionDenied):
            progress_report_pdf(access=access_for(who, world.clinic), patient_id=world.patient.pk)
    with pytest.raises(Http404):
        progress_report_pdf(
            access=access_for(world.olga, world.other_clinic), patient_id=world.patient.pk
        )
    assert not AuditEntry.objects.filter(
        action=AuditAction.EXPORT, object_type="outcome_report"
    ).exists()


def test_the_page_route_serves_the_pdf(world: World) -> None:
    episode = progress_seed(world, nprs=(7, 4), needling=False)
    url = reverse(
        "outcomes:progress_report",
        kwargs={"clinic_slug": world.clinic.slug, "patient_id": world.patient.pk},
    )
    response = client_for(world.bob).get(url, {"episode": episode.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert f"progress-{world.patient.pk}-{episode.pk}-" in response["Content-Disposition"]
    assert client_for(world.fran).get(url).status_code == 403
    assert client_for(world.bob).get(url, {"episode": "x"}).status_code == 404


def test_a_patient_without_measures_or_episode_still_gets_a_report(world: World) -> None:
    _, pdf = progress_report_pdf(
        access=access_for(world.bob, world.clinic), patient_id=world.patient.pk
    )
    text = _text(pdf)
    assert "Quill Zanzibarian" in text
    assert "no episode of care yet" in text
