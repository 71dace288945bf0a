"""Recalls reach the visit (issue 16): a needle lot recalled after it was used is flagged on
every visit and needling session that used it, naming the lot, the recall date and its reason:
on the visit page, in the visit API, on the patient's timeline and in the visit note PDF. The
recall itself is a safety alert to the owners (durable e-mail, on the dashboard until
acknowledged)."""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from filiform.charting.models import Visit
from filiform.charting.needling import insertion_add, needles_count, session_start
from filiform.charting.specs import InsertionSpec, SessionSpec
from filiform.charting.visits import visit_sign, visit_start
from filiform.clinics.models import Location
from filiform.notices.models import MessageStatus, SafetyAlert
from filiform.supplies.models import NeedleLot
from filiform.supplies.stock import lot_recall, lot_receive, product_add
from tests.clinical import access_for, consent_given, credential, membership, screened
from tests.conftest import World, bearer, client_for

pytestmark = pytest.mark.django_db
REASON = "Supplier notice SN-2026-17 (synthetic): sterile barrier may be breached"


@pytest.fixture
def stocked(world: World) -> World:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    location = Location.objects.create(clinic=world.clinic, name="Main", province="ON")
    product = product_add(
        access=access_for(world.alice, world.clinic),
        brand="Synthetic J-type",
        diameter_mm="0.25",
        length_mm=40,
        handle="metal",
    )
    for number in ("LOT-BAD", "LOT-GOOD"):
        lot_receive(
            access=access_for(world.fran, world.clinic),
            product_id=product.pk,
            lot_number=number,
            expires_on=timezone.localdate() + dt.timedelta(days=400),
            quantity=50,
            location_id=location.pk,
        )
    return world


def _visit(world: World, lots: tuple[str, ...]) -> Visit:
    bob = access_for(world.bob, world.clinic)
    episode = world.patient.episodes.first()
    assert episode is not None
    visit = visit_start(
        access=bob,
        patient_id=world.patient.pk,
        episode_id=episode.pk,
        subjective="Neck pain 6/10",
        assessment="Active trigger points in the upper trapezius reproduce the pain",
    )
    session = session_start(
        access=bob, visit_id=visit.pk, session=SessionSpec.parse({"position": "prone"})
    )
    for number, muscle in zip(lots, ("deltoid", "infraspinatus"), strict=False):
        insertion_add(
            access=bob,
            session_id=session.pk,
            insertion=InsertionSpec.parse(
                {
                    "muscle": muscle,
                    "side": "left",
                    "needle_diameter_mm": "0.25",
                    "needle_length_mm": 40,
                    "needle_count": 2,
                    "depth_mm": "12",
                    "technique": "static",
                    "lot_id": NeedleLot.objects.get(lot_number=number).pk,
                }
            ),
        )
    needles_count(access=bob, session_id=session.pk, opened=2 * len(lots), removed=2 * len(lots))
    return visit_sign(access=bob, visit_id=visit.pk)


def _recall(world: World) -> NeedleLot:
    return lot_recall(
        access=access_for(world.alice, world.clinic),
        lot_id=NeedleLot.objects.get(lot_number="LOT-BAD").pk,
        reason=REASON,
    )


def _recall_day(lot: NeedleLot, world: World) -> str:
    assert lot.recalled_at is not None
    return lot.recalled_at.astimezone(ZoneInfo(world.clinic.time_zone)).strftime("%Y-%m-%d")


def _visit_page(world: World, visit: Visit) -> str:
    url = reverse("charting:visit", args=[world.clinic.slug, visit.pk])
    response = client_for(world.bob).get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_recalled_lot_is_flagged_on_the_visit_page_and_in_the_api(stocked: World) -> None:
    used = _visit(stocked, ("LOT-BAD", "LOT-GOOD"))
    clean = _visit(stocked, ("LOT-GOOD",))
    assert 'data-testid="recall-banner"' not in _visit_page(stocked, used)  # not recalled yet
    lot = _recall(stocked)

    page = _visit_page(stocked, used)
    assert 'data-testid="recall-banner"' in page
    banner = page[page.index('data-testid="recall-banner"') :][:2000]
    for expected in ("LOT-BAD", _recall_day(lot, stocked), "sterile barrier may be breached"):
        assert expected in banner
    assert "LOT-GOOD" not in banner
    assert 'data-testid="recall-banner"' not in _visit_page(stocked, clean)

    body = client_for(stocked.bob).get(
        f"/api/v1/visits/{used.pk}", **bearer(stocked.bob, stocked.clinic)
    )
    assert body.status_code == 200
    data = body.json()
    [flag] = data["recalled_lots"]
    assert (flag["lot_number"], flag["reason"], flag["needles"]) == ("LOT-BAD", REASON, 2)
    assert lot.recalled_at is not None
    assert flag["recalled_at"].startswith(lot.recalled_at.isoformat()[:16])
    assert flag["insertions"] == [1]
    assert data["session"]["recalled_lots"] == data["recalled_lots"]
    other = client_for(stocked.bob).get(
        f"/api/v1/visits/{clean.pk}", **bearer(stocked.bob, stocked.clinic)
    )
    assert other.json()["recalled_lots"] == []


def test_a_recalled_lot_is_flagged_on_the_timeline_and_in_the_note_pdf(stocked: World) -> None:
    used = _visit(stocked, ("LOT-BAD",))
    _visit(stocked, ("LOT-GOOD",))
    lot = _recall(stocked)
    url = reverse("patients:detail", args=[stocked.clinic.slug, stocked.patient.pk])
    page = client_for(stocked.bob).get(url).content.decode()
    assert page.count('data-testid="recall-banner"') == 1  # only the visit that used it
    assert "LOT-BAD" in page
    assert _recall_day(lot, stocked) in page

    pdf = client_for(stocked.bob).get(
        reverse("charting_records:visit_note_pdf", args=[stocked.clinic.slug, used.pk])
    )
    text = re.sub(
        r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    )
    assert "Recalled needle lot" in text
    assert "LOT-BAD" in text
    assert _recall_day(lot, stocked) in text
    assert "sterile barrier may be breached" in text


def test_a_recall_is_a_safety_alert_to_the_owners(stocked: World) -> None:
    _visit(stocked, ("LOT-BAD",))
    _visit(stocked, ("LOT-BAD", "LOT-GOOD"))  # the same patient again: one patient, two sessions
    lot = _recall(stocked)
    alert = SafetyAlert.objects.get()
    assert (alert.kind, alert.object_type, alert.object_id) == (
        "lot_recall",
        "needle_lot",
        str(lot.pk),
    )
    assert alert.patient_id is None
    assert alert.link == reverse("supplies:recall_report", args=[stocked.clinic.slug, lot.pk])
    assert "LOT-BAD" in alert.summary
    [message] = alert.messages.all()
    assert (message.status, message.to) == (MessageStatus.QUEUED, ["alice@clinic.test"])
    assert "LOT-BAD" in message.subject
    assert REASON in message.body
    assert "1 patient was treated with needles from this lot, in 2 sessions." in message.body
    assert stocked.patient.family_name not in message.body  # no patient names by e-mail
    dashboard = client_for(stocked.alice).get(
        reverse("clinics:dashboard", args=[stocked.clinic.slug])
    )
    assert 'data-kind="lot_recall"' in dashboard.content.decode()
