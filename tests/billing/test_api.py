"""The billing API: fees, invoicing a visit, reading and issuing, voiding, the receipt PDF,
payments with one-time keys (the same key twice applies once and returns the first),
refunds, credits, write-offs, takings and the close; amounts as text (a JSON number is
refused), bad input as 4xx JSON, another clinic's ids as 404, refused roles as 403."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from filiform.billing.models import Invoice, Payment, Service
from filiform.billing.selectors import invoice_check
from filiform.charting.models import Visit
from tests.aftercare.needled import cleared, needled_visit
from tests.billing.conftest import key
from tests.conftest import World, bearer

V1 = "/api/v1"


def api(user: Any, clinic: Any) -> Client:
    return Client(**bearer(user, clinic))


def send(client: Client, method: str, url: str, body: Any = None, **headers: Any) -> Any:
    response = client.generic(
        method,
        V1 + url,
        "" if body is None else json.dumps(body),
        content_type="application/json",
        **headers,
    )
    assert response.status_code < 500, response.content
    return response


@pytest.fixture
def signed(world: World, fees: dict[str, Service]) -> Visit:
    cleared(world)
    return needled_visit(world)


def test_fees_read_by_all_set_by_billing(world: World, fees: dict[str, Service]) -> None:
    fran, alice = api(world.fran, world.clinic), api(world.alice, world.clinic)
    listed = send(fran, "GET", "/fees").json()
    assert {f["code"] for f in listed} == {"assess", "treat", "ims", "tape"}
    tape = next(f for f in listed if f["code"] == "tape")
    assert (tape["fee"], tape["tax_rate"], tape["taxable"]) == ("9.99", "13.000", True)
    new = {
        "code": "reassess",
        "name": "Reassessment",
        "kind": "assessment",
        "duration_minutes": 30,
        "fee": "85.00",
    }
    assert send(fran, "POST", "/fees", new).status_code == 403
    assert send(alice, "POST", "/fees", {**new, "fee": 85.0}).status_code == 422  # a number
    bad = send(alice, "POST", "/fees", {**new, "fee": "85.001"})
    assert bad.status_code == 422
    assert "two decimals" in json.dumps(bad.json())
    assert send(alice, "POST", "/fees", {**new, "kind": "magic"}).status_code == 422
    assert send(alice, "POST", "/fees", {**new, "effective_from": 0}).status_code == 422
    made = send(alice, "POST", "/fees", new)
    assert made.status_code == 201
    assert made.json()["fee"] == "85.00"
    assert send(api(world.olga, world.other_clinic), "GET", "/fees").json() == []


def test_invoice_pay_twice_with_one_key_and_receipt(world: World, signed: Visit) -> None:
    fran = api(world.fran, world.clinic)
    made = send(fran, "POST", f"/visits/{signed.pk}/invoice", {})
    assert made.status_code == 201
    invoice = made.json()
    assert (invoice["total"], invoice["balance"], invoice["status"]) == (
        "110.00",
        "110.00",
        "issued",
    )
    assert invoice["lines"][0]["service_code"] == "ims"
    again = send(fran, "POST", f"/visits/{signed.pk}/invoice", {})
    assert again.status_code == 422
    assert "already has invoice" in json.dumps(again.json())
    pay = f"/invoices/{invoice['id']}/payments"
    one = key()
    for body, status in (
        ({"amount": 40, "method": "cash", "idempotency_key": one}, 422),  # a JSON number
        ({"amount": "abc", "method": "cash", "idempotency_key": one}, 422),
        ({"amount": "-1", "method": "cash", "idempotency_key": one}, 422),
        ({"amount": "110.01", "method": "cash", "idempotency_key": one}, 422),
        ({"amount": "10", "method": "bitcoin", "idempotency_key": one}, 422),
        ({"amount": "10", "method": "cash"}, 422),  # no key
        ({"method": "cash", "idempotency_key": one}, 422),  # no amount
        ({"amount": "10", "method": "cash", "idempotency_key": "short"}, 422),
    ):
        assert send(fran, "POST", pay, body).status_code == status, body
    assert not Payment.objects.exists()
    first = send(fran, "POST", pay, {"amount": "40.00", "method": "cash"}, HTTP_IDEMPOTENCY_KEY=one)
    assert first.status_code == 201
    replay = send(fran, "POST", pay, {"amount": "40.00", "method": "cash", "idempotency_key": one})
    assert replay.status_code == 200
    assert replay.json()["id"] == first.json()["id"]
    assert Payment.objects.count() == 1
    other = send(fran, "POST", pay, {"amount": "41.00", "method": "cash", "idempotency_key": one})
    assert other.status_code == 422  # the key was used for something else
    assert (
        send(
            fran, "POST", pay, {"amount": "70", "method": "debit", "idempotency_key": key()}
        ).status_code
        == 201
    )
    read = send(fran, "GET", f"/invoices/{invoice['id']}").json()
    assert (read["status"], read["paid"], read["balance"]) == ("paid", "110.00", "0.00")
    assert [p["amount"] for p in read["payments"]] == ["40.00", "70.00"]
    assert invoice_check(Invoice.objects.get(pk=invoice["id"])) == []

    pdf = fran.get(f"{V1}/invoices/{invoice['id']}/receipt.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split())
    assert "Paid in full" in text
    assert "T-100" in text
    listed = send(fran, "GET", "/invoices", None).json()
    assert listed["count"] == 1
    assert send(fran, "GET", "/invoices?status=void").json()["count"] == 0
    assert send(fran, "GET", f"/invoices?patient_id={world.patient.pk}").json()["count"] == 1
    assert send(fran, "GET", "/invoices?status=nonsense").status_code == 422

    olga = api(world.olga, world.other_clinic)
    refused: tuple[tuple[str, str, Any], ...] = (
        ("GET", f"/invoices/{invoice['id']}", None),
        ("POST", pay, {"amount": "1", "method": "cash", "idempotency_key": key()}),
        ("POST", f"/visits/{signed.pk}/invoice", {}),
        ("GET", f"/invoices/{invoice['id']}/receipt.pdf", None),
        ("POST", f"/invoices/{invoice['id']}/issue", None),
    )
    for method, url, body in refused:
        assert send(olga, method, url, body).status_code == 404, url
    assert send(olga, "GET", "/invoices").json()["count"] == 0


def test_refund_credit_write_off_void_and_close(world: World, signed: Visit) -> None:
    fran, bill = api(world.fran, world.clinic), api(world.bill, world.clinic)
    invoice = send(fran, "POST", f"/visits/{signed.pk}/invoice", {"issue": False}).json()
    assert invoice["status"] == "draft"
    pay = f"/invoices/{invoice['id']}/payments"
    assert (
        send(
            fran, "POST", pay, {"amount": "1", "method": "cash", "idempotency_key": key()}
        ).status_code
        == 422
    )
    assert send(fran, "POST", f"/invoices/{invoice['id']}/issue").json()["status"] == "issued"
    assert send(fran, "POST", f"/invoices/{invoice['id']}/issue").status_code == 422
    paid = send(
        fran, "POST", pay, {"amount": "60", "method": "cash", "idempotency_key": key()}
    ).json()

    refund = f"/payments/{paid['id']}/refunds"
    body = {"amount": "10", "reason": "Overcharged", "idempotency_key": key()}
    assert send(fran, "POST", refund, body).status_code == 403
    assert send(bill, "POST", refund, {**body, "amount": "61"}).status_code == 422
    assert send(bill, "POST", refund, {**body, "reason": ""}).status_code == 422
    made = send(bill, "POST", refund, body)
    assert made.status_code == 201
    assert (made.json()["kind"], made.json()["method"]) == ("refund", "cash")
    assert send(bill, "POST", refund, body).status_code == 200  # the same key
    assert (
        send(
            bill, "POST", "/payments/999999/refunds", {**body, "idempotency_key": key()}
        ).status_code
        == 404
    )

    adjust = {"amount": "20", "reason": "Package", "idempotency_key": key()}
    assert send(fran, "POST", f"/invoices/{invoice['id']}/credits", adjust).status_code == 403
    assert send(bill, "POST", f"/invoices/{invoice['id']}/credits", adjust).status_code == 201
    over = send(
        bill,
        "POST",
        f"/invoices/{invoice['id']}/write-offs",
        {**adjust, "amount": "40.01", "idempotency_key": key()},
    )
    assert over.status_code == 422
    assert "the balance is $40.00" in json.dumps(over.json())
    assert (
        send(
            bill,
            "POST",
            f"/invoices/{invoice['id']}/write-offs",
            {**adjust, "amount": "40", "idempotency_key": key()},
        ).status_code
        == 201
    )
    read = send(bill, "GET", f"/invoices/{invoice['id']}").json()
    assert (read["status"], read["balance"], read["credited"], read["written_off"]) == (
        "paid",
        "0.00",
        "20.00",
        "40.00",
    )
    assert send(bill, "POST", f"/invoices/{invoice['id']}/void", {"reason": "x"}).status_code == 422

    other = send(fran, "POST", f"/visits/{needled_visit(world).pk}/invoice", {}).json()
    assert (
        send(fran, "POST", f"/invoices/{other['id']}/void", {"reason": "Wrong patient"}).status_code
        == 403
    )
    voided = send(bill, "POST", f"/invoices/{other['id']}/void", {"reason": "Wrong patient"})
    assert voided.json()["status"] == "void"
    assert send(fran, "GET", f"/invoices/{other['id']}/receipt.pdf").status_code == 422

    assert send(fran, "GET", "/billing/takings").status_code == 403
    takings = send(bill, "GET", "/billing/takings").json()
    assert (takings["by_method"]["cash"], takings["net_total"], takings["closed"]) == (
        "50.00",
        "50.00",
        False,
    )
    assert send(bill, "GET", "/billing/takings?date=0").status_code == 422
    day = takings["business_date"]
    assert (
        send(
            bill, "POST", "/billing/closes", {"business_date": day, "counted_cash": 50}
        ).status_code
        == 422
    )
    assert (
        send(
            bill, "POST", "/billing/closes", {"business_date": "2999-01-01", "counted_cash": "50"}
        ).status_code
        == 422
    )
    assert (
        send(
            fran, "POST", "/billing/closes", {"business_date": day, "counted_cash": "50"}
        ).status_code
        == 403
    )
    closed = send(bill, "POST", "/billing/closes", {"business_date": day, "counted_cash": "49.00"})
    assert closed.status_code == 201
    assert closed.json()["cash_difference"] == "-1.00"
    assert (
        send(
            bill, "POST", "/billing/closes", {"business_date": day, "counted_cash": "49.00"}
        ).status_code
        == 422
    )
    assert send(bill, "GET", f"/billing/takings?date={day}").json()["closed"] is True
