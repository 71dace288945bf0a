"""A recall reaches the visit, in headless Chromium: the owner recalls a needle lot from the
Needles page; the patient's timeline and the visit that used the lot say so, with the lot, the
date and the reason; the recall is on the dashboard as a safety alert."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.test_staff_flows import sign_in
from tests.conftest import World
from tests.supplies.test_recall_reaches_the_visit import _visit, stocked

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["stocked"]


def test_the_owner_recalls_a_lot_and_the_visit_shows_it(
    stocked: World, live_server, page: Page, shot
) -> None:
    visit = _visit(stocked, ("LOT-BAD", "LOT-GOOD"))
    sign_in(page, live_server.url, "alice@clinic.test")
    page.get_by_role("link", name="Supplies").click()
    row = page.locator('tr[data-lot="LOT-BAD"]')
    row.get_by_text("Recall", exact=True).click()
    row.get_by_label("Recall notice (reason or reference)").fill(
        "Supplier notice SN-77 (synthetic): packaging seal defect"
    )
    row.get_by_role("button", name="Recall this lot").click()
    expect(page.get_by_test_id("recall-patients")).to_contain_text(stocked.patient.display_name)

    page.goto(f"{live_server.url}/c/{stocked.clinic.slug}/patients/{stocked.patient.pk}/")
    banner = page.get_by_test_id("recall-banner")
    expect(banner).to_have_count(1)
    expect(banner).to_contain_text("Lot LOT-BAD")

    page.goto(f"{live_server.url}/c/{stocked.clinic.slug}/visits/{visit.pk}/")
    banner = page.get_by_test_id("recall-banner")
    today = timezone.localdate().isoformat()
    expect(banner).to_contain_text(f"recalled {today}: Supplier notice SN-77")
    expect(banner).to_contain_text("2 needles, insertion 1")
    expect(banner).not_to_contain_text("LOT-GOOD")
    expect(banner.get_by_role("link", name="Recall report")).to_be_visible()
    shot("recall-on-the-visit")

    page.get_by_role("link", name="Today").click()
    expect(page.get_by_test_id("safety-alert-row")).to_contain_text(
        "Needle lot LOT-BAD (Synthetic J-type 0.25×40 mm) recalled"
    )
