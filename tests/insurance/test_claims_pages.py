"""Claims pages: "Bill insurer" from an invoice, the queue with its filters, a claim's page
with the actions its status allows (submit at the desk; the insurer's answer, close and
resubmit for billing), form errors shown in place, and the insurer connections."""

from __future__ import annotations

import pytest
from django.urls import reverse

from filiform.billing.models import Invoice
from filiform.insurance.models import Claim, InsurerConnection
from tests.conftest import World, client_for
from tests.insurance.claim_fixtures import balances, billed_invoice, insurer_of, policy

pytestmark = pytest.mark.django_db
SLUG = "riverside-test"


@pytest.fixture
def invoice(world: World) -> Invoice:
    return billed_invoice(world)


def _url(name: str, **kwargs: int) -> str:
    return reverse(f"claims:{name}", kwargs={"clinic_slug": SLUG, **kwargs})


def test_bill_insurer_submit_adjudicate_resubmit(world: World, invoice: Invoice) -> None:
    primary = policy(world)
    fran, bill = client_for(world.fran), client_for(world.bill)

    page = fran.get(_url("draft_for_invoice", invoice_id=invoice.pk))
    assert page.status_code == 200
    assert "Sun Life" in page.content.decode()
    drafted = fran.post(_url("draft_for_invoice", invoice_id=invoice.pk), {"policy": primary.pk})
    claim = Claim.objects.get()
    assert drafted["Location"] == _url("detail", claim_id=claim.pk)
    twice = fran.post(_url("draft_for_invoice", invoice_id=invoice.pk), {"policy": primary.pk})
    assert twice.status_code == 422
    assert "still open" in twice.content.decode()

    detail = fran.get(_url("detail", claim_id=claim.pk)).content.decode()
    assert 'data-testid="submit-claim"' in detail
    assert "T-100" in detail
    assert 'data-testid="adjudication-form"' not in detail
    fran.post(_url("submit", claim_id=claim.pk))
    claim.refresh_from_db()
    assert claim.status == "submitted"
    assert (
        'data-testid="adjudication-form"'
        not in fran.get(_url("detail", claim_id=claim.pk)).content.decode()
    )
    assert fran.post(_url("adjudicate", claim_id=claim.pk), {"paid_amount": "0"}).status_code == 403

    detail = bill.get(_url("detail", claim_id=claim.pk)).content.decode()
    assert 'data-testid="adjudication-form"' in detail
    refused = bill.post(_url("adjudicate", claim_id=claim.pk), {"paid_amount": "150"})
    assert refused.status_code == 422
    assert "The insurer cannot pay more than was claimed ($110.00)." in refused.content.decode()
    missing = bill.post(_url("adjudicate", claim_id=claim.pk), {"paid_amount": "0"})
    assert "Give the insurer&#x27;s reason" in missing.content.decode()
    done = bill.post(
        _url("adjudicate", claim_id=claim.pk),
        {"paid_amount": "0", "denial_reason": "Member not on file", "insurer_reference": "R-1"},
        follow=True,
    )
    text = done.content.decode()
    assert "Denied" in text
    assert "The patient now owes $110.00" in text
    assert 'data-testid="resubmit-claim"' in text

    moved = bill.post(_url("resubmit", claim_id=claim.pk))
    new = Claim.objects.get(resubmission_of=claim)
    assert moved["Location"] == _url("detail", claim_id=new.pk)
    fran.post(_url("submit", claim_id=new.pk))
    bill.post(_url("adjudicate", claim_id=new.pk), {"paid_amount": "110.00"})
    bill.post(_url("close", claim_id=new.pk), {"note": "paid"})
    new.refresh_from_db()
    assert (new.status, new.outcome) == ("closed", "paid")
    assert balances(invoice).status == "paid"

    queue = bill.get(_url("queue")).content.decode()
    assert f'data-claim="{new.pk}"' not in queue  # open claims by default
    everything = bill.get(_url("queue") + "?status=all").content.decode()
    assert f'data-claim="{new.pk}"' in everything
    assert f'data-claim="{claim.pk}"' in everything
    closed = bill.get(_url("queue") + f"?status=closed&insurer={insurer_of('manulife').pk}")
    assert 'data-testid="claim-row"' not in closed.content.decode()
    assert client_for(world.olga).get(_url("detail", claim_id=new.pk)).status_code == 404


def test_insurer_connections_page(world: World) -> None:
    alice = client_for(world.alice)
    page = alice.get(_url("connections"))
    assert page.status_code == 200
    assert "GreenShield" in page.content.decode()
    sun_life = insurer_of("sun-life").pk
    bad = alice.post(
        _url("connections"),
        {"insurer_id": sun_life, f"i{sun_life}-channel": "fhir", f"i{sun_life}-endpoint": ""},
    )
    assert bad.status_code == 422
    assert "FHIR endpoint" in bad.content.decode()
    loopback = alice.post(
        _url("connections"),
        {
            "insurer_id": sun_life,
            f"i{sun_life}-channel": "fhir",
            f"i{sun_life}-endpoint": "http://127.0.0.1:8080/fhir",
        },
    )
    assert loopback.status_code == 422
    assert "https://" in loopback.content.decode()
    assert not InsurerConnection.objects.filter(insurer_id=sun_life).exists()
    alice.post(
        _url("connections"),
        {
            "insurer_id": sun_life,
            f"i{sun_life}-channel": "fhir",
            f"i{sun_life}-endpoint": "https://fhir.sunlife.test/r4",
            f"i{sun_life}-provider_number": "P-9",
        },
    )
    saved = InsurerConnection.objects.get(insurer_id=sun_life)
    assert (saved.channel, saved.endpoint, saved.provider_number) == (
        "fhir",
        "https://fhir.sunlife.test/r4",
        "P-9",
    )
    assert client_for(world.fran).get(_url("connections")).status_code == 403


def test_billing_withdraws_a_draft_from_its_page(world: World, invoice: Invoice) -> None:
    primary = policy(world)
    fran, bill = client_for(world.fran), client_for(world.bill)
    fran.post(_url("draft_for_invoice", invoice_id=invoice.pk), {"policy": primary.pk})
    claim = Claim.objects.get()
    assert "Withdraw the draft" not in fran.get(_url("detail", claim_id=claim.pk)).content.decode()
    detail = bill.get(_url("detail", claim_id=claim.pk)).content.decode()
    assert "Withdraw the draft (never sent)" in detail
    bill.post(_url("close", claim_id=claim.pk), {"note": "Drafted for the wrong patient"})
    claim.refresh_from_db()
    assert (claim.status, claim.outcome) == ("closed", "")
    page = bill.get(_url("detail", claim_id=claim.pk)).content.decode()
    assert "Drafted for the wrong patient" in page
    assert 'data-testid="close-claim"' not in page
