"""The supplies API: allowed and forbidden personas, bad input as 4xx JSON."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from filiform.clinics.models import Location
from tests.conftest import World, bearer


def api(world: World, user) -> Client:
    return Client(**bearer(user, world.clinic))


def post(client: Client, url: str, body: dict) -> tuple[int, dict]:
    response = client.post(url, body, content_type="application/json")
    return response.status_code, response.json()


def test_products_lots_recall_over_the_api(world: World) -> None:
    location = Location.objects.create(clinic=world.clinic, name="Main", province="ON")
    owner, desk = api(world, world.alice), api(world, world.fran)
    product = {
        "brand": "Synthetic J-type",
        "diameter_mm": "0.25",
        "length_mm": 40,
        "handle": "metal",
    }
    assert post(desk, "/api/v1/needle-products", product)[0] == 403
    status, created = post(owner, "/api/v1/needle-products", product)
    assert status == 201
    lot = {
        "product_id": created["id"],
        "lot_number": "API-1",
        "expires_on": (timezone.localdate() + dt.timedelta(days=400)).isoformat(),
        "quantity": 500,
        "location_id": location.pk,
    }
    status, received = post(desk, "/api/v1/needle-lots", lot)
    assert status == 201, received
    assert received["stock"] == [{"location_id": location.pk, "quantity": 500}]
    status, error = post(
        desk, "/api/v1/needle-lots", {**lot, "lot_number": "API-2", "expires_on": "2020-01-01"}
    )
    assert status == 422
    assert "expired" in str(error["detail"])
    assert (
        post(desk, "/api/v1/needle-lots", {**lot, "lot_number": "API-3", "quantity": -4})[0] == 422
    )
    assert post(desk, f"/api/v1/needle-lots/{received['id']}/recall", {"reason": "x"})[0] == 403
    assert post(owner, "/api/v1/needle-lots/999999/recall", {"reason": "x"})[0] == 404
    status, recalled = post(
        owner, f"/api/v1/needle-lots/{received['id']}/recall", {"reason": "Notice 12"}
    )
    assert status == 200
    assert recalled["recalled_at"]
    assert owner.get(f"/api/v1/needle-lots/{received['id']}/recall-report").json() == []
    elsewhere = Client(**bearer(world.olga, world.other_clinic))
    assert elsewhere.get(f"/api/v1/needle-lots/{received['id']}/recall-report").status_code in (
        403,
        404,
    )
    assert elsewhere.get("/api/v1/needle-lots").json() == []


def test_sharps_and_needlestick_over_the_api(world: World) -> None:
    location = Location.objects.create(clinic=world.clinic, name="Main", province="ON")
    desk = api(world, world.fran)
    status, container = post(
        desk,
        "/api/v1/sharps-containers",
        {"location_id": location.pk, "room": "2", "label": "SC-1"},
    )
    assert status == 201
    url = f"/api/v1/sharps-containers/{container['id']}"
    assert post(desk, f"{url}/fill", {"percent": 101})[0] == 422
    assert post(desk, f"{url}/fill", {"percent": 60})[1]["fill_percent"] == 60
    assert post(desk, f"{url}/seal", {})[1]["state"] == "sealed"
    status, done = post(
        desk, f"{url}/pickup", {"hauler": "Synthetic Haulers", "manifest_number": "M-9"}
    )
    assert status == 200
    assert done["state"] == "picked_up"
    bob = api(world, world.bob)
    status, injury = post(
        bob,
        "/api/v1/needlestick-injuries",
        {
            "occurred_at": timezone.now().isoformat(),
            "needle_used": False,
            "description": "Clean needle",
        },
    )
    assert status == 201, injury
    assert [i["id"] for i in api(world, world.uma).get("/api/v1/needlestick-injuries").json()] == []
    assert [
        i["id"] for i in api(world, world.alice).get("/api/v1/needlestick-injuries").json()
    ] == [injury["id"]]
    assert (
        post(
            api(world, world.uma),
            f"/api/v1/needlestick-injuries/{injury['id']}/checklist",
            {"washed": True},
        )[0]
        == 404
    )


def test_impossible_times_are_refused_not_crashed_on(world: World) -> None:
    bob = api(world, world.bob)
    for when in ("0001-01-01T00:00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59"):
        status, body = post(
            bob,
            "/api/v1/needlestick-injuries",
            {"occurred_at": when, "needle_used": False, "description": "x"},
        )
        assert status == 422, (when, body)
