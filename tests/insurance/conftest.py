"""Insurance fixtures: the billing ones (fee schedule, an invoiced needling visit), insurers by
code, and a helper that adds a policy at the front desk with sensible card details."""

from __future__ import annotations

import datetime as dt
from typing import Any

from filiform.insurance.models import Insurer, Policy
from filiform.insurance.policies import policy_add
from filiform.insurance.specs import PolicyTermsSpec
from tests.billing.conftest import acting, fees, invoice, key  # noqa: F401  (fixtures)
from tests.conftest import World


def insurer(code: str) -> Insurer:
    return Insurer.objects.get(code=code)


def add_policy(world: World, who: str = "fran", **values: Any) -> Policy:
    """A policy for the world's patient: Sun Life, primary, the patient is the member, in force
    since 2020, $500 a year at 80 % with $80 a visit, unless ``values`` say otherwise."""
    defaults: dict[str, Any] = {
        "insurer_id": insurer("sun-life").pk,
        "rank": 1,
        "group_number": "G-1000",
        "member_id": "M-0001",
        "relationship": "subscriber",
        "effective_on": dt.date(2020, 1, 1),
        "annual_maximum": "500.00",
        "per_visit_maximum": "80.00",
        "coinsurance_percent": "80",
    }
    patient_id = values.pop("patient_id", world.patient.pk)
    return policy_add(
        access=acting(world, who),
        patient_id=patient_id,
        terms=PolicyTermsSpec.parse({**defaults, **values}),
    )
