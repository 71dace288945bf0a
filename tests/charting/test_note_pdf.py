"""The visit note PDF: everything the record holds, read back from the PDF's text."""

from __future__ import annotations

import io
import re
from zoneinfo import ZoneInfo

from django.urls import reverse
from pypdf import PdfReader

from filiform.audit.models import AuditEntry
from filiform.charting.models import Visit
from filiform.charting.pdf import visit_note_context
from tests.charting.test_timeline import chart_visit, ready
from tests.conftest import World, client_for

__all__ = ["ready"]


def _url(world: World, visit: Visit) -> str:
    return reverse("charting_records:visit_note_pdf", args=[world.clinic.slug, visit.pk])


def _text(world: World, visit: Visit, user=None) -> str:
    response = client_for(user or world.bob).get(_url(world, visit))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text)  # table cells wrap: compare words, not lines


def test_a_signed_note_prints_the_whole_record(ready: World) -> None:
    visit = chart_visit(
        ready,
        muscles=("upper_trapezius:right", "levator_scapulae:right"),
        event={
            "kind": "bruising",
            "severity": "mild",
            "timing": "after",
            "muscle": "upper_trapezius",
            "side": "right",
            "action_taken": "Pressure for a minute",
        },
        addendum="Patient phoned: the bruise faded in two days.",
        missing_needle=True,
    )
    text = _text(ready, visit)
    for expected in (
        "Visit note",
        ready.patient.display_name,
        ready.bob.display_name,
        "registration T-100",
        visit.started_at.astimezone(ZoneInfo(ready.clinic.time_zone)).strftime("%Y-%m-%d"),
        "Neck pain 6/10 after long days at the desk",
        "Taut band right upper trapezius",
        "Myofascial pain, right upper trapezius",
        "stretches at home",
        "Dry needling",
        "Prone",
        "Go",  # the clearance verdict at the time
        "Consent form version 1",
        "Upper trapezius (right)",
        "Levator scapulae (right)",
        "0.25 × 40 mm",
        "15.0 mm",
        "Pistoning",
        "A few",
        "Good",
        "Not tested",
        "Inserted 2 · opened 2 · removed and disposed of 1",
        "1 needle unaccounted for",
        "Room and linen searched",
        "Bruising",
        "Mild: brief and reversible",
        "Pressure for a minute",
        "Body chart: needled points",
        "1. Upper trapezius (right)",
        f"Signed by {ready.bob.display_name}",
        visit.content_sha256[:32],
        "The stored record matches this hash.",
        "Addenda",
        "Patient phoned: the bruise faded in two days.",
    ):
        assert expected in text, expected
    assert "DRAFT" not in text


def test_a_draft_says_so_and_has_no_signature(ready: World) -> None:
    visit = chart_visit(ready, sign=False, muscles=("deltoid:left",))
    text = _text(ready, visit)
    assert "DRAFT — not signed" in text
    assert "Signed by" not in text
    assert "Deltoid (left)" in text


def test_the_chart_shows_the_views_the_points_are_on(ready: World) -> None:
    prone = chart_visit(ready, muscles=("infraspinatus:right",), sign=False)
    context = visit_note_context(Visit.objects.get(pk=prone.pk))
    assert len(context["charts"]) == 1
    assert 'data-view="back"' in context["charts"][0]
    assert context["charts"][0].count('class="mark needled"') == 1
    supine = chart_visit(
        ready, muscles=("deltoid:right", "infraspinatus:right"), position="supine", sign=False
    )
    context = visit_note_context(Visit.objects.get(pk=supine.pk))
    assert ['data-view="front"' in c for c in context["charts"]] == [True, False]


def test_a_changed_record_is_flagged_against_its_hash(ready: World) -> None:
    visit = chart_visit(ready)
    # What no service can do: the row changed behind the application's back.
    Visit.objects.filter(pk=visit.pk).update(assessment="Altered later")
    text = _text(ready, visit)
    assert "WARNING: the stored record no longer matches this hash." in text


def test_only_clinicians_of_the_clinic_get_the_note_and_each_copy_is_audited(
    ready: World,
) -> None:
    visit = chart_visit(ready)
    for user, status in ((ready.fran, 403), (ready.bill, 403), (ready.olga, 404)):
        assert client_for(user).get(_url(ready, visit)).status_code == status
    # Refused copies are audited as refusals naming the visit and its patient; none is a copy.
    refusals = AuditEntry.objects.filter(object_type="visit_note_pdf", action="permission_denied")
    assert {e.actor_id for e in refusals} == {ready.fran.pk, ready.bill.pk}
    assert {(e.object_id, e.patient_id) for e in refusals} == {(str(visit.pk), ready.patient.pk)}
    assert not AuditEntry.objects.filter(object_type="visit_note_pdf", action="export").exists()
    _text(ready, visit, user=ready.alice)
    entry = AuditEntry.objects.get(object_type="visit_note_pdf", action="export")
    assert entry.actor_id == ready.alice.pk
    assert entry.patient_id == ready.patient.pk
    assert entry.action == "export"
    assert entry.detail == {"status": "signed", "content_sha256": visit.content_sha256}


def test_an_unknown_visit_is_not_found(ready: World) -> None:
    response = client_for(ready.bob).get(
        reverse("charting_records:visit_note_pdf", args=[ready.clinic.slug, 999999])
    )
    assert response.status_code == 404
