"""The clearance panel in headless Chromium (issue 16, item 7): a patient on an anticoagulant,
as in the demo, is "Go for some muscles" — never a green Go — with the blocked muscles named and
the cause said once; "Check muscles" shows no verdict until a muscle is chosen, by keyboard too."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_staff_flows import sign_in
from tests.clinical import consent_given, credential, membership, screened
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMPRESS = "cannot be compressed"  # the anticoagulant rule's reason
BLEEDING = "Bleeding risk"  # the caution every other muscle carries


def _anticoagulated(world: World) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(
        world.patient,
        world.bob,
        {"anticoagulants": ["apixaban"], "medications": "apixaban 5 mg twice daily"},
    )


def test_the_panel_says_go_for_some_muscles_and_names_the_blocked_ones_once(
    world: World, live_server, page: Page, shot
) -> None:
    _anticoagulated(world)
    sign_in(page, live_server.url, "bob@clinic.test")
    page.goto(f"{live_server.url}/c/{world.clinic.slug}/patients/{world.patient.pk}/")
    panel = page.get_by_test_id("clearance-panel")
    expect(panel.get_by_role("heading", name="Clearance for needling")).to_be_visible()
    status = panel.get_by_role("status")
    expect(status).to_contain_text("Go for some muscles")
    expect(status).to_contain_text("except the blocked muscles named below")
    expect(panel).to_have_class(re.compile(r"\btone-limited\b"))  # amber, not green
    expect(panel).not_to_have_class(re.compile(r"\btone-go\b"))
    blocked = panel.get_by_test_id("clearance-blocked")
    for muscle in ("Iliopsoas", "Quadratus lumborum", "Tibialis posterior", "Piriformis"):
        expect(blocked).to_contain_text(muscle)
    expect(blocked).to_contain_text(COMPRESS)
    expect(panel.get_by_test_id("whole-body-findings")).to_contain_text("Every other muscle")
    text = panel.inner_text()
    assert text.count(COMPRESS) == 1, text
    assert text.count(BLEEDING) == 1, text
    regions = panel.get_by_test_id("screening-regions")
    lower_back = regions.locator("tr", has_text="Lower back")
    expect(lower_back).to_contain_text("Blocked")
    expect(lower_back).to_contain_text("Quadratus lumborum")
    expect(regions.locator("tr", has_text="Forearm and hand")).to_contain_text("Caution")
    shot("clearance-panel-anticoagulant")


def test_check_muscles_shows_no_verdict_until_a_muscle_is_chosen_by_keyboard_too(
    world: World, live_server, page: Page, shot
) -> None:
    _anticoagulated(world)
    sign_in(page, live_server.url, "bob@clinic.test")
    page.goto(f"{live_server.url}/c/{world.clinic.slug}/patients/{world.patient.pk}/")
    page.get_by_test_id("clearance-panel").get_by_role("link", name="Check muscles").click()
    expect(page.get_by_role("heading", name="May we needle these muscles?")).to_be_visible()
    expect(page.get_by_test_id("clearance-result")).to_have_count(0)
    expect(page.get_by_role("status")).to_have_count(0)
    shot("clearance-check-nothing-chosen")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_test_id("clearance-hint")).to_contain_text("Choose at least one muscle")
    expect(page.get_by_test_id("clearance-result")).to_have_count(0)
    # The keyboard alone: into the list, type the muscle's name, on to Check, Enter.
    muscles = page.get_by_label("Muscles")
    muscles.focus()
    page.keyboard.type("Iliopsoas")
    expect(muscles).to_have_values(["iliopsoas:left"])
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Check")).to_be_focused()
    page.keyboard.press("Enter")
    result = page.get_by_test_id("clearance-result")
    expect(result.get_by_role("status")).to_contain_text("No-go")
    expect(result.locator('tr[data-muscle="iliopsoas:left"]')).to_contain_text(COMPRESS)
    # Two muscles, one blocked: the headline says so, and every-muscle causes are said once.
    page.get_by_label("Muscles").select_option(["iliopsoas:left", "upper_trapezius:right"])
    page.get_by_role("button", name="Check").click()
    result = page.get_by_test_id("clearance-result")
    expect(result.get_by_role("status")).to_contain_text("Go for some muscles")
    expect(result.locator('tr[data-muscle="upper_trapezius:right"]')).to_contain_text("Caution")
    assert result.inner_text().count(BLEEDING) == 1, result.inner_text()
    shot("clearance-check-some-muscles")


def test_front_desk_sees_the_level_without_health_details(
    world: World, live_server, page: Page, shot
) -> None:
    _anticoagulated(world)
    sign_in(page, live_server.url, "fran@clinic.test")
    page.goto(f"{live_server.url}/c/{world.clinic.slug}/patients/{world.patient.pk}/")
    panel = page.get_by_test_id("clearance-panel")
    expect(panel.get_by_role("status")).to_contain_text("Go for some muscles")
    expect(panel).not_to_have_class(re.compile(r"\btone-go\b"))
    for detail in ("apixaban", "Iliopsoas", "compress", "Bleeding"):
        expect(panel).not_to_contain_text(detail)
    shot("clearance-panel-front-desk")
