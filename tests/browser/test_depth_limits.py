"""Settings → Depth limits in headless Chromium: an owner allows the intercostals for
ultrasound-guided needling and makes the rhomboids' limit stricter, by keyboard."""

import pytest
from playwright.sync_api import Page, expect

from filiform.anatomy.models import MuscleSafetyChoice
from tests.browser.test_staff_flows import sign_in
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_changes_depth_limits_from_settings(
    world: World, live_server, page: Page, shot
) -> None:
    sign_in(page, live_server.url, "alice@clinic.test")
    page.goto(f"{live_server.url}/c/{world.clinic.slug}/settings/")
    page.get_by_role("link", name="Depth limits and cautions").click()
    table = page.get_by_test_id("depth-limits")
    rhomboids = table.locator('tr[data-muscle="rhomboids"]')
    expect(rhomboids).to_contain_text("13 mm")
    expect(table.locator('tr[data-muscle="intercostals"]')).to_contain_text("Blocked")
    shot("depth-limits")

    # Looser than the measurement allows: refused with the reason.
    rhomboids.get_by_text("Change for this clinic").focus()
    page.keyboard.press("Enter")
    rhomboids.get_by_label("Limit (mm)").fill("19")
    rhomboids.get_by_label("Why (clinic policy)").fill("We prefer the published target depth.")
    rhomboids.get_by_label("Why (clinic policy)").press("Enter")
    expect(page.locator(".messages")).to_contain_text("stricter, not looser")

    rhomboids = page.get_by_test_id("depth-limits").locator('tr[data-muscle="rhomboids"]')
    rhomboids.get_by_text("Change for this clinic").click()
    rhomboids.get_by_label("Limit (mm)").fill("11")
    rhomboids.get_by_label("Why (clinic policy)").fill("Our patients are mostly slim athletes.")
    rhomboids.get_by_label("Why (clinic policy)").press("Enter")
    expect(page.locator(".messages")).to_contain_text("Saved.")
    expect(
        page.get_by_test_id("depth-limits").locator('tr[data-muscle="rhomboids"]')
    ).to_contain_text("default 13 mm")

    intercostals = page.get_by_test_id("depth-limits").locator('tr[data-muscle="intercostals"]')
    intercostals.get_by_text("Change for this clinic").click()
    intercostals.get_by_label("Allow (e.g. ultrasound-guided only)").check()
    intercostals.get_by_label("Why (clinic policy)").fill("Ultrasound-guided needling only.")
    intercostals.get_by_role("button", name="Save Intercostals").click()
    expect(
        page.get_by_test_id("depth-limits").locator('tr[data-muscle="intercostals"]')
    ).to_contain_text("Allowed by the clinic")
    shot("depth-limits-changed")
    assert MuscleSafetyChoice.objects.filter(allow_blocked=True).count() == 1
