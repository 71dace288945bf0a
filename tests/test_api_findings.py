"""What the API fuzz (tests/test_api_fuzz.py) found, pinned one request each: every answer is a
declared 4xx with a JSON body, never a 500."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator

import pytest
from django.test import Client
from ninja import Schema

from tests.conftest import World, bearer
from tests.insurance import claim_fixtures


@pytest.mark.parametrize("path", ["/api/v1/practitioners/%C2%B3/trainings"])
def test_a_path_id_in_other_digits_is_refused_not_a_crash(world: World, path: str) -> None:
    # "³" is a digit to str.isdigit() but not to int(): the id check must use ASCII digits.
    response = Client().post(
        path,
        {"level": "FDN 1", "completed_on": "2024-07-20"},
        **bearer(world.bob, world.clinic),
    )
    assert response.status_code == 422
    assert "detail" in response.json()


def _schema_classes(cls: type[Schema]) -> Iterator[type[Schema]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _schema_classes(sub)


def test_every_api_schema_has_its_own_name_in_the_openapi_document() -> None:
    """django-ninja files each body and response schema under its class name: two different
    classes with one name share one entry, so one endpoint's answers are documented (and
    checked by the fuzz) with the other's fields. The fuzz as a physiotherapist found GET
    /consent-templates answering without the aftercare template's "thorax_warning"."""
    import filiform.api  # noqa: F401  (every router and its schemas)

    by_name: dict[str, set[str]] = defaultdict(set)
    for cls in _schema_classes(Schema):
        if cls.__module__.startswith("filiform."):
            by_name[cls.__name__].add(json.dumps(cls.model_json_schema(), sort_keys=True))
    assert {name for name, shapes in by_name.items() if len(shapes) > 1} == set()


@pytest.mark.parametrize("body", ["[null, null]", "[]", "7", '"text"', "true", "null"])
def test_a_body_that_is_not_a_json_object_is_refused(world: World, body: str) -> None:
    """A body whose fields are all optional (a PATCH) read any JSON as an object with no
    fields: the fuzz as the owner had PATCH /policies/{id} with ``[null, null]``, then with
    ``null``, answer 200."""
    policy = claim_fixtures.policy(world)
    owner = bearer(world.alice, world.clinic)
    for path in (f"/api/v1/policies/{policy.pk}", f"/api/v1/patients/{world.patient.pk}"):
        response = Client().patch(path, body, content_type="application/json", **owner)
        assert response.status_code == 400, (path, response.content)
        assert "JSON object" in response.json()["detail"]
