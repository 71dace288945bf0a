"""What a secondary plan is asked for: one rule (``insurance.benefits.secondary_claim_amount``)
for a secondary claim drafted by hand, one drafted when the primary answers, and one sent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from filiform.billing.models import Invoice
from filiform.billing.payments import payment_record
from filiform.insurance.benefits import secondary_claim_amount
from filiform.insurance.claims import claim_adjudicate, claim_draft, claim_submit
from filiform.insurance.models import Claim
from tests.conftest import World
from tests.insurance.claim_fixtures import acting, billed_invoice, key, policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(world: World) -> tuple[Invoice, Claim]:
    """$110.00 of insured services; the patient paid $50.00 at the desk; the primary plan was
    asked for the whole charge and paid $40.00. The invoice still owes $20.00."""
    invoice = billed_invoice(world)
    fran = acting(world, "fran")
    payment_record(
        access=fran, invoice_id=invoice.pk, amount="50.00", method="debit", idempotency_key=key()
    )
    policy(world, rank=1)
    primary = claim_draft(access=fran, invoice_id=invoice.pk)
    assert primary.claimed_amount == Decimal("110.00")  # the plan pays on the charge
    claim_submit(access=fran, claim_id=primary.pk)
    return invoice, primary


def test_a_secondary_drafted_by_hand_asks_what_the_primary_left_up_to_the_balance(
    world: World, invoice: tuple[Invoice, Claim]
) -> None:
    """The case where the three computations disagreed: drafted by hand, the secondary asked
    for $70.00 (insured - primary paid), while one drafted on the primary's answer and one
    sent asked for $20.00 (the same, capped at the balance). $20.00 is right: the invoice owes
    no more, and an insurer's payment above the balance is refused."""
    billed, primary = invoice
    fran, bill = acting(world, "fran"), acting(world, "bill")
    claim_adjudicate(access=bill, claim_id=primary.pk, paid_amount="40.00", denial_reason="Max")
    billed.refresh_from_db()
    assert billed.balance == Decimal("20.00")
    # the secondary plan is added after the primary answered: nothing was drafted for it
    second = policy(world, rank=2, insurer="manulife", relationship="spouse")
    assert not Claim.objects.filter(invoice=billed, sequence=2).exists()

    secondary = claim_draft(access=fran, invoice_id=billed.pk, policy_id=second.pk)
    assert secondary.claimed_amount == Decimal("20.00") == secondary_claim_amount(billed)
    sent = claim_submit(access=fran, claim_id=secondary.pk)
    assert sent.claimed_amount == Decimal("20.00")  # nothing to bring up to date when sent


def test_a_secondary_drafted_on_the_primarys_answer_asks_the_same(
    world: World, invoice: tuple[Invoice, Claim]
) -> None:
    billed, primary = invoice
    policy(world, rank=2, insurer="manulife", relationship="spouse")
    claim_adjudicate(
        access=acting(world, "bill"), claim_id=primary.pk, paid_amount="40.00", denial_reason="Max"
    )
    secondary = Claim.objects.get(invoice=billed, sequence=2)
    billed.refresh_from_db()
    assert secondary.claimed_amount == Decimal("20.00") == secondary_claim_amount(billed)
