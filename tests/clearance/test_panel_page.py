"""The clearance panel on the patient page and the muscle check, over HTTP (issue 16, item 7):
muscles blocked by something other than the screening are named too, a reason is said once,
front desk never sees a green light over a finding, and the check shows no verdict before a
muscle is chosen."""

from __future__ import annotations

from django.test import Client

from filiform.clinics.models import Membership
from tests.clinical import consent_given, credential, membership, screened
from tests.conftest import World, client_for

CHEST = "does not cover the risk over the chest"


def _page(client: Client, world: World) -> str:
    response = client.get(f"/c/{world.clinic.slug}/patients/{world.patient.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _panel(page: str) -> str:
    start = page.index('data-testid="clearance-panel"')
    return page[start : page.index("</section>", start)]


def test_a_consent_without_the_chest_risk_names_the_chest_muscles_it_blocks(
    world: World,
) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob, thorax=False)
    screened(world.patient, world.bob)
    panel = _panel(_page(client_for(world.bob), world))
    assert "Go for some muscles" in panel
    assert "tone-limited" in panel
    assert "tone-go" not in panel
    blocked = panel[panel.index('data-testid="clearance-blocked"') :]
    for muscle in ("Pectoralis major", "Intercostals", "Rhomboids"):
        assert muscle in blocked
    assert panel.count(CHEST) == 1


def test_training_that_misses_a_region_names_it_once(world: World) -> None:
    credential(membership(world.bob, world.clinic), regions=["head_neck"])
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    panel = _panel(_page(client_for(world.bob), world))
    assert "Go for some muscles" in panel
    assert panel.count("training does not cover lower back") == 1


def test_nothing_found_anywhere_is_the_only_green_go(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    panel = _panel(_page(client_for(world.bob), world))
    assert "tone-go" in panel
    assert "nothing found limits any muscle" in panel


def test_no_consent_is_no_go_saying_why_once(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    screened(world.patient, world.bob)
    panel = _panel(_page(client_for(world.bob), world))
    assert "tone-no_go" in panel
    assert "may not needle this patient now" in panel
    assert panel.count("No consent recorded.") == 1


def test_front_desk_never_sees_green_over_a_finding(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob, {"diabetes": True})
    panel = _panel(_page(client_for(world.fran), world))
    assert "tone-caution" in panel
    assert "tone-go" not in panel
    assert "Diabetes" not in panel


def test_the_check_shows_no_verdict_before_a_muscle_is_chosen(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    client = client_for(world.bob)
    url = f"/c/{world.clinic.slug}/patients/{world.patient.pk}/clearance/"
    opened = client.get(url).content.decode()
    assert 'data-testid="clearance-result"' not in opened
    assert 'role="status"' not in opened
    bob = Membership.objects.get(user=world.bob, clinic=world.clinic)
    sent_empty = client.get(url, {"practitioner": bob.pk}).content.decode()
    assert 'data-testid="clearance-result"' not in sent_empty
    assert "Choose at least one muscle to check." in sent_empty
    query: dict[str, str | int] = {"practitioner": bob.pk, "muscles": "deltoid:left"}
    chosen = client.get(url, query).content.decode()
    assert 'data-testid="clearance-result"' in chosen
    assert "Go" in chosen[chosen.index('data-testid="clearance-verdict"') :]
