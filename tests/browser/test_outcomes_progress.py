"""A patient's progress in headless Chromium on a 768 px tablet: a physiotherapist opens the
patient, follows "Progress", sees the pain and neck-disability charts with their baseline, the
needling visits marked and the "Reached MCID" badge, then downloads the progress report PDF."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.test_staff_flows import sign_in
from tests.conftest import World
from tests.outcomes.test_progress_pages import progress_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_open_a_patients_progress_chart_and_download_the_report(
    world: World, live_server, page: Page, shot
) -> None:
    # six weekly needling visits: pain 7 -> 3 (reached), neck disability 42 -> 36 % (not yet)
    progress_seed(world, nprs=(7, 6, 6, 5, 4, 3), ndi=(42, 42, 40, 40, 38, 36))
    sign_in(page, live_server.url, "bob@clinic.test")
    page.goto(
        live_server.url
        + reverse(
            "patients:detail",
            kwargs={"clinic_slug": world.clinic.slug, "patient_id": world.patient.pk},
        )
    )
    page.get_by_role("link", name="Progress", exact=True).click()
    expect(page.get_by_role("heading", name="Progress", exact=True)).to_be_visible()
    expect(page.get_by_test_id("needling-sessions")).to_have_text("6")

    nprs = page.locator('[data-testid="series"][data-instrument="nprs"]')
    chart = nprs.locator("svg.outcome-chart")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("role", "img")
    expect(chart.locator("line.baseline")).to_have_count(1)
    expect(chart.locator("rect.mcid-band")).to_have_count(1)
    expect(chart.locator("path.needling")).to_have_count(6)
    expect(chart.locator("circle.point")).to_have_count(6)
    expect(nprs.get_by_test_id("mcid-badge")).to_have_text("Reached MCID")
    expect(nprs.get_by_test_id("baseline")).to_contain_text("7 points")
    expect(nprs.get_by_test_id("change")).to_have_text("4 points better")

    ndi = page.locator('[data-testid="series"][data-instrument="ndi"]')
    expect(ndi.locator("svg.outcome-chart line.baseline")).to_have_count(1)
    expect(ndi.get_by_test_id("mcid-badge")).to_have_text("Not yet")
    expect(ndi.get_by_test_id("change")).to_have_text("6 percentage points better")
    shot("outcomes-progress")

    with page.expect_download() as download:
        page.get_by_test_id("progress-report").click()
    pdf = download.value
    assert pdf.suggested_filename.startswith(f"progress-{world.patient.pk}-")
    assert pdf.path().read_bytes().startswith(b"%PDF-")
