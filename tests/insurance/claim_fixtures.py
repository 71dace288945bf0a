"""Claim fixtures: policies made directly (the card details staff would type), a connection,
and the world's $110.00 needling invoice (tests/billing/conftest.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from filiform.billing.fees import fee_set
from filiform.billing.invoices import invoice_from_visit
from filiform.billing.models import Invoice
from filiform.billing.selectors import invoice_check
from filiform.insurance.models import Insurer, Policy
from tests.aftercare.needled import cleared, needled_visit
from tests.billing.conftest import acting, key
from tests.conftest import World

__all__ = ["acting", "balances", "billed_invoice", "insurer_of", "key", "policy"]


def billed_invoice(world: World) -> Invoice:
    """$110.00 for Bob's signed needling visit, issued by the front desk (as in
    tests/billing/conftest.py's ``invoice``)."""
    fee_set(
        access=acting(world, "alice"),
        code="ims",
        name="Dry needling / IMS session",
        kind="needling",
        duration_minutes=30,
        fee="110.00",
    )
    cleared(world)
    visit = needled_visit(world)
    return invoice_from_visit(access=acting(world, "fran"), visit_id=visit.pk)


def insurer_of(code: str) -> Insurer:
    return Insurer.objects.get(code=code)


def policy(world: World, *, rank: int = 1, insurer: str = "sun-life", **values: Any) -> Policy:
    """A policy of the world's patient, in force since 2020, the patient the plan member."""
    fields: dict[str, Any] = {
        "clinic": world.clinic,
        "patient": world.patient,
        "insurer": insurer_of(insurer),
        "rank": rank,
        "group_number": "G-1000",
        "member_id": f"M-000{rank}",
        "relationship": "subscriber",
        "effective_on": dt.date(2020, 1, 1),
        "created_by": world.fran,
        "updated_by": world.fran,
    }
    fields.update(values)
    return Policy.objects.create(**fields)


def balances(invoice: Invoice) -> Invoice:
    """The invoice re-read, after checking its stored totals against its rows."""
    assert invoice_check(invoice) == []
    return invoice
