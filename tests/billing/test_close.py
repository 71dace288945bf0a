"""The daily close: takings per method in the clinic's time zone, refunds deducted, the cash
difference; once a day, never a future day; a closed day's takings never change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from filiform.billing.close import daily_close
from filiform.billing.models import DailyClose, FinancialRecordDeleted, Invoice, Payment
from filiform.billing.payments import payment_record, refund_record
from filiform.billing.selectors import clinic_today, daily_takings
from filiform.clinics.access import AccessDenied
from filiform.clinics.models import Location
from tests.billing.conftest import acting, key
from tests.conftest import World


def pay(world: World, invoice: Invoice, amount: str, method: str, **more: Any) -> Payment:
    return payment_record(
        access=acting(world, "fran"),
        invoice_id=invoice.pk,
        amount=amount,
        method=method,
        idempotency_key=key(),
        **more,
    )


def test_close_totals_per_method_and_cash_difference(world: World, invoice: Invoice) -> None:
    cash = pay(world, invoice, "40", "cash")
    pay(world, invoice, "30", "debit")
    pay(world, invoice, "20", "e_transfer")
    refund_record(
        access=acting(world, "bill"),
        payment_id=cash.pk,
        amount="5",
        reason="Change given wrong",
        idempotency_key=key(),
    )
    today = clinic_today(world.clinic)
    preview = daily_takings(access=acting(world, "bill"), business_date=today)
    assert preview.cash_expected == Decimal("35.00")
    close = daily_close(access=acting(world, "bill"), business_date=today, counted_cash="34.50")
    assert close.totals == {
        "cash": "35.00",
        "debit": "30.00",
        "credit_card": "0.00",
        "e_transfer": "20.00",
    }
    assert (close.payments_total, close.refunds_total, close.net_total) == (
        Decimal("90.00"),
        Decimal("5.00"),
        Decimal("85.00"),
    )
    assert (close.cash_expected, close.counted_cash, close.cash_difference) == (
        Decimal("35.00"),
        Decimal("34.50"),
        Decimal("-0.50"),
    )
    assert close.payment_count == 3
    assert close.closed_by == world.bill
    with pytest.raises(FinancialRecordDeleted):
        close.delete()


def test_a_day_is_closed_once(world: World) -> None:
    today = clinic_today(world.clinic)
    daily_close(access=acting(world, "alice"), business_date=today, counted_cash="0")
    with pytest.raises(ValidationError) as refused:
        daily_close(access=acting(world, "alice"), business_date=today, counted_cash="0")
    assert "already closed" in refused.value.message_dict["business_date"][0]


def test_a_future_day_cannot_be_closed(world: World) -> None:
    tomorrow = clinic_today(world.clinic) + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        daily_close(access=acting(world, "alice"), business_date=tomorrow, counted_cash="0")
    assert "before it starts" in refused.value.message_dict["business_date"][0]


@pytest.mark.parametrize(("counted", "field"), [("-1", "counted_cash"), (1.5, "counted_cash")])
def test_bad_counts_are_refused(world: World, counted: Any, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        daily_close(
            access=acting(world, "alice"),
            business_date=clinic_today(world.clinic),
            counted_cash=counted,
        )
    assert field in refused.value.message_dict


@pytest.mark.parametrize("who", ["fran", "bob"])
def test_only_billing_closes(world: World, who: str) -> None:
    with pytest.raises(AccessDenied):
        daily_close(
            access=acting(world, who), business_date=clinic_today(world.clinic), counted_cash="0"
        )


def test_a_closed_days_takings_do_not_change(world: World, invoice: Invoice) -> None:
    """Money after today's close counts tomorrow; money dated to a closed day is refused."""
    morning = pay(world, invoice, "50", "cash")
    today = clinic_today(world.clinic)
    daily_close(access=acting(world, "bill"), business_date=today, counted_cash="50")
    late = pay(world, invoice, "10", "cash")
    assert late.business_date == today + dt.timedelta(days=1)
    refund = refund_record(
        access=acting(world, "bill"),
        payment_id=morning.pk,
        amount="5",
        reason="Overcharged",
        idempotency_key=key(),
    )
    assert refund.business_date == today + dt.timedelta(days=1)
    assert DailyClose.objects.get().net_total == Decimal("50.00")
    assert daily_takings(access=acting(world, "bill"), business_date=today).net_total == Decimal(
        "50.00"
    )
    with time_machine.travel(dt.timedelta(days=2)):
        with pytest.raises(ValidationError) as refused:
            pay(world, invoice, "1", "cash", received_at=morning.received_at)
        assert "is closed" in refused.value.message_dict["received_at"][0]


def test_the_business_day_is_the_clinics_own(world: World, invoice: Invoice) -> None:
    """A payment at 9 p.m. in Vancouver on 3 March is 05:00 UTC on 4 March: it is takings
    of 3 March."""
    world.clinic.time_zone = "America/Vancouver"
    world.clinic.save()
    evening = dt.datetime(2031, 3, 4, 5, 0, tzinfo=dt.UTC)
    with time_machine.travel(evening + dt.timedelta(hours=1), tick=False):
        payment = pay(world, invoice, "25", "debit", received_at=evening)
        assert payment.business_date == dt.date(2031, 3, 3)
        close = daily_close(
            access=acting(world, "bill"), business_date=dt.date(2031, 3, 3), counted_cash="0"
        )
        assert close.totals["debit"] == "25.00"


def test_locations_close_separately(world: World, invoice: Invoice) -> None:
    north = Location.objects.create(clinic=world.clinic, name="North", province="ON")
    south = Location.objects.create(clinic=world.clinic, name="South", province="ON")
    pay(world, invoice, "30", "cash", location_id=north.pk)
    pay(world, invoice, "20", "cash", location_id=south.pk)
    today = clinic_today(world.clinic)
    bill = acting(world, "bill")
    close = daily_close(access=bill, business_date=today, counted_cash="30", location_id=north.pk)
    assert (close.cash_expected, close.cash_difference) == (Decimal("30.00"), Decimal("0.00"))
    after = pay(world, invoice, "5", "cash", location_id=north.pk)
    assert after.business_date == today + dt.timedelta(days=1)  # north is closed
    still = pay(world, invoice, "5", "cash", location_id=south.pk)
    assert still.business_date == today  # south is not
    with pytest.raises(ValidationError) as refused:
        daily_close(access=bill, business_date=today, counted_cash="0")
    assert "location by location" in refused.value.message_dict["location_id"][0]
    daily_close(access=bill, business_date=today, counted_cash="25", location_id=south.pk)


def test_other_clinics_location_is_refused(world: World) -> None:
    elsewhere = Location.objects.create(clinic=world.other_clinic, name="Far", province="ON")
    with pytest.raises(ValidationError) as refused:
        daily_close(
            access=acting(world, "bill"),
            business_date=clinic_today(world.clinic),
            counted_cash="0",
            location_id=elsewhere.pk,
        )
    assert "location_id" in refused.value.message_dict
