"""Billing fixtures: a fee schedule set by the owner, and a signed needling visit invoiced at
the desk."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from filiform.billing.fees import fee_set
from filiform.billing.invoices import invoice_from_visit
from filiform.billing.models import Invoice, Service
from filiform.clinics.access import Access
from tests.aftercare.needled import cleared, needled_visit
from tests.clinical import access_for
from tests.conftest import World


def key() -> str:
    return uuid.uuid4().hex


def acting(world: World, name: str) -> Access:
    user = getattr(world, name)
    clinic = world.other_clinic if name == "olga" else world.clinic
    return access_for(user, clinic)


@pytest.fixture
def fees(world: World) -> dict[str, Service]:
    alice = acting(world, "alice")
    return {
        "assess": fee_set(
            access=alice,
            code="assess",
            name="Initial assessment",
            kind="assessment",
            duration_minutes=60,
            fee="120.00",
        ),
        "treat": fee_set(
            access=alice,
            code="treat",
            name="Treatment",
            kind="treatment",
            duration_minutes=45,
            fee="95.00",
        ),
        "ims": fee_set(
            access=alice,
            code="ims",
            name="Dry needling / IMS session",
            kind="needling",
            duration_minutes=30,
            fee="110.00",
        ),
        "tape": fee_set(
            access=alice,
            code="tape",
            name="Kinesiology tape",
            kind="other",
            duration_minutes=5,
            fee="9.99",
            taxable=True,
            tax_rate="13",
        ),
    }


@pytest.fixture
def invoice(world: World, fees: dict[str, Service]) -> Invoice:
    """$110.00 for a signed needling visit, issued by the front desk."""
    cleared(world)
    visit = needled_visit(world)
    return invoice_from_visit(access=acting(world, "fran"), visit_id=visit.pk)


def money(text: str) -> Decimal:
    return Decimal(text)
