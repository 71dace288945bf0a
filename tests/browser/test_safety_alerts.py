"""Safety alerts in headless Chromium: an owner sees a serious adverse event's alert on the
dashboard, with its e-mail being retried (the mail server is down), and acknowledges it with
the keyboard; it leaves the dashboard and the history says who, when and what was done."""

import pytest
from playwright.sync_api import Page, expect

from filiform.charting.needling import adverse_event_add
from filiform.charting.specs import AdverseEventSpec
from filiform.charting.visits import visit_start
from filiform.notices.models import MessageStatus, OutboxMessage
from filiform.notices.outbox import message_attempt
from tests.aftercare.test_check_in_flow import socket_closed
from tests.browser.test_staff_flows import sign_in
from tests.clinical import access_for, consent_given, credential, membership, screened
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SUMMARY = "Serious adverse event: Suspected pneumothorax (after treatment)"


def test_an_owner_acknowledges_a_safety_alert_with_the_keyboard(
    world: World, live_server, page: Page, shot, settings, smtp_server
) -> None:
    credential(membership(world.bob, world.clinic))
    consent_given(world.patient, world.bob)
    screened(world.patient, world.bob)
    bob = access_for(world.bob, world.clinic)
    episode = world.patient.episodes.get()
    visit = visit_start(
        access=bob, patient_id=world.patient.pk, episode_id=episode.pk, subjective="Neck pain"
    )
    adverse_event_add(
        access=bob,
        visit_id=visit.pk,
        event=AdverseEventSpec.parse(
            {
                "kind": "pneumothorax",
                "severity": "serious",
                "timing": "after",
                "action_taken": "Sent to the emergency department by ambulance",
            }
        ),
    )
    with socket_closed() as dead_port:  # the mail server is down: the e-mail waits to retry
        settings.EMAIL_PORT = dead_port
        assert message_attempt(OutboxMessage.objects.get().pk) == MessageStatus.RETRYING

    sign_in(page, live_server.url, "alice@clinic.test")
    panel = page.get_by_test_id("safety-alerts")
    row = panel.get_by_test_id("safety-alert-row")
    expect(row).to_contain_text(SUMMARY)
    expect(row).to_contain_text("E-mail: Retrying: mail server not reachable")
    expect(row).to_contain_text("attempt 1 failed, next at")
    shot("safety-alert-on-the-dashboard")

    # Keyboard only: from the alert's link, Tab to the note, type it, Enter.
    row.get_by_role("link", name=SUMMARY).focus()
    page.keyboard.press("Tab")  # "Open the visit"
    page.keyboard.press("Tab")
    note = row.get_by_label("Note of what was done or decided")
    expect(note).to_be_focused()
    page.keyboard.type("ok")
    page.keyboard.press("Enter")  # too short: the browser keeps the form, nothing is sent
    expect(row).to_be_visible()
    page.keyboard.press("Control+A")
    page.keyboard.type(
        "Called the ED at 16:20: chest drain in, patient stable; incident review Monday"
    )
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"Safety alert acknowledged: {SUMMARY}")).to_be_visible()
    expect(page.get_by_test_id("safety-alerts")).to_contain_text("No open safety alerts.")
    shot("safety-alert-acknowledged")

    page.get_by_role("link", name="All safety alerts, with who acknowledged them").click()
    history = page.get_by_test_id("safety-alert-history")
    expect(history).to_contain_text(SUMMARY)
    expect(history).to_contain_text("Alice")
    expect(history).to_contain_text("chest drain in, patient stable")
