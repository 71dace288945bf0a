"""A policy's terms (insurance/specs.py) at their limits' edges: the desk's page, the API and the
service add the same policies and refuse the same ones."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from filiform.insurance.models import Insurer, Policy
from filiform.insurance.policies import policy_add
from filiform.insurance.specs import PolicyTermsChanges, PolicyTermsSpec
from filiform.patients.models import Patient
from tests.clinical import access_for
from tests.conftest import World, bearer, client_for
from tests.factories import PatientFactory

EDGES = [
    ("group_number", "G" * 40, True),
    ("group_number", "G" * 41, False),
    ("plan_name", "P" * 121, False),
    ("subscriber_name", "S" * 161, False),
    ("progress_report_after", 0, False),
    ("progress_report_after", 1, True),
    ("progress_report_after", 365, True),
    ("progress_report_after", 366, False),
    ("progress_report_after", "many", False),
    ("coinsurance_percent", "100", True),
    ("coinsurance_percent", "100.5", False),
    ("annual_maximum", "5" * 21, False),
    ("ends_on", "2021-01-01", True),  # the day it starts is its last: a period of one day
    ("ends_on", "2020-12-31", False),  # before it starts (FHIR Period, per-1)
]


def _terms(**values: Any) -> dict[str, Any]:
    terms: dict[str, Any] = {
        "insurer_id": Insurer.objects.get(code="greenshield").pk,
        "rank": 1,
        "group_number": "GS-55",
        "member_id": "C-0042",
        "relationship": "subscriber",
        "effective_on": "2021-01-01",
        "annual_maximum": "500",
        "maximum_scope": "discipline",
        "coinsurance_percent": "80",
        "benefit_year": "calendar",
    }
    return {**terms, **values}


def _by_service(world: World, patient: Patient, terms: dict[str, Any]) -> bool:
    try:
        spec = PolicyTermsSpec.parse(terms)
        policy_add(access=access_for(world.fran, world.clinic), patient_id=patient.pk, terms=spec)
    except ValidationError:
        return False
    return True


def _by_api(world: World, patient: Patient, terms: dict[str, Any]) -> bool:
    response = Client().post(
        f"/api/v1/patients/{patient.pk}/policies",
        json.dumps(terms),
        content_type="application/json",
        **bearer(world.fran, world.clinic),
    )
    assert response.status_code in (201, 422), response.content
    return response.status_code == 201


def _by_page(world: World, patient: Patient, terms: dict[str, Any]) -> bool:
    page = reverse(
        "insurance:patient_policies",
        kwargs={"clinic_slug": world.clinic.slug, "patient_id": patient.pk},
    )
    data = {f"add-{name}": str(value) for name, value in terms.items()}
    response = client_for(world.fran).post(page, data)
    assert response.status_code in (302, 422), response.status_code
    return response.status_code == 302


@pytest.mark.parametrize(("field", "value", "accepted"), EDGES)
def test_page_api_and_service_add_and_refuse_the_same_policies(
    world: World, field: str, value: Any, accepted: bool
) -> None:
    for side, adds in (("service", _by_service), ("API", _by_api), ("page", _by_page)):
        # A patient each: one active primary policy per patient.
        patient = PatientFactory.create(clinic=world.clinic)
        took = adds(world, patient, _terms(**{field: value}))
        assert took is accepted, f"the {side} {'refused' if accepted else 'took'} {value!r}"
        assert Policy.objects.filter(patient=patient).count() == accepted, side


def test_changes_are_held_to_the_same_limits_and_null_clears_only_what_may_be_empty() -> None:
    with pytest.raises(ValidationError, match="group_number"):
        PolicyTermsChanges.parse({"group_number": "G" * 41})
    with pytest.raises(ValidationError, match="Unknown fields: patient_id"):
        PolicyTermsChanges.parse({"patient_id": 1})
    changes = PolicyTermsChanges.parse({"ends_on": None, "member_id": None, "rank": 2})
    assert changes.values() == {"ends_on": None, "rank": 2}


def test_terms_are_given_to_the_service_as_codes(world: World) -> None:
    terms = PolicyTermsSpec.parse(_terms(ends_on=dt.date(2021, 12, 31)))
    values = terms.values()
    assert (values["relationship"], values["benefit_year"]) == ("subscriber", "calendar")
    assert values["ends_on"] == dt.date(2021, 12, 31)
