"""What the API fuzz (tests/test_api_fuzz.py) found, pinned one request each: every answer is a
declared 4xx with a JSON body, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import World, bearer


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
