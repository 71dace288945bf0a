"""Clinicians clicking through the real pages in headless Chromium."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from filiform.clinics.models import Role
from tests.conftest import World
from tests.factories import TEST_PASSWORD, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def code_for(device: TOTPDevice, drift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def test_enrol_and_sign_in_with_two_factor(world: World, live_server, page: Page, shot) -> None:
    world.clinic.require_staff_two_factor = True
    world.clinic.save()
    sign_in(page, live_server.url, "bob@clinic.test")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_alt_text("QR code for your authenticator app")).to_be_visible()
    shot("two-factor-enrol")
    secret_hex = page.get_by_test_id("totp-key").get_attribute("data-hex")
    device = TOTPDevice.objects.get(user=world.bob, confirmed=False)
    assert device.key == secret_hex
    page.get_by_label("Code from your authenticator app").fill(code_for(device))
    page.get_by_role("button", name="Turn on two-factor").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    shot("two-factor-recovery-codes")
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_role("heading", name=world.clinic.name)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server.url, "bob@clinic.test")
    expect(page.get_by_role("heading", name="Enter your two-factor code")).to_be_visible()
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code was not accepted")).to_be_visible()
    shot("two-factor-wrong-code")
    device.refresh_from_db()
    device.throttle_reset()
    page.get_by_label("Code from your authenticator app").fill(code_for(device, drift=1))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name=world.clinic.name)).to_be_visible()
    shot("dashboard-physiotherapist")


def test_switch_clinic(world: World, live_server, page: Page, shot) -> None:
    MembershipFactory(user=world.alice, clinic=world.other_clinic, role=Role.OWNER)
    sign_in(page, live_server.url, "alice@clinic.test")
    expect(page.get_by_role("heading", name="Choose a clinic")).to_be_visible()
    page.get_by_role("button", name=re.compile(world.clinic.name)).click()
    expect(page.get_by_role("heading", name=world.clinic.name)).to_be_visible()
    # The switcher submits itself on change (filiform.js, deferred): the heading can show before
    # the script has run, and a change made then would go nowhere.
    page.wait_for_load_state("load")
    page.get_by_label("Clinic", exact=True).select_option(world.other_clinic.slug)
    expect(page.get_by_role("heading", name=world.other_clinic.name)).to_be_visible()
    expect(page.get_by_text(f"You are now working in {world.other_clinic.name}")).to_be_visible()
    shot("clinic-switched")
    page.get_by_role("link", name="Patients").click()
    expect(page.get_by_text("Otherfolk, Wren")).to_be_visible()
    expect(page.get_by_text("Zanzibarian")).to_have_count(0)


def test_front_desk_is_refused_an_owner_page(world: World, live_server, page: Page, shot) -> None:
    sign_in(page, live_server.url, "fran@clinic.test")
    expect(page.get_by_role("link", name="Patients")).to_be_visible()
    expect(page.get_by_role("link", name="User activity")).to_have_count(0)
    page.goto(f"{live_server.url}/c/{world.clinic.slug}/activity/")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_text("This refusal has been recorded")).to_be_visible()
    shot("front-desk-refused")


def test_owner_reviews_user_activity(world: World, live_server, page: Page, shot) -> None:
    sign_in(page, live_server.url, "alice@clinic.test")
    page.get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="Zanzibarian, Quill").click()
    page.get_by_role("link", name="User activity").click()
    page.get_by_label("Action").select_option("read")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr").first).to_contain_text("alice@clinic.test")
    shot("user-activity")


def test_front_desk_registers_and_finds_a_patient(
    world: World, live_server, page: Page, shot
) -> None:
    sign_in(page, live_server.url, "fran@clinic.test")
    page.get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="New patient").click()
    page.get_by_label("Given names").fill("Ida")
    page.get_by_role("button", name="Save patient").click()
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    shot("patient-form-errors")
    page.get_by_label("Family name").fill("Quartz")
    page.get_by_label("Date of birth").fill("1979-02-03")
    page.get_by_label("Administrative gender").select_option("female")
    page.get_by_role("button", name="Save patient").click()
    expect(page.get_by_role("heading", name="Ida Quartz")).to_be_visible()
    page.get_by_role("link", name="Patients").click()
    # Typing searches as you type once the page's script is running; Enter searches either way
    # (a plain form), so the test does not race the script's start.
    search = page.get_by_label("Name, phone or date of birth")
    search.fill("quar")
    search.press("Enter")
    expect(page.locator("#patient-rows tbody tr")).to_have_count(1)
    expect(page.locator("#patient-rows")).to_contain_text("Quartz, Ida")
    shot("patient-search")
    # The same person again: Filiform warns before creating a duplicate record.
    page.get_by_role("link", name="New patient").click()
    page.get_by_label("Given names").fill("Ida")
    page.get_by_label("Family name").fill("QUARTZ")
    page.get_by_label("Date of birth").fill("1979-02-03")
    page.get_by_label("Administrative gender").select_option("female")
    page.get_by_role("button", name="Save patient").click()
    expect(page.get_by_test_id("possible-duplicates")).to_contain_text("Quartz, Ida")
    shot("patient-possible-duplicate")
    page.get_by_label("I have checked: this is a different person").check()
    page.get_by_role("button", name="Save patient").click()
    expect(page.get_by_role("heading", name="Ida QUARTZ")).to_be_visible()


def test_owner_adds_staff_and_changes_a_role(world: World, live_server, page: Page, shot) -> None:
    sign_in(page, live_server.url, "alice@clinic.test")
    page.get_by_role("link", name="Staff").click()
    page.get_by_label("Given name").fill("Nia")
    page.get_by_label("Family name").fill("Okoye")
    page.get_by_label("E-mail").fill("nia@clinic.test")
    page.get_by_role("combobox", name="Role", exact=True).select_option("front_desk")
    page.get_by_role("button", name="Add to staff").click()
    expect(page.get_by_text("An e-mail with a sign-in link is on its way")).to_be_visible()
    row = page.get_by_test_id("staff-nia@clinic.test")
    expect(row).to_contain_text("Active")
    row.get_by_label("Role of Nia").select_option("billing")
    row.get_by_role("button", name="Change role").click()
    expect(page.get_by_text("Staff list updated.")).to_be_visible()
    expect(page.get_by_test_id("staff-nia@clinic.test").get_by_label("Role of Nia")).to_have_value(
        "billing"
    )
    shot("staff-list")
    page.get_by_role("link", name="Clinic settings").click()
    page.locator("#id_location-name").fill("Downtown")
    page.get_by_role("button", name="Add location").click()
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    page.locator("#id_location-province").select_option("ON")
    page.get_by_role("button", name="Add location").click()
    expect(page.get_by_text("Location “Downtown” added.")).to_be_visible()
    shot("clinic-settings")


def test_physiotherapist_without_authorization_sees_no_go(
    world: World, live_server, page: Page, shot
) -> None:
    sign_in(page, live_server.url, "uma@clinic.test")
    page.get_by_role("link", name="My credentials").click()
    panel = page.get_by_test_id("needling-standing")
    expect(panel).to_contain_text("No-go")
    expect(panel).to_contain_text("No needling authorization (college roster or permit) on file.")
    page.get_by_text("Add a registration").click()
    page.get_by_label("Province").select_option("ON")
    page.get_by_label("College").fill("College of Physiotherapists of Ontario")
    page.get_by_label("Registration number").fill("T-123")
    page.get_by_label("Status").select_option("general")
    page.get_by_label("Registration expires on").fill("2030-01-31")
    page.get_by_role("button", name="Save registration").click()
    expect(page.get_by_text("College of Physiotherapists of Ontario #T-123")).to_be_visible()
    expect(page.get_by_test_id("needling-standing")).not_to_contain_text(
        "No professional registration"
    )
    shot("credentials-no-go")


def test_owner_publishes_a_new_consent_version(world: World, live_server, page: Page, shot) -> None:
    sign_in(page, live_server.url, "alice@clinic.test")
    page.get_by_role("link", name="Consent text").click()
    expect(page.get_by_test_id("consent-text")).to_contain_text("pneumothorax")
    page.get_by_label("Text (Markdown").fill("## Our consent\n\nWe explain **every** risk.")
    page.get_by_label("What changed, and why").fill("Shorter text for the pilot")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("Version 2 saved.")).to_be_visible()
    expect(page.get_by_test_id("consent-text")).to_contain_text("We explain every risk.")
    page.get_by_role("link", name="v1", exact=True).click()
    expect(page.locator(".consent-text")).to_contain_text("pneumothorax")
    shot("consent-text-v1")


def test_patient_signs_consent_on_the_canvas(world: World, live_server, page: Page, shot) -> None:
    sign_in(page, live_server.url, "bob@clinic.test")
    page.goto(f"{live_server.url}/c/{world.clinic.slug}/patients/{world.patient.pk}/")
    page.get_by_role("link", name="Consent to needling").click()
    expect(page.get_by_test_id("consent-status")).to_contain_text("No consent recorded.")
    for label in (
        "Risks discussed",
        "Expected benefits discussed",
        "Alternatives discussed",
        "questions were asked and answered",
    ):
        page.get_by_label(label).check()
    page.get_by_label("Gives consent").check()
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_text("The signature box is empty")).to_be_visible()
    for label in (
        "Risks discussed",
        "Expected benefits discussed",
        "Alternatives discussed",
        "questions were asked and answered",
    ):
        page.get_by_label(label).check()
    page.get_by_label("Gives consent").check()
    pad = page.get_by_test_id("signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 30, box["y"] + box["height"] * 0.6)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(
            box["x"] + 30 + step * 12,
            box["y"] + box["height"] * (0.6 + 0.25 * ((-1) ** step)) / 1.5,
            steps=2,
        )
    page.mouse.up()
    shot("consent-signing")
    page.get_by_role("button", name="Record consent").click()
    expect(page.get_by_text("Consent recorded.")).to_be_visible()
    expect(page.get_by_test_id("patient-consent-status")).to_contain_text("Consent in force until")
