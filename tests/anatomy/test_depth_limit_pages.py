"""Settings → Depth limits (page and API): clinicians read, owners change, others are refused."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse

from filiform.anatomy.models import MuscleSafetyChoice
from tests.conftest import World, bearer, client_for

NOTE = "Every chest-wall insertion here is ultrasound-guided."


def _page(world: World) -> str:
    return reverse("anatomy:depth_limits", kwargs={"clinic_slug": world.clinic.slug})


def test_clinicians_read_the_limits_with_their_sources(world: World) -> None:
    page = client_for(world.bob).get(_page(world))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-muscle="rhomboids"' in text
    assert "13 mm" in text
    assert "Seol SJ" in text  # the source behind the 13 mm
    assert 'name="max_depth_mm"' not in text  # only owners change them


def test_an_owner_changes_a_limit_on_the_page(world: World) -> None:
    alice = client_for(world.alice)
    url = reverse(
        "anatomy:depth_limit_set",
        kwargs={"clinic_slug": world.clinic.slug, "muscle": "upper_trapezius"},
    )
    saved = alice.post(url, {"max_depth_mm": "12", "note": NOTE, "caution": ""}, follow=True)
    assert "Saved." in saved.content.decode()
    assert MuscleSafetyChoice.objects.get().max_depth_mm == 12
    refused = alice.post(url, {"max_depth_mm": "12", "note": "ok"}, follow=True)
    assert "Say in a sentence why" in refused.content.decode()
    assert client_for(world.bob).post(url, {"max_depth_mm": "20", "note": NOTE}).status_code == 403
    assert MuscleSafetyChoice.objects.get().max_depth_mm == 12


def _api(world: World, user) -> Client:
    return Client(**bearer(user, world.clinic))


def test_the_api_lists_and_sets_limits(world: World) -> None:
    rows = _api(world, world.fran).get("/api/v1/depth-limits").json()
    rhomboids = next(r for r in rows if r["muscle"] == "rhomboids")
    assert (rhomboids["max_depth_mm"], rhomboids["judgement"]) == ("13", False)
    intercostals = next(r for r in rows if r["muscle"] == "intercostals")
    assert intercostals["blocked"] is True

    def put(user, muscle: str, body: dict) -> object:
        return _api(world, user).put(
            f"/api/v1/depth-limits/{muscle}", json.dumps(body), content_type="application/json"
        )

    allowed = put(world.alice, "intercostals", {"allow_blocked": True, "note": NOTE})
    assert allowed.status_code == 200, allowed.content  # type: ignore[attr-defined]
    assert allowed.json()["allowed_by_clinic"] is True  # type: ignore[attr-defined]
    looser = put(world.alice, "rhomboids", {"max_depth_mm": "19", "note": NOTE})
    assert looser.status_code == 422  # type: ignore[attr-defined]
    assert "stricter" in looser.content.decode()  # type: ignore[attr-defined]
    assert put(world.bob, "rhomboids", {"max_depth_mm": "10", "note": NOTE}).status_code == 403  # type: ignore[attr-defined]
    assert put(world.alice, "no_such_muscle", {"note": NOTE}).status_code == 404  # type: ignore[attr-defined]
    # Another clinic sees Filiform's defaults, not this clinic's choice.
    olga = Client(**bearer(world.olga, world.other_clinic))
    other = olga.get("/api/v1/depth-limits").json()
    assert next(r for r in other if r["muscle"] == "intercostals")["allowed_by_clinic"] is False
