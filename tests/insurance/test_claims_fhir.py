"""The claim lifecycle through the FHIR R4 adapter, against the small insurer endpoint the
suite runs on loopback (tests/insurance/fhir_endpoint.py): real HTTP, real validation on both
sides. Paid, partly paid with the secondary plan billed for the rest, denied and resubmitted,
queued, and an endpoint that is down, failing or answering garbage (the claim stays a draft)."""

from __future__ import annotations

import ipaddress
import json
import logging
import socket
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests
from django.core.exceptions import ValidationError
from fhir.resources.R4B.claim import Claim as FhirClaim

from filiform.billing.fees import fee_set
from filiform.billing.invoices import invoice_from_visit
from filiform.billing.models import Invoice
from filiform.billing.payments import payment_record
from filiform.insurance.claims import claim_adjudicate, claim_draft, claim_resubmit, claim_submit
from filiform.insurance.connections import connection_set
from filiform.insurance.models import Claim, ClaimEvent, Policy
from tests.aftercare.needled import cleared, needled_visit
from tests.conftest import World
from tests.insurance.claim_fixtures import (
    acting,
    balances,
    billed_invoice,
    insurer_of,
    key,
    policy,
)
from tests.insurance.fhir_endpoint import Endpoint, running_endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(world: World) -> Invoice:
    return billed_invoice(world)


@pytest.fixture
def endpoint(settings: Any) -> Iterator[Endpoint]:
    # the insurer stand-in listens on loopback over http: the operator's setting allows it
    settings.FILIFORM_ALLOW_PRIVATE_ENDPOINTS = True
    with running_endpoint() as running:
        yield running


def _fhir(world: World, url: str, insurer: str = "sun-life") -> None:
    connection_set(
        access=acting(world, "alice"),
        insurer_id=insurer_of(insurer).pk,
        channel="fhir",
        endpoint=url,
        provider_number="PRV-77",
    )


def _member(policy_row: Policy, member_id: str) -> None:
    Policy.objects.filter(pk=policy_row.pk).update(member_id=member_id)


def test_partly_paid_then_secondary_paid_in_full(
    world: World, invoice: Invoice, endpoint: Endpoint
) -> None:
    policy(world, rank=1, member_id="M-1")
    policy(world, rank=2, insurer="manulife", member_id="FULL-2", relationship="spouse")
    _fhir(world, endpoint.url)
    _fhir(world, endpoint.url, insurer="manulife")
    fran = acting(world, "fran")

    primary = claim_draft(access=fran, invoice_id=invoice.pk)
    assert primary.channel == "fhir"
    primary = claim_submit(access=fran, claim_id=primary.pk)
    # the insurer adjudicated in real time: 80 % of $110.00 is $88.00, over its $80.00 a visit
    assert (primary.status, primary.outcome) == ("adjudicated", "partly_paid")
    assert primary.paid_amount == Decimal("80.00")
    assert primary.insurer_reference == "INS-00001"
    assert "80 %" in primary.denial_reason
    assert primary.response["resourceType"] == "ClaimResponse"
    assert balances(invoice).insurer_paid == Decimal("80.00")

    sent = endpoint.requests[0]
    FhirClaim.model_validate(sent)
    assert sent == primary.request
    assert (sent["use"], sent["type"]["coding"][0]["code"]) == ("claim", "professional")
    assert sent["priority"]["coding"][0]["code"] == "normal"
    assert sent["insurance"] == [
        {"sequence": 1, "focal": True, "coverage": {"reference": "#coverage"}}
    ]
    practitioner = next(r for r in sent["contained"] if r["resourceType"] == "Practitioner")
    assert [i["value"] for i in practitioner["identifier"]] == ["T-100", "PRV-77"]
    assert sent["item"][0]["productOrService"]["coding"][0]["code"] == "ims"
    assert (sent["item"][0]["net"]["value"], sent["total"]["value"]) == (110, 110)

    secondary = Claim.objects.get(invoice=invoice, sequence=2)
    assert secondary.claimed_amount == Decimal("30.00")
    secondary = claim_submit(access=fran, claim_id=secondary.pk)
    assert (secondary.outcome, secondary.paid_amount, secondary.patient_portion) == (
        "paid",
        Decimal("30.00"),
        Decimal("0.00"),
    )
    assert endpoint.requests[1]["insurance"][0]["sequence"] == 2
    assert endpoint.requests[1]["total"]["value"] == 30
    invoice = balances(invoice)
    assert (invoice.status, invoice.insurer_paid, invoice.balance) == ("paid", 110, 0)


def test_error_and_denial_are_resubmitted_until_paid(
    world: World, invoice: Invoice, endpoint: Endpoint
) -> None:
    plan = policy(world, member_id="ERR-1")
    _fhir(world, endpoint.url)
    fran, bill = acting(world, "fran"), acting(world, "bill")

    first = claim_submit(access=fran, claim_id=claim_draft(access=fran, invoice_id=invoice.pk).pk)
    assert (first.outcome, first.denial_reason) == ("denied", "Member not found")
    _member(plan, "DENY-1")
    second = claim_resubmit(access=bill, claim_id=first.pk)
    second = claim_submit(access=fran, claim_id=second.pk)
    assert (second.outcome, second.denial_reason) == ("denied", "Not covered under this plan")
    assert second.patient_portion == Decimal("110.00")
    _member(plan, "FULL-1")
    third = claim_submit(access=fran, claim_id=claim_resubmit(access=bill, claim_id=second.pk).pk)
    assert (third.outcome, third.paid_amount) == ("paid", Decimal("110.00"))
    assert endpoint.requests[2]["related"][0]["claim"]["reference"] == f"Claim/{second.pk}"
    assert balances(invoice).status == "paid"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_failures_leave_the_claim_a_draft(
    world: World, invoice: Invoice, endpoint: Endpoint
) -> None:
    plan = policy(world, member_id="BROKEN-1")
    _fhir(world, endpoint.url)
    fran, bill = acting(world, "fran"), acting(world, "bill")
    claim = claim_draft(access=fran, invoice_id=invoice.pk)

    def refused(match: str) -> None:
        with pytest.raises(ValidationError, match=match):
            claim_submit(access=fran, claim_id=claim.pk)
        claim.refresh_from_db()
        assert (claim.status, claim.request, claim.insurer_reference) == ("draft", {}, "")
        assert ClaimEvent.objects.filter(claim=claim).count() == 1
        assert balances(invoice).insurer_paid == 0

    refused(r"refused the claim \(HTTP 500\)")
    _member(plan, "GARBAGE-1")
    refused("not a FHIR ClaimResponse")
    _fhir(world, f"http://127.0.0.1:{_closed_port()}/fhir")
    refused("The insurer's endpoint did not answer; the claim stays a draft, try again.")

    _fhir(world, endpoint.url)
    _member(plan, "QUEUE-1")
    claim = claim_submit(access=fran, claim_id=claim.pk)
    assert (claim.status, claim.insurer_reference) == ("submitted", "INS-00003")
    claim = claim_adjudicate(access=bill, claim_id=claim.pk, paid_amount="110")
    assert claim.outcome == "paid"
    assert balances(invoice).status == "paid"


def test_the_endpoint_refuses_an_invalid_claim(endpoint: Endpoint) -> None:
    answer = requests.post(
        endpoint.url + "/Claim", json={"resourceType": "Claim", "use": "nonsense"}, timeout=10
    )
    assert answer.status_code == 400
    assert answer.json()["resourceType"] == "OperationOutcome"


def test_a_fhir_connection_needs_an_endpoint(world: World) -> None:
    alice = acting(world, "alice")
    for bad in (
        "",
        "ftp://insurer.test/fhir",
        "https://user:pw@insurer.test/",
        "not a url",
        # without the operator's setting: http, loopback, private and link-local addresses
        "http://127.0.0.1:8080/fhir",
        "https://127.0.0.1:8443/fhir",
        "https://10.0.0.5/fhir",
        "https://[fc00::1]/fhir",
        "https://169.254.169.254/latest",
    ):
        with pytest.raises(ValidationError) as error:
            connection_set(
                access=alice, insurer_id=insurer_of("sun-life").pk, channel="fhir", endpoint=bad
            )
        assert "endpoint" in error.value.message_dict
    with pytest.raises(ValidationError):
        connection_set(access=alice, insurer_id=insurer_of("sun-life").pk, channel="fax")
    portal = connection_set(
        access=alice,
        insurer_id=insurer_of("sun-life").pk,
        channel="portal",
        endpoint="https://ignored.test",
    )
    assert (portal.channel, portal.endpoint) == ("portal", "")


def test_a_real_time_answer_over_the_balance_waits_for_staff(
    world: World, invoice: Invoice, endpoint: Endpoint
) -> None:
    policy(world, member_id="FULL-1")
    _fhir(world, endpoint.url)
    fran, bill = acting(world, "fran"), acting(world, "bill")
    payment_record(
        access=fran, invoice_id=invoice.pk, amount="50", method="cash", idempotency_key=key()
    )
    claim = claim_submit(access=fran, claim_id=claim_draft(access=fran, invoice_id=invoice.pk).pk)
    claim.refresh_from_db()
    assert (claim.status, claim.paid_amount) == ("submitted", None)
    notes = list(ClaimEvent.objects.filter(claim=claim).values_list("note", flat=True))
    assert "more than the invoice's balance ($60.00)" in notes[-1]
    assert balances(invoice).insurer_paid == 0
    claim = claim_adjudicate(
        access=bill, claim_id=claim.pk, paid_amount="60", denial_reason="Patient paid part"
    )
    assert balances(invoice).status == "paid"


def test_the_answer_body_is_never_shown(
    world: World, invoice: Invoice, endpoint: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    policy(world, member_id="ECHO-1")
    _fhir(world, endpoint.url)
    fran = acting(world, "fran")
    claim = claim_draft(access=fran, invoice_id=invoice.pk)
    with caplog.at_level(logging.WARNING), pytest.raises(ValidationError) as refused:
        claim_submit(access=fran, claim_id=claim.pk)
    shown = " ".join(refused.value.messages)
    assert "HTTP 422" in shown
    assert endpoint.requests, "the claim reached the insurer's stand-in"
    patient = world.patient
    for private in (patient.family_name, f"{patient.birth_date:%Y-%m-%d}", "Unknown member"):
        assert private not in shown
        assert private not in caplog.text
    assert "HTTP 422, application/fhir+json" in caplog.text
    claim.refresh_from_db()
    assert (claim.status, claim.response) == ("draft", {})


def test_a_name_resolving_to_loopback_is_refused_when_sending(
    world: World, invoice: Invoice, endpoint: Endpoint, settings: Any, monkeypatch: Any
) -> None:
    """DNS rebinding: a public-looking name is saved, then resolves to the server itself."""
    settings.FILIFORM_ALLOW_PRIVATE_ENDPOINTS = False
    policy(world, member_id="FULL-1")
    port = endpoint.url.split(":")[2].split("/")[0]
    _fhir(world, f"https://fhir.insurer.example:{port}/fhir/r4")  # saved: a name is not looked up
    looked_up: list[str] = []

    def loopback(host: str, port: int) -> list[Any]:
        looked_up.append(host)
        return [ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr("filiform.outgoing.resolved_addresses", loopback)
    fran = acting(world, "fran")
    claim = claim_draft(access=fran, invoice_id=invoice.pk)
    with pytest.raises(ValidationError, match="not a public https address"):
        claim_submit(access=fran, claim_id=claim.pk)
    assert looked_up == ["fhir.insurer.example"]
    assert endpoint.requests == []
    claim.refresh_from_db()
    assert (claim.status, claim.request) == ("draft", {})


def test_a_loopback_endpoint_saved_earlier_is_refused_when_sending(
    world: World, invoice: Invoice, endpoint: Endpoint, settings: Any
) -> None:
    """An endpoint saved while the operator allowed private addresses (or before this rule)
    is checked again when the claim is sent."""
    policy(world, member_id="FULL-1")
    _fhir(world, endpoint.url)
    settings.FILIFORM_ALLOW_PRIVATE_ENDPOINTS = False
    fran = acting(world, "fran")
    claim = claim_draft(access=fran, invoice_id=invoice.pk)
    with pytest.raises(ValidationError, match="not a public https address"):
        claim_submit(access=fran, claim_id=claim.pk)
    assert endpoint.requests == []


def test_only_the_insured_service_is_claimed_in_the_receipts_words(
    world: World, endpoint: Endpoint
) -> None:
    """The fee says "Acupuncture", the visit also sold tape with HST: the insurer is asked
    for the $110.00 session, as dry needling, and both plans together never for the $11.29
    of tape and tax, which stays the patient's."""
    alice, fran = acting(world, "alice"), acting(world, "fran")
    fee_set(
        access=alice,
        code="acu",
        name="Acupuncture (IMS) session",
        kind="needling",
        duration_minutes=30,
        fee="110.00",
    )
    fee_set(
        access=alice,
        code="tape",
        name="Kinesiology tape",
        kind="other",
        duration_minutes=5,
        fee="9.99",
        taxable=True,
        tax_rate="13",
    )
    cleared(world)
    invoice = invoice_from_visit(
        access=fran, visit_id=needled_visit(world).pk, service_codes=["acu", "tape"]
    )
    assert invoice.total == Decimal("121.29")
    policy(world, rank=1, member_id="M-1")
    policy(world, rank=2, insurer="manulife", member_id="FULL-2", relationship="spouse")
    _fhir(world, endpoint.url)
    _fhir(world, endpoint.url, insurer="manulife")

    primary = claim_draft(access=fran, invoice_id=invoice.pk)
    assert primary.claimed_amount == Decimal("110.00")
    primary = claim_submit(access=fran, claim_id=primary.pk)
    sent = endpoint.requests[0]
    assert "acupunctur" not in json.dumps(sent).lower()
    assert [i["productOrService"]["coding"][0]["display"] for i in sent["item"]] == [
        "dry needling (IMS) session"
    ]
    assert (sent["item"][0]["net"]["value"], sent["total"]["value"]) == (110, 110)
    assert primary.paid_amount == Decimal("80.00")

    secondary = Claim.objects.get(invoice=invoice, sequence=2)
    assert secondary.claimed_amount == Decimal("30.00")
    secondary = claim_submit(access=fran, claim_id=secondary.pk)
    assert endpoint.requests[1]["total"]["value"] == 30
    assert len(endpoint.requests[1]["item"]) == 1
    assert (secondary.paid_amount, secondary.patient_portion) == (
        Decimal("30.00"),
        Decimal("11.29"),  # the tape and its HST
    )
    assert balances(invoice).balance == Decimal("11.29")


def test_an_invoice_of_supplies_only_is_not_claimed(world: World) -> None:
    fee_set(
        access=acting(world, "alice"),
        code="tape",
        name="Kinesiology tape",
        kind="other",
        duration_minutes=5,
        fee="9.99",
        taxable=True,
        tax_rate="13",
    )
    cleared(world)
    fran = acting(world, "fran")
    invoice = invoice_from_visit(
        access=fran, visit_id=needled_visit(world).pk, service_codes=["tape"]
    )
    policy(world)
    with pytest.raises(ValidationError) as refused:
        claim_draft(access=fran, invoice_id=invoice.pk)
    assert "no insured service" in refused.value.message_dict["invoice_id"][0]
    assert not Claim.objects.filter(invoice=invoice).exists()
