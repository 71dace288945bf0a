"""The claims API over HTTP with bearer tokens: the desk drafts and submits, billing records
the insurer's answer, closes and resubmits; the queue filters; another clinic's user gets 404,
a role without the permission 403, bad input 422 with the field named."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from filiform.billing.models import Invoice
from tests.conftest import World, bearer
from tests.insurance.claim_fixtures import balances, billed_invoice, insurer_of, policy

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def invoice(world: World) -> Invoice:
    return billed_invoice(world)


def _call(
    world: World, who: str, method: str, path: str, body: dict[str, Any] | None = None
) -> Any:
    user = getattr(world, who)
    clinic = world.other_clinic if who == "olga" else world.clinic
    send = getattr(Client(), method)
    if body is None:
        return send(API + path, **bearer(user, clinic))
    return send(API + path, body, content_type="application/json", **bearer(user, clinic))


def test_claim_lifecycle_over_the_api(world: World, invoice: Invoice) -> None:
    policy(world)
    drafted = _call(world, "fran", "post", f"/invoices/{invoice.pk}/claims", {})
    assert drafted.status_code == 201, drafted.content
    claim = drafted.json()
    assert (claim["status"], claim["claimed_amount"], claim["registration_number"]) == (
        "draft",
        "110.00",
        "T-100",
    )
    cid = claim["id"]
    assert _call(world, "olga", "get", f"/claims/{cid}").status_code == 404
    assert _call(world, "olga", "post", f"/invoices/{invoice.pk}/claims", {}).status_code == 404
    again = _call(world, "fran", "post", f"/invoices/{invoice.pk}/claims", {})
    assert again.status_code == 422
    assert "policy_id" in again.json()["detail"]

    submitted = _call(world, "fran", "post", f"/claims/{cid}/submit")
    assert submitted.json()["status"] == "submitted"
    assert _call(world, "fran", "post", f"/claims/{cid}/submit").status_code == 422

    answer = {"paid_amount": "88.00", "denial_reason": "80 % coinsurance"}
    assert _call(world, "fran", "post", f"/claims/{cid}/adjudication", answer).status_code == 403
    for bad in ({"paid_amount": 88.0}, {"paid_amount": "1e3"}, {"paid_amount": "-1"}):
        assert _call(world, "bill", "post", f"/claims/{cid}/adjudication", bad).status_code == 422
    too_much = _call(world, "bill", "post", f"/claims/{cid}/adjudication", {"paid_amount": "200"})
    assert too_much.status_code == 422
    assert too_much.json()["detail"]["paid_amount"] == [
        "The insurer cannot pay more than was claimed ($110.00)."
    ]
    adjudicated = _call(world, "bill", "post", f"/claims/{cid}/adjudication", answer)
    assert adjudicated.status_code == 200, adjudicated.content
    assert (adjudicated.json()["outcome"], adjudicated.json()["patient_portion"]) == (
        "partly_paid",
        "22.00",
    )
    assert balances(invoice).balance == 22

    queue = _call(world, "bill", "get", "/claims?status=adjudicated")
    assert [c["id"] for c in queue.json()["items"]] == [cid]
    assert _call(world, "bill", "get", "/claims?status=draft").json()["count"] == 0
    assert _call(world, "bill", "get", "/claims?status=nonsense").status_code == 422
    mine = _call(world, "bill", "get", f"/claims?patient_id={world.patient.pk}")
    assert mine.json()["count"] == 1
    assert _call(world, "olga", "get", "/claims").json()["count"] == 0

    resubmitted = _call(world, "bill", "post", f"/claims/{cid}/resubmit", {"note": "appeal"})
    assert resubmitted.status_code == 201
    new = resubmitted.json()
    assert (new["resubmission_of_id"], new["claimed_amount"]) == (cid, "22.00")

    detail = _call(world, "fran", "get", f"/claims/{cid}").json()
    assert detail["status"] == "closed"
    assert detail["fhir_claim"]["resourceType"] == "Claim"
    assert [e["status"] for e in detail["events"]][:3] == ["draft", "submitted", "adjudicated"]
    assert _call(world, "bill", "post", f"/claims/{cid}/close", {}).status_code == 422


def test_insurer_connections(world: World) -> None:
    sun_life = insurer_of("sun-life").pk
    got = _call(world, "bill", "get", f"/insurer-connections/{sun_life}")
    assert (got.status_code, got.json()["channel"]) == (200, "portal")
    fhir = {"channel": "fhir", "endpoint": "https://fhir.insurer.test/r4/", "provider_number": "P1"}
    assert _call(world, "fran", "put", f"/insurer-connections/{sun_life}", fhir).status_code == 403
    assert _call(world, "fran", "get", f"/insurer-connections/{sun_life}").status_code == 403
    saved = _call(world, "alice", "put", f"/insurer-connections/{sun_life}", fhir)
    assert saved.status_code == 200
    assert saved.json()["endpoint"] == "https://fhir.insurer.test/r4"
    for private in ("http://127.0.0.1:8080/fhir", "https://192.168.0.10/fhir"):
        refused = _call(
            world,
            "alice",
            "put",
            f"/insurer-connections/{sun_life}",
            {**fhir, "endpoint": private},
        )
        assert refused.status_code == 422
        assert "endpoint" in refused.json()["detail"]
    bad = _call(world, "alice", "put", f"/insurer-connections/{sun_life}", {"channel": "fhir"})
    assert bad.status_code == 422
    assert "endpoint" in bad.json()["detail"]
    assert _call(world, "bill", "get", "/insurer-connections/999999").status_code == 404
