"""The fee schedule: versions by effective date and province, never edited, BILLING only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from filiform.billing.fees import fee_for, fee_set
from filiform.billing.models import FinancialRecordDeleted, Service
from filiform.billing.selectors import clinic_today, fee_schedule
from filiform.clinics.access import AccessDenied
from tests.billing.conftest import acting
from tests.conftest import World


def test_owner_and_billing_set_fees(world: World) -> None:
    service = fee_set(
        access=acting(world, "bill"),
        code="IMS",
        name="Dry needling / IMS session",
        kind="needling",
        duration_minutes=30,
        fee="$110",
    )
    assert (service.code, service.fee, service.taxable) == ("ims", Decimal("110.00"), False)
    assert service.effective_from == clinic_today(world.clinic)


@pytest.mark.parametrize("who", ["fran", "bob"])
def test_front_desk_and_clinicians_do_not_set_fees(world: World, who: str) -> None:
    with pytest.raises(AccessDenied):
        fee_set(
            access=acting(world, who),
            code="ims",
            name="IMS",
            kind="needling",
            duration_minutes=30,
            fee="110",
        )


def test_a_fee_change_is_a_new_version(world: World, fees: dict[str, Service]) -> None:
    today = clinic_today(world.clinic)
    later = today + dt.timedelta(days=30)
    fee_set(
        access=acting(world, "alice"),
        code="ims",
        name="Dry needling / IMS session",
        kind="needling",
        duration_minutes=30,
        fee="120",
        effective_from=later,
    )
    alice = acting(world, "alice")
    assert fee_for(access=alice, code="ims", province="ON", on=today).fee == 110  # type: ignore[union-attr]
    assert fee_for(access=alice, code="ims", province="ON", on=later).fee == 120  # type: ignore[union-attr]
    assert Service.objects.filter(code="ims").count() == 2
    fees["ims"].refresh_from_db()
    assert fees["ims"].fee == Decimal("110.00")  # the old version is untouched


def test_a_province_entry_comes_before_the_clinic_wide_one(
    world: World, fees: dict[str, Service]
) -> None:
    fee_set(
        access=acting(world, "alice"),
        code="tape",
        name="Kinesiology tape",
        kind="other",
        duration_minutes=5,
        fee="9.99",
        taxable=True,
        tax_rate="14.975",
        province="QC",
    )
    today = clinic_today(world.clinic)
    assert fee_for(
        access=acting(world, "alice"), code="tape", province="QC", on=today
    ).tax_rate == Decimal("14.975")  # type: ignore[union-attr]
    assert fee_for(
        access=acting(world, "alice"), code="tape", province="ON", on=today
    ).tax_rate == Decimal("13.000")  # type: ignore[union-attr]


def test_a_retired_service_is_not_found(world: World, fees: dict[str, Service]) -> None:
    fee_set(
        access=acting(world, "alice"),
        code="treat",
        name="Treatment",
        kind="treatment",
        duration_minutes=45,
        fee="95",
        effective_from=clinic_today(world.clinic) + dt.timedelta(days=1),
        active=False,
    )
    tomorrow = clinic_today(world.clinic) + dt.timedelta(days=1)
    assert fee_for(access=acting(world, "alice"), code="treat", province="ON", on=tomorrow) is None
    codes = {s.code for s in fee_schedule(access=acting(world, "fran"), on=tomorrow)}
    assert codes == {"assess", "ims", "tape"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": "!!"}, "code"),
        ({"name": "  "}, "name"),
        ({"kind": "massage"}, "kind"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 30.0}, "duration_minutes"),
        ({"fee": "-1"}, "fee"),
        ({"fee": 110.0}, "fee"),
        ({"fee": "110.001"}, "fee"),
        ({"taxable": True, "tax_rate": "0"}, "tax_rate"),
        ({"taxable": False, "tax_rate": "13"}, "tax_rate"),
        ({"province": "XX"}, "province"),
    ],
)
def test_bad_fees_are_refused_by_field(world: World, change: dict, field: str) -> None:
    given = {
        "code": "ims",
        "name": "IMS",
        "kind": "needling",
        "duration_minutes": 30,
        "fee": "110",
        **change,
    }
    with pytest.raises(ValidationError) as refused:
        fee_set(access=acting(world, "alice"), **given)
    assert field in refused.value.message_dict


def test_the_same_date_twice_is_refused(world: World, fees: dict[str, Service]) -> None:
    with pytest.raises(ValidationError) as refused:
        fee_set(
            access=acting(world, "alice"),
            code="ims",
            name="IMS",
            kind="needling",
            duration_minutes=30,
            fee="99",
        )
    assert "already has a fee" in refused.value.message_dict["effective_from"][0]


def test_a_past_date_is_refused_once_invoiced(world: World, invoice: object) -> None:
    with pytest.raises(ValidationError) as refused:
        fee_set(
            access=acting(world, "alice"),
            code="ims",
            name="IMS",
            kind="needling",
            duration_minutes=30,
            fee="99",
            effective_from=clinic_today(world.clinic) - dt.timedelta(days=1),
        )
    assert "already invoiced" in refused.value.message_dict["effective_from"][0]


def test_fee_versions_are_never_deleted(fees: dict[str, Service]) -> None:
    with pytest.raises(FinancialRecordDeleted):
        fees["ims"].delete()
