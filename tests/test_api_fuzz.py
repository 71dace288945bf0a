"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis).

Every generated request, valid or not, must get a declared status code with a JSON body that
matches the schema, and never a 500.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import GATE, World, bearer

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
if GATE:  # the same requests on every run of the gate (docs/testing.md)
    schema.config.seed = int(os.environ.get("FILIFORM_FUZZ_SEED", "16"))


@pytest.fixture
def fuzz_headers(world: World) -> Iterator[dict[str, str]]:
    """Schemathesis calls the WSGI application directly; like Django's test client, keep the
    start- and end-of-request hooks from closing the test's database connection mid-transaction."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield {"Authorization": bearer(world.fran, world.clinic)["HTTP_AUTHORIZATION"]}
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


# Examples per operation: 40 by default. scripts/test.sh runs 30 on PostgreSQL and 15 on SQLite
# (FILIFORM_FUZZ_EXAMPLES), where the same handlers run again on the lighter database, to keep
# the whole suite within 15 minutes on two cores.
FUZZ_EXAMPLES = int(os.environ.get("FILIFORM_FUZZ_EXAMPLES", "40"))


@schema.parametrize()
@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, fuzz_headers: dict[str, str]) -> None:
    # Schema-valid data may still break a clinical rule the schema cannot express (a date of
    # birth in the future): those answer 422 with the reason, which the other checks verify.
    case.call_and_validate(headers=fuzz_headers, excluded_checks=[positive_data_acceptance])
