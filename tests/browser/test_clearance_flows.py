"""Screening and clearance in headless Chromium, as a physiotherapist and front desk use them."""

import pytest
from playwright.sync_api import Page, expect

from filiform.screening.answers import QUESTIONS
from tests.browser.test_staff_flows import sign_in
from tests.clinical import consent_given, credential, membership, screened
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _answer(page: Page, question: str, choice: str) -> None:
    page.get_by_role("group", name=question, exact=True).get_by_label(choice, exact=True).check()


def test_physiotherapist_screens_a_patient_and_sees_the_blocked_muscle(
    world: World, live_server, page: Page, shot
) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    sign_in(page, live_server.url, "bob@clinic.test")
    page.goto(f"{live_server.url}/c/{world.clinic.slug}/patients/{world.patient.pk}/")
    panel = page.get_by_test_id("clearance-panel")
    expect(panel).to_contain_text("No-go")
    expect(panel).to_contain_text("No screening on file")
    panel.get_by_role("link", name="Screening").click()
    page.get_by_label("New episode: condition being treated").fill("Left-sided low back pain")
    # Nothing is ticked for the clinician: sent blank, each question says it is not answered.
    expect(page.locator('input[type="radio"]:checked')).to_have_count(0)
    page.get_by_role("button", name="Save screening").click()
    errors = page.get_by_test_id("screening-errors")
    expect(errors).to_contain_text("Nothing was saved. Not answered: Needle phobia")
    phobia = page.get_by_role("group", name="Needle phobia", exact=True)
    expect(phobia).to_contain_text("Not answered: choose yes, no or unsure.")
    expect(page.get_by_role("group", name="Epilepsy", exact=True)).to_contain_text("Not answered")
    shot("screening-blank-errors")
    # The first answer by keyboard: focus the group's first choice, arrow to "No".
    phobia.get_by_label("Yes", exact=True).focus()
    page.keyboard.press("ArrowRight")
    expect(phobia.get_by_label("No", exact=True)).to_be_checked()
    expect(phobia.get_by_label("Yes", exact=True)).not_to_be_checked()
    # The rest by click: "no" unless the patient said otherwise.
    special = {"Anticoagulants", "Diabetes", "Epilepsy", "Current medications (any)"}
    for question in QUESTIONS.values():
        label = str(question.label)
        if label != "Needle phobia" and label not in special:
            _answer(page, label, "No")
    _answer(page, "Epilepsy", "No epilepsy")
    _answer(page, "Diabetes", "Yes")
    _answer(page, "Anticoagulants", "Yes")
    page.get_by_label("Apixaban").check()
    _answer(page, "Current medications (any)", "Yes (list them)")
    page.get_by_label("Current medications", exact=True).fill(
        "apixaban 5 mg twice daily; metformin"
    )
    shot("screening-form")
    page.get_by_role("button", name="Save screening").click()
    expect(page.get_by_text("Screening saved.")).to_be_visible()
    panel = page.get_by_test_id("clearance-panel")
    expect(panel.get_by_test_id("clearance-verdict")).to_contain_text("Go")
    regions = page.get_by_test_id("screening-regions")
    expect(regions.locator("tr", has_text="Pelvis and hip")).to_contain_text("Blocked")
    expect(regions.locator("tr", has_text="Pelvis and hip")).to_contain_text("Iliopsoas")
    expect(regions.locator("tr", has_text="Pelvis and hip")).to_contain_text("some muscles")
    expect(regions.locator("tr", has_text="Forearm and hand")).to_contain_text("Caution")
    expect(page.get_by_test_id("whole-body-findings")).to_contain_text("Diabetes")
    shot("clearance-panel")
    panel.get_by_role("link", name="Check muscles").click()
    page.get_by_label("Muscles").select_option(["iliopsoas:left", "upper_trapezius:right"])
    page.get_by_role("button", name="Check").click()
    result = page.get_by_test_id("clearance-result")
    expect(result.locator('tr[data-muscle="iliopsoas:left"]')).to_contain_text("No-go")
    expect(result.locator('tr[data-muscle="iliopsoas:left"]')).to_contain_text(
        "cannot be compressed"
    )
    expect(result.locator('tr[data-muscle="upper_trapezius:right"]')).to_contain_text("Caution")
    shot("clearance-check")


def test_physiotherapist_without_authorization_sees_no_go_on_the_patient_page(
    world: World, live_server, page: Page, shot
) -> None:
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    sign_in(page, live_server.url, "uma@clinic.test")
    page.goto(f"{live_server.url}/c/{world.clinic.slug}/patients/{world.patient.pk}/")
    panel = page.get_by_test_id("clearance-panel")
    expect(panel.get_by_test_id("clearance-verdict")).to_contain_text("No-go")
    expect(panel.get_by_test_id("clearance-reasons")).to_contain_text(
        "No needling authorization (college roster or permit) on file."
    )
    shot("clearance-no-go-unauthorized")


def test_front_desk_sees_clearance_in_place_without_screening_details(
    world: World, live_server, page: Page, shot
) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob, {"anticoagulants": ["warfarin"]})
    sign_in(page, live_server.url, "fran@clinic.test")
    page.goto(f"{live_server.url}/c/{world.clinic.slug}/patients/{world.patient.pk}/")
    panel = page.get_by_test_id("clearance-panel")
    expect(panel.get_by_test_id("patient-screening-status")).to_contain_text("Screening in place")
    expect(panel).not_to_contain_text("warfarin")
    expect(panel.get_by_role("link", name="Screening")).to_have_count(0)
    shot("clearance-front-desk")


def test_owner_softens_a_rule_for_the_clinic(world: World, live_server, page: Page, shot) -> None:
    sign_in(page, live_server.url, "alice@clinic.test")
    page.get_by_role("link", name="Clinic settings").click()
    page.get_by_role("link", name="Screening rules").click()
    row = page.locator('tr[data-rule="pacemaker"]')
    row.get_by_label("Effect").select_option("off")
    row.get_by_label("Why").fill("We never use electrical stimulation")
    row.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Screening rule saved.")).to_be_visible()
    expect(page.locator('tr[data-rule="pacemaker"]')).to_contain_text("Changed by")
    shot("screening-rules")
