"""A session cookie cannot borrow another clinic through the API's clinic header.

The walk of every page and API operation with another clinic's real ids is
tests/clinics/test_isolation_seeded.py."""

from __future__ import annotations

import pytest

from tests.conftest import World, client_for

MARKERS = ("Zanzibarian", "Quill", "Riverside Test Physio", "alice@clinic.test", "bob@clinic.test")


def _assert_leaks_nothing(body: bytes, where: str) -> None:
    text = body.decode("utf-8", "replace")
    for marker in MARKERS:
        assert marker not in text, f"{where} revealed {marker!r} to another clinic's user"


@pytest.mark.parametrize("persona", ["olga"])
def test_session_api_with_another_clinics_header_is_refused(world: World, persona: str) -> None:
    client = client_for(getattr(world, persona))
    response = client.get(
        f"/api/v1/patients/{world.patient.pk}", HTTP_X_FILIFORM_CLINIC=world.clinic.slug
    )
    assert response.status_code == 401
    _assert_leaks_nothing(response.content, "session API")
