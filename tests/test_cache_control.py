"""Answers carrying health information are never stored by a browser or proxy
(filiform/cache_control.py)."""

from __future__ import annotations

from django.http import HttpResponse
from django.test import Client, RequestFactory

from filiform.cache_control import NoStoreMiddleware
from tests.conftest import World, bearer, client_for


def _no_store(response: object) -> None:
    assert "no-store" in response["Cache-Control"]  # type: ignore[index]
    assert response["Pragma"] == "no-cache"  # type: ignore[index]


def test_api_answers_and_errors_are_not_stored(world: World) -> None:
    headers = bearer(world.bob, world.clinic)
    _no_store(Client().get(f"/api/v1/patients/{world.patient.pk}", **headers))
    _no_store(Client().get("/api/v1/patients", **headers))
    _no_store(Client().get(f"/api/v1/patients/{2**40}", **headers))  # 404
    _no_store(Client().get("/api/v1/patients"))  # 401


def test_a_signed_in_clinic_page_is_not_stored(world: World) -> None:
    response = client_for(world.bob).get(f"/c/{world.clinic.slug}/patients/{world.patient.pk}/")
    assert response.status_code == 200
    _no_store(response)


def test_static_files_keep_their_cache_lifetime() -> None:
    cached = HttpResponse("body{}")
    cached["Cache-Control"] = "max-age=60, public"
    response = NoStoreMiddleware(lambda _request: cached)(RequestFactory().get("/static/app.css"))
    assert response["Cache-Control"] == "max-age=60, public"
