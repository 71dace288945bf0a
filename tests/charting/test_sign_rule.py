"""Needles in = needles out (charting/needling.py, ``needle_count_blocks_signing``): one
function says why a count stops signing; the sign service refuses exactly when it does, and the
visit page warns exactly then."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from filiform.charting.models import NeedlingSession, Visit
from filiform.charting.needling import (
    insertion_add,
    needle_count_blocks_signing,
    needle_incident_raise,
    needles_count,
    session_start,
)
from filiform.charting.specs import InsertionSpec, SessionSpec
from filiform.charting.visits import visit_sign, visit_start
from tests.clinical import access_for, consent_given, credential, membership, screened
from tests.conftest import World, client_for

INSERTION = {
    "muscle": "deltoid",
    "side": "left",
    "needle_diameter_mm": "0.25",
    "needle_length_mm": 40,
    "needle_count": 2,
    "depth_mm": "15",
    "technique": "pistoning",
}


@pytest.fixture
def ready(world: World) -> World:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    return world


def _counted(
    world: World, opened: int, removed: int, *, incident_at: tuple[int, int] | None = None
) -> tuple[Visit, NeedlingSession]:
    """A draft visit whose session charted two needles; with ``incident_at``, the counts an
    incident was raised at, before the final count."""
    episode = world.patient.episodes.first()
    assert episode is not None
    bob = access_for(world.bob, world.clinic)
    visit = visit_start(
        access=bob,
        patient_id=world.patient.pk,
        episode_id=episode.pk,
        subjective="Shoulder pain",
        assessment="Active trigger points reproduce the pain",
    )
    session = session_start(
        access=bob, visit_id=visit.pk, session=SessionSpec.parse({"position": "prone"})
    )
    insertion_add(access=bob, session_id=session.pk, insertion=InsertionSpec.parse(INSERTION))
    if incident_at is not None:
        needles_count(
            access=bob, session_id=session.pk, opened=incident_at[0], removed=incident_at[1]
        )
        needle_incident_raise(
            access=bob, session_id=session.pk, description="Dropped", action_taken="Searched"
        )
    needles_count(access=bob, session_id=session.pk, opened=opened, removed=removed)
    return visit, NeedlingSession.objects.get(pk=session.pk)


def _page_warns(world: World, visit: Visit) -> bool:
    url = reverse("charting:visit", kwargs={"clinic_slug": world.clinic.slug, "visit_id": visit.pk})
    page = client_for(world.bob).get(url)
    assert page.status_code == 200
    return 'data-testid="count-problem"' in page.content.decode()


def _service_refuses(world: World, visit: Visit) -> bool:
    try:
        visit_sign(access=access_for(world.bob, world.clinic), visit_id=visit.pk)
    except ValidationError as error:
        refused_for = list(error.message_dict)
    else:
        return False
    assert refused_for == ["needles"]
    return True


@pytest.mark.parametrize(
    ("opened", "removed", "incident_at", "blocked"),
    [
        (2, 2, None, False),  # every needle out
        (3, 3, None, False),  # a spare opened and disposed of too
        (2, 1, None, True),  # one missing, nothing recorded
        (2, 0, None, True),
        (2, 3, None, True),  # more out than in: a miscount
        (2, 1, (2, 1), False),  # one missing, an incident records it
        (3, 1, (2, 1), True),  # the incident recorded one; two are missing now
    ],
)
def test_the_page_warns_exactly_when_the_sign_service_refuses(
    ready: World, opened: int, removed: int, incident_at: tuple[int, int] | None, blocked: bool
) -> None:
    visit, session = _counted(ready, opened, removed, incident_at=incident_at)
    assert bool(needle_count_blocks_signing(session)) is blocked
    assert _page_warns(ready, visit) is blocked
    assert _service_refuses(ready, visit) is blocked
    visit.refresh_from_db()
    assert visit.status == ("draft" if blocked else "signed")


def test_the_reason_given_is_the_one_the_service_gives(ready: World) -> None:
    visit, session = _counted(ready, 2, 1)
    reason = needle_count_blocks_signing(session)
    assert "2 needles opened but 1 removed" in reason
    with pytest.raises(ValidationError) as refused:
        visit_sign(access=access_for(ready.bob, ready.clinic), visit_id=visit.pk)
    assert refused.value.message_dict == {"needles": [reason]}
