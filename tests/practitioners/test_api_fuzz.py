"""Fuzz the credentials writes as someone allowed to make them, so that generated input reaches
the services (the suite-wide fuzz runs as front desk, who is refused before the body is read)."""

from __future__ import annotations

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
if GATE:  # the same requests on every run of the gate (docs/testing.md)
    schema.config.seed = int(os.environ.get("FILIFORM_FUZZ_SEED", "16"))


@pytest.fixture
def bob_headers(
    world: World, settings: Any, tmp_path: Path
) -> Iterator[tuple[int, dict[str, str]]]:
    settings.MEDIA_ROOT = tmp_path
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        member = Membership.objects.get(user=world.bob, clinic=world.clinic)
        yield member.pk, {"Authorization": bearer(world.bob, world.clinic)["HTTP_AUTHORIZATION"]}
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_credentials_api_as_the_practitioner(case: Any, bob_headers: tuple[int, dict]) -> None:
    membership_id, headers = bob_headers
    # Aim valid requests at Bob himself; a deliberately invalid path stays invalid.
    positive = case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE
    if positive and "membership_id" in (case.path_parameters or {}):
        case.path_parameters["membership_id"] = membership_id
    # Schema-valid data may still break a rule the schema cannot express (a course completed
    # tomorrow, an expiry before the grant): those answer 422 with the reason.
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
