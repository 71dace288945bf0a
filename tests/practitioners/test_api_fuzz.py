"""Fuzz the credentials writes as every role, aimed at a real staff member, so that generated
input reaches the services: the physiotherapist records their own credentials, the owner
Bob's, and the front desk and billing are refused. The whole-API fuzz (tests/test_api_fuzz.py)
also covers these operations, with their boundary cases; this one spends more examples on them.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from filiform.clinics.models import Membership
from tests.conftest import GATE, World, bearer

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(
    path_regex="^/api/v1/practitioners/"
)
schema.config.phases.coverage.enabled = False  # the boundary cases run in tests/test_api_fuzz.py
if GATE:  # the same requests on every run of the gate (docs/testing.md)
    schema.config.seed = int(os.environ.get("FILIFORM_FUZZ_SEED", "16"))

# Who acts, and whose credentials a valid request names.
AIMS = {"alice": "bob", "bob": "bob", "fran": "fran", "bill": "bill"}
EXAMPLES_PER_ROLE = math.ceil(40 / len(AIMS))


@pytest.fixture(params=sorted(AIMS))
def acting(
    request: pytest.FixtureRequest, world: World, settings: Any, tmp_path: Path
) -> Iterator[tuple[int, dict[str, str]]]:
    settings.MEDIA_ROOT = tmp_path
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        user, aim = getattr(world, request.param), getattr(world, AIMS[request.param])
        member = Membership.objects.get(user=aim, clinic=world.clinic)
        yield member.pk, {"Authorization": bearer(user, world.clinic)["HTTP_AUTHORIZATION"]}
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_ROLE, deadline=None, suppress_health_check=list(HealthCheck))
def test_credentials_api_as_every_role(case: Any, acting: tuple[int, dict[str, str]]) -> None:
    membership_id, headers = acting
    # Aim valid requests at the staff member; a deliberately invalid path stays invalid.
    positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE
    if positive and "membership_id" in (case.path_parameters or {}):
        case.path_parameters["membership_id"] = membership_id
    # Schema-valid data may still break a rule the schema cannot express (a course completed
    # tomorrow, an expiry before the grant): those answer 422 with the reason.
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
