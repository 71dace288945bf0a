"""The body chart in headless Chromium: tap a muscle, see its referral zone; mark pain, get the
muscles that refer there; find a muscle from the keyboard."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_staff_flows import sign_in
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_tap_a_muscle_and_see_its_referral_zone(
    world: World, live_server, page: Page, shot
) -> None:
    sign_in(page, live_server.url, "bob@clinic.test")
    page.get_by_role("link", name="Body chart").click()
    shot("body-chart")
    back = page.locator('.chart-frame[data-view="back"]')
    back.locator('circle.tp[data-muscle="upper_trapezius"][data-side="right"]').first.click()
    selected = page.get_by_test_id("selected-muscles")
    expect(selected).to_contain_text("Upper trapezius (right)")
    expect(selected).to_contain_text("Temple")
    expect(
        page.locator(
            '.chart-frame[data-view="front"] path.zone.referral[data-zone="temple"][data-side="right"]'
        )
    ).to_have_count(1)
    expect(page.locator('path.zone.referral[data-zone="temple"][data-side="left"]')).to_have_count(
        0
    )
    expect(
        back.locator('path.muscle.selected[data-muscle="upper_trapezius"][data-side="right"]').first
    ).to_be_visible()
    shot("body-chart-selected")
    # Keyboard route: find by name, choose the side.
    page.get_by_label("Find a muscle by name").fill("glute med")
    page.locator('[data-select="gluteus_medius:left"]').click()
    expect(selected).to_contain_text("Gluteus medius (left)")
    # Zoom in and back.
    frame_svg = back.locator("svg")
    page.get_by_role("button", name="Zoom in").click()
    assert frame_svg.get_attribute("viewBox") != "0 0 400 900"
    page.get_by_role("button", name="Fit").click()
    assert frame_svg.get_attribute("viewBox") == "0 0 400 900"


def test_mark_pain_and_get_the_muscles_that_refer_there(
    world: World, live_server, page: Page, shot
) -> None:
    sign_in(page, live_server.url, "bob@clinic.test")
    page.goto(f"{live_server.url}/c/{world.clinic.slug}/anatomy/")
    page.get_by_label("mark where it hurts").check()
    zone = page.locator(
        '.chart-frame[data-view="front"] path.zone[data-zone="lateral_thigh"][data-side="right"]'
    )
    zone.scroll_into_view_if_needed()
    box = zone.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    results = page.get_by_test_id("pain-results")
    expect(results).to_contain_text("Gluteus minimus (right)")
    expect(results).to_contain_text("Tensor fasciae latae (right)")
    expect(results).to_contain_text("Vastus lateralis (right)")
    shot("body-chart-pain")
    results.get_by_role("button", name="Vastus lateralis (right)").click()
    expect(page.get_by_test_id("selected-muscles")).to_contain_text("Vastus lateralis (right)")
