"""Payments at the desk, refunds, credits and write-offs: every refusal, roles, idempotency,
the balance after each, and two payments at once on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from filiform.audit.models import AuditEntry
from filiform.billing.invoices import invoice_from_visit, invoice_void
from filiform.billing.models import (
    CreditNote,
    FinancialRecordDeleted,
    Invoice,
    InvoiceStatus,
    Payment,
    WriteOff,
)
from filiform.billing.payments import credit_apply, payment_record, refund_record, write_off
from filiform.billing.selectors import invoice_balance, invoice_check
from filiform.clinics.access import AccessDenied
from tests.aftercare.needled import needled_visit
from tests.billing.conftest import acting, key
from tests.conftest import World


def pay(world: World, invoice: Invoice, amount: Any, who: str = "fran", **more: Any) -> Payment:
    more.setdefault("method", "debit")
    more.setdefault("idempotency_key", key())
    return payment_record(access=acting(world, who), invoice_id=invoice.pk, amount=amount, **more)


def test_partial_payments_then_paid(world: World, invoice: Invoice) -> None:
    first = pay(world, invoice, "60", method="cash", reference="till 1")
    assert (first.kind, first.method, first.amount, first.recorded_by) == (
        "payment",
        "cash",
        Decimal("60.00"),
        world.fran,
    )
    invoice.refresh_from_db()
    assert (invoice.paid, invoice.balance, invoice.status) == (
        Decimal("60.00"),
        Decimal("50.00"),
        InvoiceStatus.ISSUED,
    )
    pay(world, invoice, "50.00", method="e_transfer")
    invoice.refresh_from_db()
    assert (invoice.balance, invoice.status) == (Decimal("0.00"), InvoiceStatus.PAID)
    assert invoice_check(invoice) == []
    entry = AuditEntry.objects.filter(object_type="payment").first()
    assert entry is not None
    assert entry.patient_id == world.patient.pk


def test_over_payment_names_the_balance(world: World, invoice: Invoice) -> None:
    pay(world, invoice, "100")
    with pytest.raises(ValidationError) as refused:
        pay(world, invoice, "10.01")
    assert refused.value.message_dict["amount"] == [
        "That is more than is owed: the balance is $10.00."
    ]
    pay(world, invoice, "10")
    with pytest.raises(ValidationError, match=r"paid: the balance is \$0.00"):
        pay(world, invoice, "1")


@pytest.mark.parametrize(
    ("amount", "field"), [("-5", "amount"), ("0", "amount"), (5.0, "amount"), ("1.005", "amount")]
)
def test_bad_amounts_are_refused(world: World, invoice: Invoice, amount: Any, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        pay(world, invoice, amount)
    assert field in refused.value.message_dict
    assert not Payment.objects.exists()


def test_bad_method_key_and_time(world: World, invoice: Invoice) -> None:
    for method in ("bitcoin", "insurer"):
        with pytest.raises(ValidationError) as refused:
            pay(world, invoice, "10", method=method)
        assert "method" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        pay(world, invoice, "10", idempotency_key="short")
    assert "idempotency_key" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        pay(world, invoice, "10", received_at=timezone.now() + dt.timedelta(hours=1))
    assert "received_at" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        pay(world, invoice, "10", location_id=999_999)
    assert "location_id" in refused.value.message_dict


def test_void_and_draft_invoices_take_no_payment(world: World, invoice: Invoice) -> None:
    invoice_void(access=acting(world, "bill"), invoice_id=invoice.pk, reason="Duplicate")
    with pytest.raises(ValidationError, match="void"):
        pay(world, invoice, "10")
    draft = invoice_from_visit(
        access=acting(world, "fran"),
        visit_id=invoice.visit_id,  # type: ignore[arg-type]
        issue=False,
    )
    with pytest.raises(ValidationError, match="Issue the invoice first"):
        pay(world, draft, "10")


def test_the_same_key_twice_applies_once(world: World, invoice: Invoice) -> None:
    once = key()
    first = pay(world, invoice, "40", idempotency_key=once)
    again = pay(world, invoice, "40", idempotency_key=once)
    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("70.00")
    with pytest.raises(ValidationError) as refused:
        pay(world, invoice, "41", idempotency_key=once)
    assert "different entry" in refused.value.message_dict["idempotency_key"][0]


def test_an_idempotency_key_is_per_clinic_entry_not_reusable_across_invoices(
    world: World, invoice: Invoice
) -> None:
    once = key()
    pay(world, invoice, "40", idempotency_key=once)
    other = invoice_from_visit(access=acting(world, "fran"), visit_id=needled_visit(world).pk)
    with pytest.raises(ValidationError) as refused:
        pay(world, other, "40", idempotency_key=once)
    assert "different entry" in refused.value.message_dict["idempotency_key"][0]


@pytest.mark.parametrize("who", ["alice", "bob", "fran", "bill"])
def test_desk_roles_take_payments(world: World, invoice: Invoice, who: str) -> None:
    pay(world, invoice, "10", who=who)


def test_other_clinic_cannot_pay_or_refund(world: World, invoice: Invoice) -> None:
    with pytest.raises(Http404):
        pay(world, invoice, "10", who="olga")
    payment = pay(world, invoice, "10")
    from filiform.clinics.models import Role
    from tests.factories import UserFactory

    outsider = UserFactory.create(email="owen@clinic.test")
    from tests.factories import MembershipFactory

    MembershipFactory.create(user=outsider, clinic=world.other_clinic, role=Role.OWNER)
    from tests.clinical import access_for

    with pytest.raises(Http404):
        refund_record(
            access=access_for(outsider, world.other_clinic),
            payment_id=payment.pk,
            amount="5",
            reason="x",
            idempotency_key=key(),
        )


def test_refund_partly_then_fully(world: World, invoice: Invoice) -> None:
    payment = pay(world, invoice, "110", method="credit_card")
    bill = acting(world, "bill")
    refund = refund_record(
        access=bill,
        payment_id=payment.pk,
        amount="30",
        reason="Shorter visit",
        idempotency_key=key(),
    )
    assert (refund.kind, refund.method, refund.refund_of_id) == (
        "refund",
        "credit_card",
        payment.pk,
    )
    invoice.refresh_from_db()
    assert (invoice.refunded, invoice.balance, invoice.status) == (
        Decimal("30.00"),
        Decimal("30.00"),
        InvoiceStatus.ISSUED,
    )
    with pytest.raises(ValidationError) as refused:
        refund_record(
            access=bill, payment_id=payment.pk, amount="80.01", reason="x", idempotency_key=key()
        )
    assert refused.value.message_dict["amount"] == [
        "Only $80.00 of this payment is left to refund."
    ]
    credit_apply(
        access=bill,
        invoice_id=invoice.pk,
        amount="30",
        reason="Visit shortened: 30 minutes",
        idempotency_key=key(),
    )
    invoice.refresh_from_db()
    assert (invoice.balance, invoice.status) == (Decimal("0.00"), InvoiceStatus.PAID)
    assert invoice_check(invoice) == []


def test_refunds_need_billing_and_a_reason(world: World, invoice: Invoice) -> None:
    payment = pay(world, invoice, "50")
    for who in ("fran", "bob"):
        with pytest.raises(AccessDenied):
            refund_record(
                access=acting(world, who),
                payment_id=payment.pk,
                amount="5",
                reason="x",
                idempotency_key=key(),
            )
    assert AuditEntry.objects.filter(action="permission_denied").count() == 2
    with pytest.raises(ValidationError) as refused:
        refund_record(
            access=acting(world, "alice"),
            payment_id=payment.pk,
            amount="5",
            reason=" ",
            idempotency_key=key(),
        )
    assert "reason" in refused.value.message_dict
    with pytest.raises(Http404):
        refund_record(
            access=acting(world, "alice"),
            payment_id=999_999,
            amount="5",
            reason="x",
            idempotency_key=key(),
        )


def test_a_refund_key_twice_refunds_once(world: World, invoice: Invoice) -> None:
    payment = pay(world, invoice, "50")
    once = key()
    bill = acting(world, "bill")
    for _ in range(2):
        refund_record(
            access=bill, payment_id=payment.pk, amount="20", reason="x", idempotency_key=once
        )
    assert Payment.objects.filter(kind="refund").count() == 1


def test_credits_and_write_offs(world: World, invoice: Invoice) -> None:
    bill = acting(world, "bill")
    pay(world, invoice, "60")
    credit = credit_apply(
        access=bill, invoice_id=invoice.pk, amount="10", reason="Loyalty", idempotency_key=key()
    )
    with pytest.raises(ValidationError) as refused:
        write_off(
            access=bill, invoice_id=invoice.pk, amount="40.01", reason="x", idempotency_key=key()
        )
    assert "the balance is $40.00" in refused.value.message_dict["amount"][0]
    gone = write_off(
        access=bill,
        invoice_id=invoice.pk,
        amount="40",
        reason="Patient moved away; unreachable",
        idempotency_key=key(),
    )
    invoice.refresh_from_db()
    assert (invoice.credited, invoice.written_off, invoice.balance, invoice.status) == (
        Decimal("10.00"),
        Decimal("40.00"),
        Decimal("0.00"),
        InvoiceStatus.PAID,
    )
    balance = invoice_balance(invoice)
    assert balance.balances
    assert balance.balance == 0
    assert isinstance(credit, CreditNote)
    assert isinstance(gone, WriteOff)
    for row in (credit, gone):
        with pytest.raises(FinancialRecordDeleted):
            row.delete()


def test_credits_and_write_offs_need_billing_and_reason(world: World, invoice: Invoice) -> None:
    with pytest.raises(AccessDenied):
        credit_apply(
            access=acting(world, "fran"),
            invoice_id=invoice.pk,
            amount="5",
            reason="x",
            idempotency_key=key(),
        )
    with pytest.raises(AccessDenied):
        write_off(
            access=acting(world, "fran"),
            invoice_id=invoice.pk,
            amount="5",
            reason="x",
            idempotency_key=key(),
        )
    with pytest.raises(ValidationError) as refused:
        write_off(
            access=acting(world, "bill"),
            invoice_id=invoice.pk,
            amount="5",
            reason="",
            idempotency_key=key(),
        )
    assert "reason" in refused.value.message_dict


def test_payments_are_never_deleted(world: World, invoice: Invoice) -> None:
    with pytest.raises(FinancialRecordDeleted):
        pay(world, invoice, "5").delete()


# Two desks at once. SQLite has no row locks: it serialises whole-database writers, and the
# in-memory test database makes a second writing thread fail ("database table is locked")
# instead of waiting, so the race can only be run for real on PostgreSQL.
needs_row_locks = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite has no row locks; the in-memory test database cannot host two writers",
)


def _race(world: World, invoice_id: int, payments: list[tuple[str, str]]) -> list[Any]:
    barrier = threading.Barrier(len(payments))
    outcomes: list[Any] = [None] * len(payments)

    def desk(i: int, amount: str, idem: str) -> None:
        try:
            barrier.wait()
            outcomes[i] = payment_record(
                access=acting(world, "fran"),
                invoice_id=invoice_id,
                amount=amount,
                method="debit",
                idempotency_key=idem,
            )
        except Exception as error:
            outcomes[i] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=desk, args=(i, amount, idem))
        for i, (amount, idem) in enumerate(payments)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_two_payments_at_once_cannot_overpay(world: World, invoice: Invoice) -> None:
    outcomes = _race(world, invoice.pk, [("80", key()), ("80", key())])
    paid = [o for o in outcomes if isinstance(o, Payment)]
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(paid) == 1, outcomes
    assert len(refused) == 1, outcomes
    assert refused[0].message_dict["amount"] == [
        "That is more than is owed: the balance is $30.00."
    ]
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("30.00")
    assert invoice_check(invoice) == []


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_a_double_submit_at_once_applies_once(world: World, invoice: Invoice) -> None:
    once = key()
    outcomes = _race(world, invoice.pk, [("40", once), ("40", once), ("40", once)])
    assert all(isinstance(o, Payment) for o in outcomes), outcomes
    assert len({o.pk for o in outcomes}) == 1
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("70.00")
