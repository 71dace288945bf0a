"""Needle products, lots, stock and recalls; the last needle taken by two sessions at once."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from filiform.charting.needling import insertion_add, session_start
from filiform.charting.specs import InsertionSpec, SessionSpec
from filiform.charting.visits import visit_start
from filiform.clinics.models import Location
from filiform.supplies.models import LotStock, NeedleLot, NeedleProduct
from filiform.supplies.stock import (
    lot_recall,
    lot_receive,
    lot_usable_problem,
    needles_take,
    product_add,
    recall_contact_record,
    recall_report,
    stock_alerts,
)
from tests.clinical import access_for, consent_given, credential, membership, screened
from tests.conftest import World
from tests.factories import PatientFactory

IN_A_YEAR = timezone.localdate() + dt.timedelta(days=365)


def _location(world: World) -> Location:
    return Location.objects.create(clinic=world.clinic, name="Main", province="ON")


def _product(world: World) -> NeedleProduct:
    return product_add(
        access=access_for(world.alice, world.clinic),
        brand="Synthetic Seirin-like J",
        diameter_mm="0.25",
        length_mm=40,
        handle="metal",
    )


def _lot(world: World, quantity: int = 100, number: str = "L-001") -> tuple[NeedleLot, Location]:
    location = Location.objects.filter(clinic=world.clinic).first() or _location(world)
    lot = lot_receive(
        access=access_for(world.fran, world.clinic),
        product_id=_product(world).pk
        if not NeedleProduct.objects.exists()
        else NeedleProduct.objects.get().pk,
        lot_number=number,
        expires_on=IN_A_YEAR,
        quantity=quantity,
        location_id=location.pk,
        supplier="Needle Supply Co (synthetic)",
    )
    return lot, location


def test_receiving_adds_stock_and_receiving_again_adds_more(world: World) -> None:
    lot, location = _lot(world, 100)
    _lot(world, 50)
    assert LotStock.objects.get(lot=lot, location=location).quantity == 150
    assert lot.movements.count() == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"expires_on": dt.date(2020, 1, 1)}, "expired"),
        ({"quantity": -5}, "above zero"),
        ({"quantity": 0}, "above zero"),
        ({"lot_number": "  "}, "lot number"),
    ],
)
def test_bad_receipts_are_refused_and_nothing_is_saved(
    world: World, change: dict[str, Any], message: str
) -> None:
    location = _location(world)
    product = _product(world)
    fields: dict[str, Any] = {
        "product_id": product.pk,
        "lot_number": "L-9",
        "expires_on": IN_A_YEAR,
        "quantity": 10,
        "location_id": location.pk,
    }
    with pytest.raises(ValidationError, match=message):
        lot_receive(access=access_for(world.fran, world.clinic), **{**fields, **change})
    assert not NeedleLot.objects.exists()
    assert not LotStock.objects.exists()


def test_products_are_checked(world: World) -> None:
    alice = access_for(world.alice, world.clinic)
    with pytest.raises(ValidationError, match="Diameters"):
        product_add(access=alice, brand="X", diameter_mm="0.9", length_mm=40, handle="metal")
    with pytest.raises(ValidationError, match="metal or plastic"):
        product_add(access=alice, brand="X", diameter_mm="0.25", length_mm=40, handle="wood")
    _product(world)
    with pytest.raises(ValidationError, match="already"):
        _product(world)


def test_taking_needles_never_goes_below_zero(world: World) -> None:
    lot, location = _lot(world, 2)
    with transaction.atomic():
        needles_take(
            lot=lot, location_id=location.pk, count=2, insertion_id=None, user_id=world.bob.pk
        )
    with pytest.raises(ValidationError, match="Only 0 needle"):
        needles_take(
            lot=lot, location_id=location.pk, count=1, insertion_id=None, user_id=world.bob.pk
        )
    assert LotStock.objects.get(lot=lot).quantity == 0


def test_expired_or_recalled_lots_cannot_be_used(world: World) -> None:
    lot, _loc = _lot(world)
    assert lot_usable_problem(lot, on=timezone.localdate()) == ""
    assert "expired" in lot_usable_problem(lot, on=IN_A_YEAR + dt.timedelta(days=1))
    lot_recall(
        access=access_for(world.alice, world.clinic),
        lot_id=lot.pk,
        reason="Supplier notice 2026-17",
    )
    lot.refresh_from_db()
    assert "recalled" in lot_usable_problem(lot, on=timezone.localdate())
    with pytest.raises(ValidationError, match="already recalled"):
        lot_recall(access=access_for(world.alice, world.clinic), lot_id=lot.pk, reason="again")


def _treated(world: World, family: str, lot: NeedleLot, location: Location, needles: int) -> int:
    patient = PatientFactory.create(
        clinic=world.clinic,
        family_name=family,
        phone="+1-613-555-0188",
        email=f"{family.lower()}@patient.test",
    )
    consent_given(patient, world.bob)
    screened(patient, world.bob)
    bob = access_for(world.bob, world.clinic)
    episode = patient.episodes.get()
    visit = visit_start(
        access=bob,
        patient_id=patient.pk,
        episode_id=episode.pk,
        assessment="Active trigger points reproduce the pain",
    )
    session = session_start(
        access=bob, visit_id=visit.pk, session=SessionSpec.parse({"position": "prone"})
    )
    insertion = insertion_add(
        access=bob,
        session_id=session.pk,
        insertion=InsertionSpec.parse(
            {
                "muscle": "deltoid",
                "side": "left",
                "needle_diameter_mm": "0.25",
                "needle_length_mm": 40,
                "needle_count": needles,
                "depth_mm": "10",
                "technique": "static",
                "lot_id": lot.pk,
            }
        ),
    )
    assert insertion.lot == lot
    assert LotStock.objects.get(lot=lot, location=location).quantity >= 0
    return patient.pk


def test_recall_report_lists_every_patient_the_lot_touched(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    lot, location = _lot(world, 50)
    other_lot, _same = _lot(world, 50, number="L-002")
    first = _treated(world, "Alder", lot, location, 2)
    second = _treated(world, "Birch", lot, location, 3)
    _treated(world, "Cedar", other_lot, location, 1)
    alice = access_for(world.alice, world.clinic)
    lot_recall(access=alice, lot_id=lot.pk, reason="Sterility breach notice")
    _unused, lines = recall_report(access=alice, lot_id=lot.pk)
    assert [(line.patient_id, line.needles) for line in lines] == [(first, 2), (second, 3)]
    assert lines[0].email == "alder@patient.test"
    assert not any(line.contacted for line in lines)
    recall_contact_record(
        access=alice,
        lot_id=lot.pk,
        patient_id=first,
        method="phone",
        outcome="Informed; no symptoms",
    )
    with pytest.raises(ValidationError, match="not treated"):
        recall_contact_record(
            access=alice, lot_id=lot.pk, patient_id=world.patient.pk, method="phone", outcome="x"
        )
    _unused, lines = recall_report(access=alice, lot_id=lot.pk)
    assert [line.contacted for line in lines] == [True, False]
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        recall_report(access=access_for(world.fran, world.clinic), lot_id=lot.pk)


def test_low_stock_and_near_expiry_alerts(world: World) -> None:
    lot, _loc = _lot(world, 40)
    reasons = [
        a.reason for a in stock_alerts(access=access_for(world.alice, world.clinic), low=100)
    ]
    assert any("Low stock: 40" in r for r in reasons)
    assert not any("Expires" in r for r in reasons)
    soon = stock_alerts(
        access=access_for(world.alice, world.clinic),
        low=10,
        today=IN_A_YEAR - dt.timedelta(days=30),
    )
    assert [a.lot for a in soon] == [lot]


@pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="real concurrent transactions: PostgreSQL (SQLite serialises every writer)",
)
@pytest.mark.django_db(transaction=True)
def test_two_sessions_take_the_last_needle_at_once_and_one_is_told(world: World) -> None:
    lot, location = _lot(world, 1)
    holding = threading.Event()
    results: dict[str, str] = {}

    def take(name: str, hold: bool) -> None:
        try:
            with transaction.atomic():
                needles_take(
                    lot=lot,
                    location_id=location.pk,
                    count=1,
                    insertion_id=None,
                    user_id=world.bob.pk,
                )
                if hold:
                    holding.set()
                    threading.Event().wait(0.5)  # keep the row locked while the other tries
            results[name] = "took"
        except ValidationError as error:
            results[name] = " ".join(error.messages)
        finally:
            connection.close()

    first = threading.Thread(target=take, args=("first", True))
    first.start()
    holding.wait(5)
    second = threading.Thread(target=take, args=("second", False))
    second.start()
    first.join()
    second.join()
    assert results["first"] == "took"
    assert "Only 0 needle(s)" in results["second"]
    assert LotStock.objects.get(lot=lot).quantity == 0
