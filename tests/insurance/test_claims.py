"""The claim lifecycle through the insurer-portal adapter: drafted at the desk, submitted,
the insurer's answer typed by billing staff, closed or resubmitted; coordination of benefits
(primary, then secondary for what it left); the patient's portion; and bad input refused
with nothing written. The invoice balances after every step."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from filiform.billing.close import daily_close
from filiform.billing.models import Invoice, Payment, PaymentMethod
from filiform.billing.payments import payment_record
from filiform.billing.selectors import clinic_today, daily_takings
from filiform.insurance.claims import (
    claim_adjudicate,
    claim_close,
    claim_draft,
    claim_resubmit,
    claim_submit,
)
from filiform.insurance.models import Claim, ClaimEvent, CoverageUsage
from filiform.practitioners.models import Registration
from tests.conftest import World
from tests.insurance.claim_fixtures import acting, balances, billed_invoice, key, policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(world: World) -> Invoice:
    return billed_invoice(world)


def _notes(claim: Claim) -> list[str]:
    return list(ClaimEvent.objects.filter(claim=claim).values_list("note", flat=True))


def test_denied_claim_is_resubmitted_and_paid(world: World, invoice: Invoice) -> None:
    primary = policy(world)
    fran, bill = acting(world, "fran"), acting(world, "bill")

    claim = claim_draft(access=fran, invoice_id=invoice.pk)
    assert (claim.status, claim.sequence, claim.channel) == ("draft", 1, "portal")
    assert claim.policy == primary
    assert claim.claimed_amount == Decimal("110.00")
    assert claim.registration_number == "T-100"
    assert claim.practitioner_designation == "Registered Physiotherapist"
    assert claim.practitioner_name.startswith("Bob")
    with pytest.raises(ValidationError, match="still open"):
        claim_draft(access=fran, invoice_id=invoice.pk)

    claim = claim_submit(access=fran, claim_id=claim.pk)
    assert claim.status == "submitted"
    assert claim.request["resourceType"] == "Claim"
    assert claim.request["total"]["value"] == 110
    with pytest.raises(ValidationError, match=r"This claim was already submitted\."):
        claim_submit(access=fran, claim_id=claim.pk)
    with pytest.raises(PermissionDenied):  # the desk does not record adjudications
        claim_adjudicate(access=fran, claim_id=claim.pk, paid_amount="110")

    with pytest.raises(ValidationError) as missing:
        claim_adjudicate(access=bill, claim_id=claim.pk, paid_amount="0")
    assert "denial_reason" in missing.value.message_dict
    claim = claim_adjudicate(
        access=bill,
        claim_id=claim.pk,
        paid_amount="0",
        denial_reason="Member id not found",
        insurer_reference="SL-555",
    )
    assert (claim.status, claim.outcome, claim.paid_amount) == ("adjudicated", "denied", 0)
    assert claim.patient_portion == Decimal("110.00")
    assert balances(invoice).balance == Decimal("110.00")
    assert CoverageUsage.objects.get(claim=claim).insurer_paid == 0
    with pytest.raises(ValidationError, match="already adjudicated"):
        claim_adjudicate(access=bill, claim_id=claim.pk, paid_amount="0", denial_reason="x")

    again = claim_resubmit(access=bill, claim_id=claim.pk, note="Member id corrected")
    claim.refresh_from_db()
    assert claim.status == "closed"
    assert (again.status, again.resubmission_of, again.claimed_amount) == (
        "draft",
        claim,
        Decimal("110.00"),
    )
    with pytest.raises(ValidationError, match="already resubmitted"):
        claim_resubmit(access=bill, claim_id=claim.pk)

    claim_submit(access=fran, claim_id=again.pk)
    again = claim_adjudicate(access=bill, claim_id=again.pk, paid_amount="$110.00")
    assert (again.outcome, again.patient_portion) == ("paid", Decimal("0.00"))
    invoice = balances(invoice)
    assert (invoice.status, invoice.insurer_paid, invoice.paid) == ("paid", 110, 0)
    assert Payment.objects.get(invoice=invoice).method == PaymentMethod.INSURER
    assert any("Patient portion invoiced: $0.00" in n for n in _notes(again))
    with pytest.raises(ValidationError, match="nothing to resubmit"):
        claim_resubmit(access=bill, claim_id=again.pk)

    again = claim_close(access=bill, claim_id=again.pk, note="Paid")
    assert again.status == "closed"
    with pytest.raises(ValidationError, match="already closed"):
        claim_close(access=bill, claim_id=again.pk)
    steps = list(ClaimEvent.objects.filter(claim=again).values_list("status", flat=True))
    assert steps == ["draft", "submitted", "adjudicated", "adjudicated", "closed"]

    # the insurer's money is not desk takings: today's takings and close leave it out
    today = clinic_today(world.clinic)
    assert daily_takings(access=bill, business_date=today).net_total == 0
    close = daily_close(access=bill, business_date=today, counted_cash="0")
    assert (close.net_total, close.payment_count) == (0, 0)


def test_partly_paid_primary_then_secondary_then_patient(world: World, invoice: Invoice) -> None:
    policy(world, rank=1)
    secondary_policy = policy(world, rank=2, insurer="manulife", relationship="spouse")
    fran, bill = acting(world, "fran"), acting(world, "bill")

    with pytest.raises(ValidationError, match="primary plan first"):
        claim_draft(access=fran, invoice_id=invoice.pk, policy_id=secondary_policy.pk)
    primary = claim_draft(access=fran, invoice_id=invoice.pk)
    claim_submit(access=fran, claim_id=primary.pk)
    with pytest.raises(ValidationError) as wrong:
        claim_adjudicate(
            access=bill, claim_id=primary.pk, paid_amount="88", outcome="paid", denial_reason="x"
        )
    assert "outcome" in wrong.value.message_dict
    primary = claim_adjudicate(
        access=bill,
        claim_id=primary.pk,
        paid_amount="88.00",
        denial_reason="80 % coinsurance",
    )
    assert primary.outcome == "partly_paid"
    assert balances(invoice).balance == Decimal("22.00")

    secondary = Claim.objects.get(invoice=invoice, sequence=2)
    assert (secondary.status, secondary.policy, secondary.claimed_amount) == (
        "draft",
        secondary_policy,
        Decimal("22.00"),
    )
    assert any("Secondary claim" in n for n in _notes(primary))
    assert not any("Patient portion invoiced" in n for n in _notes(primary))

    claim_submit(access=fran, claim_id=secondary.pk)
    with pytest.raises(ValidationError, match=r"more than was claimed \(\$22.00\)"):
        claim_adjudicate(access=bill, claim_id=secondary.pk, paid_amount="30")
    secondary = claim_adjudicate(
        access=bill,
        claim_id=secondary.pk,
        paid_amount="12.00",
        deductible_applied="10.00",
        denial_reason="Deductible",
    )
    assert (secondary.outcome, secondary.patient_portion) == ("partly_paid", Decimal("10.00"))
    assert any("Patient portion invoiced: $10.00" in n for n in _notes(secondary))
    usage = CoverageUsage.objects.get(claim=secondary)
    assert (usage.insurer_paid, usage.deductible_applied) == (12, 10)
    invoice = balances(invoice)
    assert (invoice.insurer_paid, invoice.balance, invoice.status) == (100, 10, "issued")

    payment_record(
        access=fran, invoice_id=invoice.pk, amount="10.00", method="debit", idempotency_key=key()
    )
    invoice = balances(invoice)
    assert (invoice.paid, invoice.balance, invoice.status) == (10, 0, "paid")
    assert daily_takings(access=bill, business_date=clinic_today(world.clinic)).net_total == 10


def test_bad_input_is_refused_and_nothing_is_written(world: World, invoice: Invoice) -> None:
    fran, bill = acting(world, "fran"), acting(world, "bill")
    with pytest.raises(ValidationError, match="no active primary policy"):
        claim_draft(access=fran, invoice_id=invoice.pk)
    lapsed = policy(world, ends_on=invoice.date_of_service.replace(year=2021))
    with pytest.raises(ValidationError, match="not in force"):
        claim_draft(access=fran, invoice_id=invoice.pk, policy_id=lapsed.pk)
    lapsed.is_active = False
    lapsed.save()
    policy(world)

    # another clinic's invoice does not exist for Olga
    with pytest.raises(Http404):
        claim_draft(access=acting(world, "olga"), invoice_id=invoice.pk)

    # no registration number on file: refused, naming the practitioner and the fix
    registration = Registration.objects.get(membership__user=world.bob)
    Registration.objects.filter(pk=registration.pk).update(entered_in_error_at=timezone.now())
    with pytest.raises(ValidationError) as refused:
        claim_draft(access=fran, invoice_id=invoice.pk)
    text = refused.value.message_dict["registration_number"][0]
    assert text.startswith("Test Person") or text.startswith("Bob")
    assert "has no registration number on file; insurers reject claims without one." in text
    assert "Add it under Credentials." in text
    assert not Claim.objects.exists()
    Registration.objects.filter(pk=registration.pk).update(entered_in_error_at=None)

    claim = claim_draft(access=fran, invoice_id=invoice.pk)
    with pytest.raises(ValidationError, match="Submit the claim before"):
        claim_adjudicate(access=bill, claim_id=claim.pk, paid_amount="10", denial_reason="x")
    with pytest.raises(ValidationError, match="Only a claim the insurer has answered"):
        claim_resubmit(access=bill, claim_id=claim.pk)
    claim_submit(access=fran, claim_id=claim.pk)
    with pytest.raises(ValidationError, match="waiting for the insurer cannot be closed"):
        claim_close(access=bill, claim_id=claim.pk)

    # the patient paid $50.00 at the desk: the insurer cannot be posted more than the $60.00 left
    payment_record(
        access=fran, invoice_id=invoice.pk, amount="50", method="cash", idempotency_key=key()
    )
    for amount, field, message in [
        ("111", "paid_amount", "The insurer cannot pay more than was claimed ($110.00)."),
        ("88", "paid_amount", "more than the invoice's balance ($60.00)"),
        ("-5", "paid_amount", "cannot be negative"),
        ("12.345", "paid_amount", "two decimals"),
        ("abc", "paid_amount", "dollars and cents"),
    ]:
        with pytest.raises(ValidationError) as error:
            claim_adjudicate(access=bill, claim_id=claim.pk, paid_amount=amount, denial_reason="r")
        assert message in error.value.message_dict[field][0]
    with pytest.raises(ValidationError) as error:
        claim_adjudicate(
            access=bill,
            claim_id=claim.pk,
            paid_amount="40",
            deductible_applied="80",
            denial_reason="r",
        )
    assert "deductible_applied" in error.value.message_dict
    claim.refresh_from_db()
    assert claim.status == "submitted"
    assert not CoverageUsage.objects.exists()
    assert not Payment.objects.filter(method=PaymentMethod.INSURER).exists()
    invoice = balances(invoice)
    assert invoice.balance == Decimal("60.00")

    claim = claim_adjudicate(
        access=bill, claim_id=claim.pk, paid_amount="60", denial_reason="Patient paid part"
    )
    assert (claim.outcome, claim.patient_portion) == ("partly_paid", 0)
    assert balances(invoice).status == "paid"


def test_secondary_claims_what_the_primary_left_when_sent(world: World, invoice: Invoice) -> None:
    """Primary denied → secondary drafted for everything; the primary is then resubmitted and
    paid in part: the secondary, sent now, asks only for what is left."""
    policy(world, rank=1)
    policy(world, rank=2, insurer="manulife", relationship="spouse")
    fran, bill = acting(world, "fran"), acting(world, "bill")
    first = claim_draft(access=fran, invoice_id=invoice.pk)
    claim_submit(access=fran, claim_id=first.pk)
    claim_adjudicate(access=bill, claim_id=first.pk, paid_amount="0", denial_reason="No referral")
    secondary = Claim.objects.get(invoice=invoice, sequence=2)
    assert secondary.claimed_amount == Decimal("110.00")

    again = claim_resubmit(access=bill, claim_id=first.pk, note="Referral sent")
    with pytest.raises(ValidationError, match="still waiting for an answer"):
        claim_submit(access=fran, claim_id=secondary.pk)  # the primary is pending again
    claim_submit(access=fran, claim_id=again.pk)
    claim_adjudicate(access=bill, claim_id=again.pk, paid_amount="80.00", denial_reason="Max")

    secondary = claim_submit(access=fran, claim_id=secondary.pk)
    assert (secondary.status, secondary.claimed_amount) == ("submitted", Decimal("30.00"))
    assert any("→ $30.00" in n for n in _notes(secondary))
    with pytest.raises(ValidationError, match="more than was claimed"):
        claim_adjudicate(access=bill, claim_id=secondary.pk, paid_amount="88.00")
    claim_adjudicate(access=bill, claim_id=secondary.pk, paid_amount="24.00", denial_reason="80 %")
    assert balances(invoice).balance == Decimal("6.00")


def test_an_invoice_waiting_for_an_insurer_is_not_voided(world: World, invoice: Invoice) -> None:
    from filiform.billing.invoices import invoice_void

    policy(world)
    fran, bill = acting(world, "fran"), acting(world, "bill")
    claim = claim_draft(access=fran, invoice_id=invoice.pk)
    claim_submit(access=fran, claim_id=claim.pk)
    with pytest.raises(ValidationError, match="waiting for the insurer"):
        invoice_void(access=bill, invoice_id=invoice.pk, reason="Billed twice")
    assert balances(invoice).status == "issued"
    claim_adjudicate(access=bill, claim_id=claim.pk, paid_amount="0", denial_reason="Not covered")
    assert invoice_void(access=bill, invoice_id=invoice.pk, reason="Billed twice").status == "void"


def test_a_draft_drafted_by_mistake_is_withdrawn(world: World, invoice: Invoice) -> None:
    policy(world)
    fran, bill = acting(world, "fran"), acting(world, "bill")
    wrong = claim_draft(access=fran, invoice_id=invoice.pk)
    with pytest.raises(PermissionDenied):  # withdrawing is billing's, like closing
        claim_close(access=fran, claim_id=wrong.pk)
    wrong = claim_close(access=bill, claim_id=wrong.pk)
    assert (wrong.status, wrong.outcome, wrong.submitted_at) == ("closed", "", None)
    assert _notes(wrong)[-1] == "Draft withdrawn: never sent to the insurer."
    assert balances(invoice).balance == Decimal("110.00")  # nothing moved
    with pytest.raises(ValidationError, match="This claim is closed"):
        claim_submit(access=fran, claim_id=wrong.pk)
    again = claim_draft(access=fran, invoice_id=invoice.pk)  # the same plan may be drafted anew
    assert again.status == "draft"
