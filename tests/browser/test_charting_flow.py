"""Charting a session in headless Chromium on a 768 px tablet: Bob starts a visit, taps muscles
on the body chart, counts the needles, signs, is refused an edit of the signed note and adds an
addendum."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from filiform.charting.models import Insertion, Visit
from tests.browser.test_staff_flows import sign_in
from tests.clinical import consent_given, credential, membership, screened
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_chart_a_session_on_the_body_chart_sign_and_add_an_addendum(
    world: World, live_server, page: Page, shot
) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    sign_in(page, live_server.url, "bob@clinic.test")
    page.goto(
        live_server.url
        + reverse(
            "charting:visit_new",
            kwargs={"clinic_slug": world.clinic.slug, "patient_id": world.patient.pk},
        )
    )
    page.get_by_role("button", name="Start the visit").click()
    expect(page.get_by_role("heading", name="SOAP note")).to_be_visible()
    page.get_by_label("Subjective").fill("Right neck and buttock pain, 6/10.")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text("Note saved.")).to_be_visible()

    # Needling: prone, dry needling; the clearance is checked as it starts.
    page.get_by_label("Patient position").select_option("prone")
    page.get_by_role("button", name="Start needling").click()
    chart = page.locator("[data-charting-chart]")
    expect(chart).to_have_attribute("data-show", "back")
    back = chart.locator('.chart-frame[data-view="back"]')
    expect(back).to_be_visible()
    expect(chart.locator('.chart-frame[data-view="front"]')).to_be_hidden()

    # Tap a trigger point: muscle, side and point fill the form; the rhomboids' depth limit shows.
    back.locator('circle.tp[data-muscle="rhomboids"][data-side="right"]').first.click()
    expect(page.locator("#id_muscle")).to_have_value("rhomboids")
    expect(page.get_by_test_id("muscle-note")).to_contain_text("no deeper than 13 mm")
    depth = page.get_by_label("Depth (mm)")
    expect(depth).to_be_focused()
    depth.fill("25")
    depth.press("Enter")
    expect(page.locator("#entry-form .field-error").first).to_contain_text("no deeper than 13 mm")
    shot("charting-depth-refused")
    # Straight in, a 40 mm needle is longer than the 13 mm limit: a reason is asked for.
    page.get_by_label("Depth (mm)").fill("9")
    page.get_by_label("Depth (mm)").press("Enter")
    expect(page.locator("#entry-form")).to_contain_text("longer than the 13 mm limit")
    shot("charting-depth-needs-reason")
    page.get_by_label("Approach").select_option("oblique")
    page.get_by_label("Depth (mm)").press("Enter")
    expect(page.get_by_test_id("notice")).to_contain_text("Added: Rhomboids (right).")

    # The next one needs only the muscle: tap, then Add (needle and depth kept).
    back.locator('circle.tp[data-muscle="gluteus_medius"][data-side="left"]').first.click()
    expect(page.get_by_label("Depth (mm)")).to_have_value("9")
    page.get_by_test_id("add-insertion").click()
    expect(page.get_by_test_id("insertions").locator("tbody tr")).to_have_count(2)
    expect(page.locator("#session-points .mark")).to_have_count(2)
    expect(back.locator('path.muscle.needled[data-muscle="gluteus_medius"]').first).to_be_attached()

    # The keyboard route: find by name, pick the side, Enter.
    page.get_by_label("Find a muscle by name").fill("infraspin")
    page.locator('#entry-found [data-select="infraspinatus:right"]').click()
    page.get_by_test_id("add-insertion").press("Enter")
    expect(page.get_by_test_id("insertions").locator("tbody tr")).to_have_count(3)
    shot("charting-session")

    # Signing needs an assessment: the refusal shows beside the Sign button.
    page.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_test_id("sign-errors")).to_contain_text("The assessment is empty")
    shot("charting-sign-needs-assessment")
    page.get_by_label("Assessment", exact=True).fill(
        "Active trigger points, right rhomboids and gluteus medius."
    )
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_text("Note saved.")).to_be_visible()

    # Count the needles: signing is refused until they match.
    page.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_test_id("sign-errors")).to_contain_text("3 needles opened but 0 removed")
    page.get_by_label("Needles removed and in the sharps container").fill("3")
    page.get_by_role("button", name="Record the count").click()
    expect(page.get_by_test_id("count-ok")).to_be_visible()

    # A second tab keeps the draft open: its stale form will be refused after signing.
    stale = page.context.new_page()
    stale.goto(page.url.split("sign/")[0])  # a refused sign rendered the page at .../sign/
    page.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_test_id("visit-status")).to_have_text("Signed")
    visit = Visit.objects.get()
    expect(page.get_by_test_id("content-hash")).to_have_text(visit.content_sha256)
    shot("charting-signed")

    stale.get_by_label("Subjective").fill("Edited after signing")
    stale.get_by_role("button", name="Save note").click()
    expect(stale.get_by_test_id("locked-error").first).to_contain_text(
        "is locked. Add an addendum instead."
    )
    stale.close()
    assert Visit.objects.get().subjective == "Right neck and buttock pain, 6/10."

    page.get_by_text("Add addendum").first.click()
    page.get_by_label("Reason").fill("Late entry")
    page.get_by_label("Addendum").fill("Patient phoned next day: less pain.")
    page.get_by_role("button", name="Add addendum").click()
    expect(page.get_by_test_id("addendum")).to_contain_text("Patient phoned next day")
    shot("charting-addendum")
    assert Insertion.objects.count() == 3
