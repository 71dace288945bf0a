"""Shared data for the consent tests: a drawn signature, PNG images, a sent signing link."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from filiform.clinics.access import Access
from filiform.clinics.models import Membership
from filiform.consent.models import ConsentSigningRequest
from filiform.consent.remote import signing_link_issue, signing_request_create

SIGNATURE: list[list[list[float]]] = [
    [[20, 100], [80, 60], [140, 120], [220, 70]],
    [[260, 90], [320, 95]],
]


def access_of(user, clinic) -> Access:
    return Access(user=user, membership=Membership.objects.get(user=user, clinic=clinic))


def png_bytes(*, ink: bool = True, size: tuple[int, int] = (300, 100)) -> bytes:
    image = Image.new("RGBA", size, (255, 255, 255, 0))
    if ink:
        draw = ImageDraw.Draw(image)
        draw.line([(10, 70), (60, 20), (110, 80), (170, 25), (260, 60)], fill="black", width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def sent_link(world, *, user=None) -> tuple[ConsentSigningRequest, str]:
    """A signing link as the worker would have e-mailed it: the request and its secret."""
    if not world.patient.email:
        world.patient.email = "quill@patient.test"
        world.patient.email_ok = True
        world.patient.save()
    request = signing_request_create(
        access=access_of(user or world.bob, world.clinic),
        patient_id=world.patient.pk,
        risks_discussed=True,
        benefits_discussed=True,
        alternatives_discussed=True,
        discussion_method="phone",
        discussion_note="Call on Monday",
    )
    token = signing_link_issue(request_id=request.pk)
    assert token
    request.refresh_from_db()
    return request, token
