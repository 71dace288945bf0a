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
    ``null``, answer 200. Well-formed JSON of the wrong shape is a 422, like any body that does
    not fit the schema (issue 17), on PATCH and PUT alike."""
    policy = claim_fixtures.policy(world)
    owner = bearer(world.alice, world.clinic)
    for method, path in (
        ("PATCH", f"/api/v1/policies/{policy.pk}"),
        ("PATCH", f"/api/v1/patients/{world.patient.pk}"),
        ("PUT", "/api/v1/screening-rules/needle_phobia"),
    ):
        response = Client().generic(method, path, body, content_type="application/json", **owner)
        assert response.status_code == 422, (path, response.content)
        assert "JSON object" in response.json()["detail"]


@pytest.mark.parametrize("fee", ["1e1", "1E2", "NaN", "Infinity", "1_000"])
def test_an_amount_in_exponent_or_special_form_is_refused(world: World, fee: str) -> None:
    """issue 17: amounts accepted "1e1" (read by Decimal as 10)."""
    body = {"code": "x1", "name": "X", "kind": "other", "duration_minutes": 30, "fee": fee}
    response = Client().post(
        "/api/v1/fees", body, content_type="application/json", **bearer(world.alice, world.clinic)
    )
    assert response.status_code == 422, response.content
    assert "fee" in json.dumps(response.json())


def test_every_operation_declares_414() -> None:
    """issue 17: gunicorn answers a request line over 4094 bytes with 414, before the
    application: the schema did not list it."""
    schema = Client().get("/api/v1/openapi.json").json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert "414" in operation["responses"], (method, path)


def test_api_answers_are_not_stored_by_caches(world: World) -> None:
    """issue 17: answers carrying health information had no Cache-Control."""
    response = Client().get(
        f"/api/v1/patients/{world.patient.pk}", **bearer(world.bob, world.clinic)
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"
