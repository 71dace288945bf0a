"""Walk every URL pattern and every API operation as a user of another clinic: nothing of this
clinic may come back, only 403/404 (or the outsider's own data)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from filiform.api import api
from tests.clinical import all_answered
from tests.conftest import World, bearer, client_for

# Strings that only this clinic's data contains.
MARKERS = ("Zanzibarian", "Quill", "Riverside Test Physio", "alice@clinic.test", "bob@clinic.test")
SKIP_PREFIXES = ("static/", "api/v1/")  # the API is walked through its own schema below


def _patterns(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def _fill(route: str, world: World) -> str:
    values = {
        "clinic_slug": world.clinic.slug,
        "patient_id": str(world.patient.pk),
        "token_id": "1",
        "location_id": "1",
        "membership_id": "1",
        "uidb64": "MQ",
        "token": "set-password",
    }

    def sub(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[-1]
        return values.get(name, "1")

    return "/" + re.sub(r"<([^>]+)>", sub, route).replace("^", "").replace("$", "")


def _assert_leaks_nothing(body: bytes, where: str) -> None:
    text = body.decode("utf-8", "replace")
    for marker in MARKERS:
        assert marker not in text, f"{where} revealed {marker!r} to another clinic's user"


def test_every_page_refuses_another_clinics_user(world: World) -> None:
    walked = 0
    for route, _pattern in _patterns(get_resolver()):
        if route.startswith(SKIP_PREFIXES):
            continue
        url = _fill(route, world)
        for method in ("get", "post"):
            client = client_for(world.olga)  # fresh each time: the walk includes sign-out
            response = getattr(client, method)(url)
            _assert_leaks_nothing(response.content, f"{method.upper()} {url}")
            if "clinic_slug" in route:
                assert response.status_code in (403, 404), (
                    f"{method.upper()} {url} → {response.status_code}"
                )
            else:
                assert response.status_code < 500, (
                    f"{method.upper()} {url} → {response.status_code}"
                )
        walked += 1
    assert walked >= 10


def _api_operations() -> Iterator[tuple[str, str, dict]]:
    schema = api.get_openapi_schema()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def test_every_api_operation_refuses_another_clinics_token(world: World) -> None:
    client = client_for(world.olga)
    client.logout()
    headers = bearer(world.olga, world.other_clinic)
    walked = 0
    for method, path, _operation in _api_operations():
        url = re.sub(
            r"\{(\w+)\}",
            lambda m: str(world.patient.pk) if m.group(1) == "patient_id" else "1",
            path,
        )
        # Valid for every write the API has, so that each one reaches its clinic check.
        body = json.dumps(
            {
                "family_name": "x",
                "given_names": "y",
                "birth_date": "1990-01-01",
                "gender": "male",
                "answers": all_answered(),  # a complete screening: every answer is required
                "condition": "Isolation check",
                "reason": "Isolation check",
                "effect": "off",
                "view": "front",
                "x": 0,
                "y": 0,
                "percent": 0,
                "hauler": "Isolation check",
                "manifest_number": "Isolation check",
                "patient_id": 1,
                "method": "phone",
                "outcome": "no_answer",  # free text for supplies, a call outcome for aftercare
                "episode_id": 1,
                "version": 1,
                "text": "Isolation check",
                "position": "prone",
                "muscle": "deltoid",
                "side": "left",
                "needle_diameter_mm": "0.25",
                "needle_length_mm": 40,
                "depth_mm": "10",
                "opened": 1,
                "removed": 1,
                "description": "Isolation check",
                "action_taken": "Isolation check",
                "kind": "bruising",
                "severity": "mild",
                "timing": "after",
                "goals": "Isolation check",
                "components": ["exercise"],
                "title": "Isolation check",
                "body": "Isolation check",
                "thorax_warning": "Isolation check",
                "advice": "Isolation check",
                "home_exercises": "Isolation check",
                "soreness": 0,
                "compared": "same",
                "bruising": "none",
                "instrument": "nprs",
                "instruments": ["nprs"],
                "texts": ["Isolation check"],
                "amount": "1.00",
                "insurer_id": 1,
                "group_number": "Isolation check",
                "member_id": "Isolation check",
                "effective_on": "2026-01-01",
                "date_of_service": "2026-01-01",
                "insurer_paid": "1.00",
                "paid_amount": "1.00",
                "note": "Isolation check",
            }
        )
        response = client.generic(
            method.upper(), url, body, content_type="application/json", **headers
        )
        _assert_leaks_nothing(response.content, f"{method.upper()} {url}")
        if "{" in path:
            assert response.status_code in (403, 404), (
                f"{method.upper()} {url} → {response.status_code}"
            )
        else:
            assert response.status_code < 500
        assert response["Content-Type"].startswith("application/json")
        walked += 1
    assert walked >= 4


@pytest.mark.parametrize("persona", ["olga"])
def test_session_api_with_another_clinics_header_is_refused(world: World, persona: str) -> None:
    client = client_for(getattr(world, persona))
    response = client.get(
        f"/api/v1/patients/{world.patient.pk}", HTTP_X_FILIFORM_CLINIC=world.clinic.slug
    )
    assert response.status_code == 401
    _assert_leaks_nothing(response.content, "session API")
