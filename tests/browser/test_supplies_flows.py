"""Supplies in headless Chromium: receiving stock, and a sharps container's life."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from filiform.clinics.models import Location
from filiform.supplies.stock import product_add
from tests.browser.test_staff_flows import sign_in
from tests.clinical import access_for
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_front_desk_receives_a_box_of_needles(world: World, live_server, page: Page, shot) -> None:
    Location.objects.create(clinic=world.clinic, name="Main clinic", province="ON")
    product_add(
        access=access_for(world.alice, world.clinic),
        brand="Synthetic J-type",
        diameter_mm="0.25",
        length_mm=40,
        handle="metal",
    )
    sign_in(page, live_server.url, "fran@clinic.test")
    page.get_by_role("link", name="Supplies").click()
    page.get_by_label("Lot number").fill("BX-2044")
    page.get_by_label("Expires on").fill("2020-01-31")
    page.get_by_label("Needles received").fill("100")
    page.get_by_role("button", name="Receive").click()
    expect(page.get_by_text("This lot has expired")).to_be_visible()
    page.get_by_label("Expires on").fill(
        (timezone.localdate() + dt.timedelta(days=500)).isoformat()
    )
    page.get_by_role("button", name="Receive").click()
    expect(page.get_by_text("Received 100 needles of lot BX-2044.")).to_be_visible()
    expect(page.locator('tr[data-lot="BX-2044"]')).to_contain_text("Main clinic: 100")
    shot("supplies-received")


def test_a_sharps_container_from_opening_to_pickup(
    world: World, live_server, page: Page, shot
) -> None:
    Location.objects.create(clinic=world.clinic, name="Main clinic", province="ON")
    sign_in(page, live_server.url, "fran@clinic.test")
    page.goto(f"{live_server.url}/c/{world.clinic.slug}/supplies/sharps/")
    page.get_by_label("Room").fill("Treatment room 2")
    page.get_by_label("Container label").fill("SC-21")
    page.get_by_role("button", name="Open container").click()
    row = page.locator('tr[data-container="SC-21"]')
    expect(row).to_contain_text("In use")
    row.get_by_label("Fill level (%)").fill("80")
    row.get_by_role("button", name="Update").click()
    expect(page.get_by_test_id("sharps-alerts")).to_contain_text("80 % full")
    page.locator('tr[data-container="SC-21"]').get_by_role("button", name="Seal").click()
    row = page.locator('tr[data-container="SC-21"]')
    expect(row).to_contain_text("Sealed")
    row.get_by_label("Hauler").fill("Synthetic Haulers Ltd")
    row.get_by_label("Manifest number").fill("MAN-7781")
    row.get_by_role("button", name="Picked up").click()
    expect(page.locator('tr[data-container="SC-21"]')).to_contain_text("manifest MAN-7781")
    shot("sharps-lifecycle")
