"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis).

Every generated request, valid or not, must get a declared status code with a JSON body that
matches the schema, and never a 500.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import World, bearer

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def fuzz_headers(world: World) -> dict[str, str]:
    return {"Authorization": bearer(world.fran, world.clinic)["HTTP_AUTHORIZATION"]}


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, fuzz_headers: dict[str, str]) -> None:
    # Schema-valid data may still break a clinical rule the schema cannot express (a date of
    # birth in the future): those answer 422 with the reason, which the other checks verify.
    case.call_and_validate(headers=fuzz_headers, excluded_checks=[positive_data_acceptance])
