"""Property tests for the money rules.

1. Rounding happens once: an invoice's tax equals the sum, line by line, of the exact product
   (Fraction arithmetic) rounded half up to the cent, and is within half a cent per line of
   the exact tax; nothing is rounded again on the way to the total.
2. Any sequence of payments, repeated submissions, refunds, credits and write-offs against an
   invoice keeps it balancing (total = paid - refunded + credited + insurer + written off +
   balance) in the stored totals, in the rows recomputed, and in a model kept here in integer
   cents; the balance never goes below zero or above the total; a refused step changes
   nothing; the same idempotency key never applies twice.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filiform.billing.models import Invoice, Payment
from filiform.billing.money import invoice_totals
from filiform.billing.payments import credit_apply, payment_record, refund_record, write_off
from filiform.billing.selectors import invoice_balance, invoice_check
from tests.billing.conftest import acting
from tests.conftest import World

RATES = [Decimal(r) for r in ("0", "5", "13", "14.975", "15", "11", "12", "0.001", "29.999")]
cents = st.integers(min_value=0, max_value=10_000_000)  # $0.00 to $100,000.00


def half_up_cents(value: Fraction) -> Fraction:
    """Round a non-negative exact amount to the cent, half up, with no Decimal involved."""
    hundredths = value * 100
    whole = hundredths.numerator // hundredths.denominator
    if hundredths - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole, 100)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 20), cents, st.sampled_from(RATES)), min_size=1, max_size=12)
)
def test_tax_is_rounded_once_per_line(lines: list[tuple[int, int, Decimal]]) -> None:
    priced = [(q, Decimal(c) / 100, rate) for q, c, rate in lines]
    amounts, subtotal, tax, total = invoice_totals(priced)
    exact_tax = Fraction(0)
    expected_tax = Fraction(0)
    for (quantity, fee_cents, rate), (amount, line_tax) in zip(lines, amounts, strict=True):
        exact_amount = Fraction(quantity * fee_cents, 100)
        assert Fraction(amount) == exact_amount  # a line's amount is never rounded
        exact = exact_amount * Fraction(rate) / 100
        exact_tax += exact
        expected_tax += half_up_cents(exact)
        assert Fraction(line_tax) == half_up_cents(exact)
    assert Fraction(tax) == expected_tax
    assert abs(Fraction(tax) - exact_tax) <= Fraction(1, 200) * len(lines)
    assert total == subtotal + tax
    for value in (subtotal, tax, total):
        assert value == value.quantize(Decimal("0.01"))


# One step against the invoice: (what, amount in cents, which earlier payment / key).
steps = st.lists(
    st.tuples(
        st.sampled_from(["pay", "pay", "pay_again", "refund", "credit", "write_off"]),
        st.integers(min_value=-500, max_value=15_000),
        st.integers(min_value=0, max_value=9),
    ),
    min_size=1,
    max_size=12,
)


@pytest.fixture
def invoice_for_properties(world: World, invoice: Invoice) -> tuple[World, Invoice]:
    return world, invoice


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=steps)
def test_any_sequence_keeps_the_invoice_balancing(
    invoice_for_properties: tuple[World, Invoice], sequence: list[tuple[str, int, int]]
) -> None:
    world, invoice = invoice_for_properties
    fran, bill = acting(world, "fran"), acting(world, "bill")
    savepoint = transaction.savepoint()  # every example starts from the fresh $110.00 invoice
    try:
        total = int(invoice.total * 100)
        model = {"paid": 0, "refunded": 0, "credited": 0, "written_off": 0}
        payments: list[tuple[int, str, int]] = []  # (payment id, key, cents)
        refunded_of: dict[int, int] = {}

        def balance() -> int:
            return (
                total - model["paid"] + model["refunded"] - model["credited"] - model["written_off"]
            )

        for what, amount_cents, pick in sequence:
            amount = Decimal(amount_cents) / 100
            before = Invoice.objects.get(pk=invoice.pk)
            expect_ok: bool
            call: Any
            if what == "pay":
                expect_ok = 0 < amount_cents <= balance()
                new_key = uuid.uuid4().hex

                def call(amount: Decimal = amount, new_key: str = new_key) -> Any:
                    return payment_record(
                        access=fran,
                        invoice_id=invoice.pk,
                        amount=amount,
                        method="cash",
                        idempotency_key=new_key,
                    )

            elif what == "pay_again":
                if not payments:
                    continue
                payment_id, old_key, old_cents = payments[pick % len(payments)]
                # the same form again: answered with the first payment, nothing applied
                again = payment_record(
                    access=fran,
                    invoice_id=invoice.pk,
                    amount=Decimal(old_cents) / 100,
                    method="cash",
                    idempotency_key=old_key,
                )
                assert again.pk == payment_id
                with pytest.raises(ValidationError):
                    payment_record(
                        access=fran,
                        invoice_id=invoice.pk,
                        amount=Decimal(old_cents + 1) / 100,
                        method="cash",
                        idempotency_key=old_key,
                    )
                expect_ok, call = True, None
            elif what == "refund":
                if not payments:
                    continue
                payment_id, _key, paid_cents = payments[pick % len(payments)]
                left = paid_cents - refunded_of.get(payment_id, 0)
                expect_ok = 0 < amount_cents <= left

                def call(amount: Decimal = amount, payment_id: int = payment_id) -> Any:
                    return refund_record(
                        access=bill,
                        payment_id=payment_id,
                        amount=amount,
                        reason="Property test",
                        idempotency_key=uuid.uuid4().hex,
                    )

            else:
                expect_ok = 0 < amount_cents <= balance()
                service = credit_apply if what == "credit" else write_off

                def call(amount: Decimal = amount, service: Any = service) -> Any:
                    return service(
                        access=bill,
                        invoice_id=invoice.pk,
                        amount=amount,
                        reason="Property test",
                        idempotency_key=uuid.uuid4().hex,
                    )

            if call is not None:
                if expect_ok:
                    row = call()
                    if what == "pay":
                        payments.append((row.pk, row.idempotency_key, amount_cents))
                        model["paid"] += amount_cents
                    elif what == "refund":
                        refunded_of[row.refund_of_id] = (
                            refunded_of.get(row.refund_of_id, 0) + amount_cents
                        )
                        model["refunded"] += amount_cents
                    else:
                        model["credited" if what == "credit" else "written_off"] += amount_cents
                else:
                    with pytest.raises(ValidationError):
                        call()
                    after = Invoice.objects.get(pk=invoice.pk)
                    assert after.balance == before.balance  # a refusal changes nothing

            stored = Invoice.objects.get(pk=invoice.pk)
            assert invoice_check(stored) == []
            computed = invoice_balance(stored)
            assert computed.balances
            assert computed.balance == Decimal(balance()) / 100
            assert 0 <= computed.balance <= stored.total
            assert stored.paid == Decimal(model["paid"]) / 100
            assert stored.status == ("paid" if balance() == 0 else "issued")
        assert Payment.objects.filter(invoice=invoice, kind="payment").count() == len(payments)
    finally:
        transaction.savepoint_rollback(savepoint)
