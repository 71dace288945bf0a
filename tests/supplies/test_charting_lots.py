"""Insertions name their needle lot: chosen or first-expiry-first-out, stock goes down in the
same transaction, expired and recalled lots are refused, electrical stimulation needs metal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from filiform.charting.models import Insertion
from filiform.charting.needling import insertion_add, session_start
from filiform.charting.specs import InsertionSpec, SessionSpec
from filiform.charting.visits import visit_start
from filiform.clinics.models import Location
from filiform.supplies.models import LotStock, NeedleLot, NeedleProduct
from filiform.supplies.stock import lot_recall, lot_receive, product_add, recall_report
from tests.clinical import access_for, consent_given, credential, membership, screened
from tests.conftest import World

NEEDLE: dict[str, Any] = {
    "needle_diameter_mm": "0.25",
    "needle_length_mm": 40,
    "depth_mm": "12",
    "technique": "static",
}


@pytest.fixture
def stocked(world: World) -> World:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    location = Location.objects.create(clinic=world.clinic, name="Main", province="ON")
    alice, fran = access_for(world.alice, world.clinic), access_for(world.fran, world.clinic)
    metal = product_add(
        access=alice, brand="Synthetic metal", diameter_mm="0.25", length_mm=40, handle="metal"
    )
    plastic = product_add(
        access=alice, brand="Synthetic plastic", diameter_mm="0.25", length_mm=40, handle="plastic"
    )
    today = timezone.localdate()
    for product, number, days, quantity in (
        (plastic, "P-SOON", 100, 3),
        (metal, "M-LATER", 400, 50),
    ):
        lot_receive(
            access=fran,
            product_id=product.pk,
            lot_number=number,
            expires_on=today + dt.timedelta(days=days),
            quantity=quantity,
            location_id=location.pk,
        )
    return world


def _session(world: World):
    bob = access_for(world.bob, world.clinic)
    visit = visit_start(
        access=bob, patient_id=world.patient.pk, episode_id=world.patient.episodes.get().pk
    )
    return session_start(
        access=bob, visit_id=visit.pk, session=SessionSpec.parse({"position": "prone"})
    )


def _insert(world: World, session, **extra: Any) -> Insertion:
    return insertion_add(
        access=access_for(world.bob, world.clinic),
        session_id=session.pk,
        insertion=InsertionSpec.parse({"muscle": "deltoid", "side": "left", **{**NEEDLE, **extra}}),
    )


def test_first_expiry_first_out_and_stock_goes_down(stocked: World) -> None:
    session = _session(stocked)
    first = _insert(stocked, session, needle_count=2)
    assert first.lot is not None
    assert first.lot.lot_number == "P-SOON"
    assert LotStock.objects.get(lot=first.lot).quantity == 1
    second = _insert(stocked, session, needle_count=2)  # only 1 left in P-SOON: the next lot
    assert second.lot is not None
    assert second.lot.lot_number == "M-LATER"
    assert second.lot.movements.filter(reason="used", insertion=second).exists()


def test_electrical_stimulation_needs_a_metal_handle(stocked: World) -> None:
    session = _session(stocked)
    estim = {
        "technique": "electrical",
        "estim_frequency_hz": "2",
        "estim_intensity_ma": "3",
        "estim_minutes": 10,
    }
    plastic = NeedleLot.objects.get(lot_number="P-SOON")
    with pytest.raises(ValidationError, match="metal-handle"):
        _insert(stocked, session, lot_id=plastic.pk, **estim)
    chosen = _insert(stocked, session, **estim)
    assert chosen.lot is not None
    assert chosen.lot.lot_number == "M-LATER"


def test_recalled_expired_wrong_size_or_empty_lots_are_refused_and_nothing_is_saved(
    stocked: World,
) -> None:
    session = _session(stocked)
    lot = NeedleLot.objects.get(lot_number="M-LATER")
    lot_recall(access=access_for(stocked.alice, stocked.clinic), lot_id=lot.pk, reason="Notice")
    with pytest.raises(ValidationError, match="recalled"):
        _insert(stocked, session, lot_id=lot.pk)
    old = NeedleLot.objects.create(
        clinic=stocked.clinic,
        product=NeedleProduct.objects.get(handle="plastic"),
        lot_number="OLD",
        expires_on=dt.date(2020, 1, 1),
    )
    with pytest.raises(ValidationError, match="expired"):
        _insert(stocked, session, lot_id=old.pk)
    with pytest.raises(ValidationError, match=r"holds 0\.25×40 mm needles, not 0\.30×40 mm"):
        _insert(
            stocked,
            session,
            lot_id=NeedleLot.objects.get(lot_number="P-SOON").pk,
            needle_diameter_mm="0.30",
        )
    with pytest.raises(ValidationError, match=r"No usable 0\.25×40 mm needles"):
        _insert(stocked, session, needle_count=4)  # P-SOON has 3; M-LATER is recalled
    assert session.insertions.count() == 0
    assert LotStock.objects.get(lot__lot_number="P-SOON").quantity == 3


def test_a_recall_finds_the_patients_charted_through_the_session(stocked: World) -> None:
    session = _session(stocked)
    inserted = _insert(stocked, session)
    assert inserted.lot is not None
    alice = access_for(stocked.alice, stocked.clinic)
    lot_recall(access=alice, lot_id=inserted.lot.pk, reason="Sterility notice")
    _unused, lines = recall_report(access=alice, lot_id=inserted.lot.pk)
    assert [line.patient_id for line in lines] == [stocked.patient.pk]


def test_clinics_that_do_not_track_lots_still_chart(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    assert _insert(world, _session(world)).lot is None


def test_the_visit_page_offers_the_lots_and_charts_the_one_chosen(stocked: World) -> None:
    from tests.conftest import client_for

    session = _session(stocked)
    client = client_for(stocked.bob)
    url = f"/c/{stocked.clinic.slug}/visits/{session.visit_id}/"
    page = client.get(url).content.decode()
    assert "Needle lot" in page
    assert "M-LATER" in page
    metal = NeedleLot.objects.get(lot_number="M-LATER")
    response = client.post(
        url + "session/insertions/",
        {
            "muscle": "deltoid",
            "side": "left",
            "needle_diameter_mm": "0.25",
            "needle_length_mm": "40",
            "needle_count": "1",
            "depth_mm": "12",
            "technique": "static",
            "twitch": "none",
            "tolerance": "good",
            "retest": "not_tested",
            "lot_id": str(metal.pk),
        },
    )
    assert response.status_code in (200, 302)
    inserted = session.insertions.get()
    assert inserted.lot == metal
    assert "lot M-LATER" in client.get(url).content.decode()
