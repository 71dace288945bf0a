"""The insurance API over HTTP: insurers, policies (add, read, change, end), usage and
estimates; amounts as text; every bad input a 4xx JSON answer; another clinic sees nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from filiform.billing.models import Invoice
from filiform.insurance.models import Policy
from tests.conftest import World, bearer
from tests.insurance.conftest import insurer

pytestmark = pytest.mark.django_db

API = "/api/v1"


def call(world: World, who: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    user = getattr(world, who)
    clinic = world.other_clinic if who == "olga" else world.clinic
    client = Client()
    kwargs: dict[str, Any] = bearer(user, clinic)
    if body is not None:
        kwargs.update(data=body, content_type="application/json")
    response = getattr(client, method)(API + path, **kwargs)
    assert response["Content-Type"].startswith("application/json"), response.content
    return response


def card(**values: Any) -> dict[str, Any]:
    return {
        "insurer_id": insurer("canada-life").pk,
        "group_number": "G-77",
        "member_id": "M-77",
        "effective_on": "2020-01-01",
        "annual_maximum": "500.00",
        "per_visit_maximum": "80.00",
        "coinsurance_percent": "80",
        **values,
    }


def test_policies_from_adding_to_ending(world: World, invoice: Invoice) -> None:
    insurers = call(world, "fran", "get", "/insurers").json()
    assert {"sun-life", "greenshield", "canada-life"} <= {i["code"] for i in insurers}

    path = f"/patients/{world.patient.pk}/policies"
    added = call(world, "fran", "post", path, card(deductible="25"))
    assert added.status_code == 201, added.json()
    policy = added.json()
    assert policy["annual_maximum"] == "500.00"
    assert policy["deductible"] == "25.00"
    assert policy["coinsurance_percent"] == "80.00"
    assert policy["usage"]["paid"] == "0.00"
    assert policy["usage"]["left"] == "500.00"
    pid = policy["id"]

    refused = call(world, "fran", "post", path, card(coinsurance_percent="101"))
    assert refused.status_code == 422
    assert refused.json()["detail"]["coinsurance_percent"] == [
        "Coinsurance is the share the plan pays: 0 to 100 %."
    ]
    second = call(world, "fran", "post", path, card())
    assert second.status_code == 422
    assert (
        "already has an active primary policy: Canada Life G-77 / M-77"
        in (second.json()["detail"]["rank"][0])
    )

    changed = call(
        world, "bill", "patch", f"/policies/{pid}", {"per_visit_maximum": None, "deductible": "0"}
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["per_visit_maximum"] is None
    assert changed.json()["deductible"] == "0.00"

    day = invoice.date_of_service.isoformat()
    assert (
        call(
            world,
            "fran",
            "post",
            f"/policies/{pid}/usage",
            {"date_of_service": day, "insurer_paid": "60"},
        ).status_code
        == 403
    )  # billing work
    usage = call(
        world,
        "bill",
        "post",
        f"/policies/{pid}/usage",
        {"date_of_service": day, "insurer_paid": "460.00", "discipline": "chiropractic"},
    )
    assert usage.status_code == 201, usage.json()
    assert usage.json()["insurer_paid"] == "460.00"
    rows = call(world, "bob", "get", f"/policies/{pid}/usage").json()
    assert [r["discipline"] for r in rows] == ["chiropractic"]
    listed = call(world, "bob", "get", path).json()
    assert listed[0]["usage"]["paid"] == "0.00"  # a discipline maximum: chiropractic not counted

    call(world, "fran", "patch", f"/policies/{pid}", {"maximum_scope": "combined"})
    estimate = call(world, "fran", "get", f"/invoices/{invoice.pk}/estimate").json()
    assert estimate["fee"] == "110.00"
    assert estimate["insurer_pays"] == "40.00"
    assert estimate["patient_pays"] == "70.00"
    assert estimate["primary"]["steps"] == [
        "Fee $110.00",
        "80 % coinsurance → $88.00",
        "Annual maximum $500.00, used $460.00, left $40.00 → $40.00",
        "Insurer pays $40.00, you pay $70.00",
    ]
    assert estimate["secondary"] is None
    for_fee = call(
        world, "bill", "get", f"/estimates?patient_id={world.patient.pk}&fee=50&on={day}"
    ).json()
    assert (for_fee["insurer_pays"], for_fee["patient_pays"]) == ("40.00", "10.00")

    ended = call(world, "fran", "post", f"/policies/{pid}/end", {"reason": "new job"})
    assert ended.status_code == 200
    assert ended.json()["is_active"] is False
    assert (
        call(world, "fran", "get", f"/invoices/{invoice.pk}/estimate").json()["patient_pays"]
        == "110.00"
    )


def test_bad_input_is_a_4xx_and_another_clinic_sees_nothing(world: World, invoice: Invoice) -> None:
    path = f"/patients/{world.patient.pk}/policies"
    call(world, "fran", "post", path, card())
    pid = Policy.objects.get().pk
    bad = [
        ("post", path, card(effective_on=20200101)),
        ("post", path, card(effective_on="2020-13-01")),
        ("post", path, card(annual_maximum="lots")),
        ("post", path, card(insurer_id=2**63)),
        ("post", path, card(relationship="cousin")),
        ("post", path, card(group_number="a\x00b")),
        ("post", path, card(rank=3)),
        ("patch", f"/policies/{pid}", {"ends_on": "2019-12-31"}),
        ("patch", f"/policies/{pid}", {"coinsurance_percent": "NaN"}),
        ("post", f"/policies/{pid}/end", {"reason": ""}),
        ("get", f"/estimates?patient_id={world.patient.pk}&fee=-5", None),
        ("get", f"/estimates?patient_id={world.patient.pk}&fee=5&on=0001-01-01", None),
        ("get", f"/estimates?patient_id={world.patient.pk}&fee=5&on=1", None),
        ("get", f"/policies/{2**63}", None),
    ]
    for method, where, body in bad:
        response = call(world, "bill", method, where, body)
        assert 400 <= response.status_code < 500, (method, where, response.status_code)
        assert "detail" in response.json()
    assert Policy.objects.get().ends_on is None

    outsider = [
        ("get", path),
        ("get", f"/policies/{pid}"),
        ("get", f"/policies/{pid}/usage"),
        ("get", f"/invoices/{invoice.pk}/estimate"),
        ("get", f"/estimates?patient_id={world.patient.pk}&fee=10"),
    ]
    for method, where in outsider:
        response = call(world, "olga", method, where)
        assert response.status_code == 404, (where, response.status_code)
        assert "Zanzibarian" not in response.content.decode()
    assert call(world, "olga", "post", path, card()).status_code == 404
    assert call(world, "olga", "post", f"/policies/{pid}/end", {"reason": "x"}).status_code == 404
    assert Client().get(API + "/insurers").status_code == 401
