"""The one page shape and the one API shape of "entered in error"
(filiform/clinics/record_endpoints.py), through a credential: the reason's limit is the same
300 characters as every record's, on the page and in the API."""

from __future__ import annotations

import json

from django.contrib.messages import get_messages
from django.test import Client

from filiform.practitioners.models import Registration
from tests.clinical import credential, membership
from tests.conftest import World, bearer, client_for


def _registration(world: World) -> Registration:
    credential(membership(world.bob, world.clinic))
    return Registration.objects.get()


def test_the_api_refuses_a_reason_over_300_characters(world: World) -> None:
    registration = _registration(world)
    member = membership(world.bob, world.clinic)
    url = f"/api/v1/practitioners/{member.pk}/registrations/{registration.pk}/entered-in-error"
    client = Client()
    client.defaults.update(bearer(world.bob, world.clinic))

    def post(reason: str) -> int:
        body = json.dumps({"reason": reason})
        return client.post(url, body, content_type="application/json").status_code

    assert post("w" * 301) == 422
    registration.refresh_from_db()
    assert registration.entered_in_error_at is None
    assert post("w" * 300) == 200
    registration.refresh_from_db()
    assert registration.entered_in_error_reason == "w" * 300


def test_the_page_says_why_and_goes_back_when_the_reason_is_refused(world: World) -> None:
    registration = _registration(world)
    member = membership(world.bob, world.clinic)
    page = f"/c/{world.clinic.slug}/staff/{member.pk}/credentials/"
    form = {"kind": "error", "what": "registrations", "credential_id": registration.pk}
    refused = client_for(world.bob).post(page, {**form, "reason": "w" * 301})
    assert (refused.status_code, refused["Location"]) == (302, page)
    assert [str(m) for m in get_messages(refused.wsgi_request)] == [
        "Say why this entry is in error."
    ]
    registration.refresh_from_db()
    assert registration.entered_in_error_at is None
