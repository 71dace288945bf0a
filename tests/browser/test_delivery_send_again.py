"""A failed signing-link e-mail, seen by the clinician on the patient's consent page in headless
Chromium: the reason in plain words, and "Send again" reached and pressed with the keyboard
alone, after which the link's e-mail is queued."""

import pytest
from playwright.sync_api import Page, expect

from filiform.consent.remote import signing_link_delivery, signing_request_create
from filiform.notices.models import MessageStatus
from tests.browser.test_staff_flows import sign_in
from tests.conftest import World
from tests.consent.helpers import access_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_clinician_sends_a_failed_signing_link_again_by_keyboard(
    world: World, live_server, page: Page, shot
) -> None:
    world.patient.email, world.patient.email_ok = "quill@patient.test", True
    world.patient.save()
    request = signing_request_create(
        access=access_of(world.bob, world.clinic),
        patient_id=world.patient.pk,
        risks_discussed=True,
        benefits_discussed=True,
        alternatives_discussed=True,
        discussion_method="phone",
    )
    message = signing_link_delivery([request])[request.pk]
    message.status, message.attempts = MessageStatus.FAILED, 6
    message.last_error = "SMTPRecipientsRefused: {'quill@patient.test': (550, b'no mailbox')}"
    message.save()

    sign_in(page, live_server.url, "bob@clinic.test")
    page.goto(f"{live_server.url}/c/{world.clinic.slug}/patients/{world.patient.pk}/consent/")
    row = page.get_by_test_id("signing-link-row")
    delivery = row.get_by_test_id("signing-link-delivery")
    expect(delivery).to_contain_text("Failed: not delivered")
    expect(delivery).to_contain_text("after 6 attempts")
    expect(delivery).to_contain_text("The mail server refused the recipient's address.")
    expect(delivery).not_to_contain_text("550")
    again = row.get_by_role("button", name="Send again: a fresh signing link to quill@patient.test")
    expect(again).to_be_visible()
    row.get_by_role("button", name="Cancel link").focus()
    page.keyboard.press("Shift+Tab")  # back from "Cancel link" to "Send again"
    expect(again).to_be_focused()
    shot("delivery-send-again-failed")
    page.keyboard.press("Enter")

    expect(
        page.get_by_text("A fresh signing link is being e-mailed to quill@patient.test")
    ).to_be_visible()
    expect(page.get_by_test_id("signing-link-delivery")).to_contain_text("E-mail: Queued")
    expect(
        page.get_by_role("button", name="Send again: a fresh signing link to quill@patient.test")
    ).to_have_count(0)
    shot("delivery-send-again-queued")
    assert signing_link_delivery([request])[request.pk].status == MessageStatus.QUEUED
