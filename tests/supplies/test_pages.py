"""Supplies pages over HTTP: receiving, recall report and CSV, sharps containers."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from filiform.clinics.models import Location
from filiform.supplies.models import LotStock, NeedleLot, SharpsContainer
from filiform.supplies.stock import product_add
from tests.clinical import access_for
from tests.conftest import World, client_for


def _setup(world: World) -> tuple[Location, int]:
    location = Location.objects.create(clinic=world.clinic, name="Main", province="ON")
    product = product_add(
        access=access_for(world.alice, world.clinic),
        brand="Synthetic J",
        diameter_mm="0.25",
        length_mm=40,
        handle="metal",
    )
    return location, product.pk


def test_front_desk_receives_needles_and_bad_input_is_shown(world: World) -> None:
    location, product_id = _setup(world)
    client = client_for(world.fran)
    url = f"/c/{world.clinic.slug}/supplies/needles/"
    data = {
        "form": "receive",
        "receive-product_id": product_id,
        "receive-lot_number": "PG-77",
        "receive-expires_on": (timezone.localdate() + dt.timedelta(days=300)).isoformat(),
        "receive-quantity": 200,
        "receive-location_id": location.pk,
    }
    bad = client.post(url, {**data, "receive-expires_on": "2021-01-01"})
    assert bad.status_code == 200
    assert "expired" in bad.content.decode()
    assert not NeedleLot.objects.exists()
    assert client.post(url, data).status_code == 302
    assert LotStock.objects.get().quantity == 200
    page = client.get(url).content.decode()
    assert 'data-lot="PG-77"' in page
    assert "Recall this lot" not in page  # owners only
    assert client_for(world.bill).get(url).status_code == 403


def test_owner_recalls_a_lot_and_exports_the_report(world: World) -> None:
    location, product_id = _setup(world)
    lot = NeedleLot.objects.create(
        clinic=world.clinic,
        product_id=product_id,
        lot_number="R-1",
        expires_on=timezone.localdate() + dt.timedelta(days=99),
    )
    owner = client_for(world.alice)
    response = owner.post(
        f"/c/{world.clinic.slug}/supplies/lots/{lot.pk}/recall/", {"reason": "Notice 5"}
    )
    assert response.status_code == 302
    report = owner.get(f"/c/{world.clinic.slug}/supplies/lots/{lot.pk}/recall-report/")
    assert "Recall of lot R-1" in report.content.decode()
    csv = owner.get(
        f"/c/{world.clinic.slug}/supplies/lots/{lot.pk}/recall-report/", {"format": "csv"}
    )
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode().splitlines()[0].startswith("patient_id,name")
    assert (
        client_for(world.fran)
        .get(f"/c/{world.clinic.slug}/supplies/lots/{lot.pk}/recall-report/")
        .status_code
        == 403
    )
    assert location.pk


def test_sharps_page_runs_a_container_through_its_life(world: World) -> None:
    location, _product = _setup(world)
    client = client_for(world.fran)
    base = f"/c/{world.clinic.slug}/supplies/sharps/"
    assert (
        client.post(
            base,
            {
                "form": "open",
                "open-location_id": location.pk,
                "open-room": "Room 3",
                "open-label": "SC-3",
            },
        ).status_code
        == 302
    )
    container = SharpsContainer.objects.get()
    assert client.post(f"{base}{container.pk}/fill/", {"percent": "85"}).status_code == 302
    assert "85 % full" in client.get(base).content.decode()
    client.post(f"{base}{container.pk}/seal/")
    refused = client.post(
        f"{base}{container.pk}/pickup/", {"hauler": "", "manifest_number": ""}, follow=True
    )
    assert "hauler" in refused.content.decode()
    client.post(
        f"{base}{container.pk}/pickup/", {"hauler": "Synthetic Haulers", "manifest_number": "MF-1"}
    )
    container.refresh_from_db()
    assert container.manifest_number == "MF-1"
    assert client.post(f"{base}{container.pk}/explode/").status_code == 302


def test_needle_stick_page_reports_and_checks(world: World) -> None:
    from filiform.supplies.models import NeedleStickInjury

    client = client_for(world.bob)
    url = f"/c/{world.clinic.slug}/supplies/needle-sticks/"
    page = client.get(url).content.decode()
    assert "Wash the wound" in page
    membership_id = world.bob.memberships.get().pk
    response = client.post(
        url,
        {
            "form": "report",
            "report-occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "report-injured": membership_id,
            "report-needle_used": "on",
            "report-source_patient": world.patient.pk,
            "report-description": "Stick while recapping",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    injury = NeedleStickInjury.objects.get()
    client.post(
        url,
        {"form": "checklist", "injury_id": injury.pk, "washed": "on", "source_consent": "given"},
    )
    injury.refresh_from_db()
    assert injury.washed
    assert injury.source_consent == "given"
    assert "Stick while recapping" not in client_for(world.uma).get(url).content.decode()
    assert "Stick while recapping" in client_for(world.alice).get(url).content.decode()
