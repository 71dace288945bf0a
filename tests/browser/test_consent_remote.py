"""Remote consent in headless Chromium: the clinician e-mails a link, the patient signs it on a
phone with a real mouse drag, and the link then refuses a second use."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from filiform.consent.models import ConsentRecord
from tests.browser.test_staff_flows import sign_in
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def draw_signature(page: Page) -> None:
    pad = page.get_by_test_id("signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.6)
    page.mouse.down()
    for step in range(1, 20):
        page.mouse.move(
            box["x"] + 20 + step * (box["width"] - 40) / 20,
            box["y"] + box["height"] * (0.5 + 0.3 * ((-1) ** step)),
            steps=3,
        )
    page.mouse.up()


def test_patient_signs_through_the_emailed_link_once(
    world: World, live_server, page: Page, browser: Browser, shot, smtp_server
) -> None:
    world.patient.email = "quill@patient.test"
    world.patient.email_ok = True
    world.patient.save()
    sign_in(page, live_server.url, "bob@clinic.test")
    page.goto(f"{live_server.url}/c/{world.clinic.slug}/patients/{world.patient.pk}/consent/")
    links = page.get_by_test_id("signing-links")
    links.get_by_label("I discussed the risks").check()
    links.get_by_label("I discussed the expected benefits").check()
    links.get_by_label("I discussed the alternatives").check()
    links.get_by_label("How we talked").select_option("phone")
    links.get_by_role("button", name="E-mail the signing link").click()
    expect(
        page.get_by_text("A signing link is being e-mailed to quill@patient.test")
    ).to_be_visible()
    expect(page.get_by_test_id("signing-link-row")).to_contain_text("Waiting for the patient")

    call_command("worker", "--batch", "--verbosity", "0")
    assert len(smtp_server.messages) == 1
    body = smtp_server.messages[0].get_payload()[0].get_payload(decode=True).decode()
    match = re.search(r"https?://[^/\s]+(/consent/sign/[\w-]+/)", body)
    assert match
    link = live_server.url + match.group(1)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    patient = phone.new_page()
    patient.goto(link)
    expect(patient.get_by_test_id("consent-text")).to_contain_text("pneumothorax")
    patient.get_by_label("I was able to ask my questions").check()
    patient.get_by_label("collapsed lung (pneumothorax)").check()
    patient.get_by_label("I consent to dry needling").check()
    expect(patient.get_by_label("Your full name")).to_have_value("Quill Zanzibarian")
    patient.get_by_role("button", name="Sign and send my decision").click()
    expect(patient.get_by_text("The signature box is empty")).to_be_visible()
    assert not ConsentRecord.objects.exists()

    patient.get_by_label("I was able to ask my questions").check()
    patient.get_by_label("collapsed lung (pneumothorax)").check()
    patient.get_by_label("I consent to dry needling").check()
    draw_signature(patient)
    patient.screenshot(path=str(_artifact("consent-remote-signing")), full_page=True)
    patient.get_by_role("button", name="Sign and send my decision").click()
    expect(patient.get_by_text("Thank you: your decision is recorded")).to_be_visible()
    record = ConsentRecord.objects.get()
    assert record.signing_request.used_at is not None
    assert len(record.signature_strokes) == 1

    patient.goto(link)
    expect(patient.get_by_text("This link was already used")).to_be_visible()
    patient.screenshot(path=str(_artifact("consent-remote-link-used")), full_page=True)
    phone.close()

    page.reload()
    expect(page.get_by_test_id("signing-link-row")).to_contain_text("Signed")
    expect(page.get_by_test_id("consent-status")).to_contain_text("Consent in force until")
    shot("consent-remote-staff-view")
    assert ConsentRecord.objects.count() == 1


def _artifact(name: str):
    from tests.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
