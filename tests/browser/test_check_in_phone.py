"""The check-in on a phone, in headless Chromium: the worker e-mails the link when the check-in
comes due, the patient reports shortness of breath after needling over the chest and is told to
call 911 first, and the clinician's dashboard shows the red-flag alert."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from filiform.aftercare.models import CheckIn, CheckInStatus, RedFlagAlert
from filiform.aftercare.tasks import send_check_in
from tests.aftercare.needled import cleared, needled_visit
from tests.browser.test_staff_flows import sign_in
from tests.conftest import ARTIFACTS, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def work() -> None:
    call_command("worker", "--batch", "--verbosity", "0")


def _text_of(message) -> str:
    plain = message.get_payload()[0] if message.is_multipart() else message
    return plain.get_payload(decode=True).decode()


def test_patient_reports_breathlessness_on_a_phone_and_the_dashboard_shows_the_alert(
    world: World, live_server, page: Page, browser: Browser, shot, smtp_server
) -> None:
    world.patient.email, world.patient.email_ok = "quill@patient.test", True
    world.patient.phone = "+1-613-555-0199"
    world.patient.save()
    cleared(world)
    visit = needled_visit(world, ("upper_trapezius:left",))
    check_in = CheckIn.objects.get(visit=visit)
    assert check_in.thorax_needled
    # A day goes by: the check-in is due now (the task queued at signing waits for the old due
    # time, so queue it again, as the worker would find it then).
    CheckIn.objects.filter(pk=check_in.pk).update(due_at=timezone.now())
    send_check_in.enqueue(check_in_id=check_in.pk)
    work()
    work()  # the check-in's e-mail is queued by the task that sends it
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.SENT
    invitations = [m for m in smtp_server.messages if "How are you" in m["Subject"]]
    assert len(invitations) == 1
    assert invitations[0]["To"] == "quill@patient.test"
    match = re.search(r"https?://[^/\s]+(/p/[^/\s]+/)", _text_of(invitations[0]))
    assert match
    link = live_server.url + match.group(1)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    patient = phone.new_page()
    response = patient.goto(link)
    assert response is not None
    assert response.headers["x-robots-tag"].startswith("noindex")
    expect(patient.get_by_test_id("emergency-note")).to_contain_text(
        "Short of breath or chest pain? Call 911 now, don't wait"
    )
    expect(patient.get_by_role("link", name="Sign out")).to_have_count(0)
    patient.get_by_role("radio", name="5", exact=True).tap()
    patient.get_by_label("About the same").check()
    patient.get_by_label("No bruise").check()
    patient.get_by_label("Shortness of breath").check()
    expect(patient.get_by_role("radio", name="5", exact=True)).to_be_checked()
    patient.screenshot(path=str(_artifact("check-in-phone-form")), full_page=True)
    patient.get_by_role("button", name="Send my answers").tap()

    emergency = patient.get_by_test_id("emergency-message")
    expect(emergency).to_be_visible()
    expect(emergency).to_contain_text("Call 911 or go to the emergency department now")
    expect(patient.get_by_text("Your physiotherapist has been alerted.")).to_be_visible()
    box = emergency.bounding_box()
    assert box is not None
    assert box["y"] < 400  # the first thing on the screen
    patient.screenshot(path=str(_artifact("check-in-phone-red-flag")), full_page=True)
    alert = RedFlagAlert.objects.get(check_in=check_in)
    assert alert.level == "red"

    patient.goto(link)
    expect(patient.get_by_text("You already answered this check-in")).to_be_visible()
    phone.close()

    work()  # the red-flag e-mail to the clinicians
    flagged = [m for m in smtp_server.messages if "RED FLAG" in m["Subject"]]
    assert flagged
    assert "+1-613-555-0199" in _text_of(flagged[0])

    sign_in(page, live_server.url, "bob@clinic.test")
    page.goto(f"{live_server.url}/c/{world.clinic.slug}/")
    alerts = page.get_by_test_id("red-flag-alerts")
    expect(alerts).to_contain_text("Quill Zanzibarian")
    expect(alerts).to_contain_text("Shortness of breath")
    shot("check-in-dashboard-red-flag")
    assert RedFlagAlert.objects.count() == 1


def test_patient_opens_the_emailed_sheet_on_a_phone_and_downloads_the_pdf(
    world: World, live_server, browser: Browser, smtp_server
) -> None:
    world.patient.email, world.patient.email_ok = "quill@patient.test", True
    world.patient.save()
    cleared(world)
    needled_visit(world, ("upper_trapezius:left",), advice="Walk every hour tomorrow.")
    work()
    [sheet_mail] = smtp_server.messages
    match = re.search(r"https?://[^/\s]+(/p/[^/\s]+/)", _text_of(sheet_mail))
    assert match

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, accept_downloads=True
    )
    patient = phone.new_page()
    patient.goto(live_server.url + match.group(1))
    expect(patient.get_by_test_id("thorax-warning")).to_contain_text("call 911")
    expect(patient.get_by_test_id("sheet-advice")).to_contain_text("Walk every hour tomorrow.")
    patient.screenshot(path=str(_artifact("aftercare-sheet-phone")), full_page=True)
    with patient.expect_download() as download:
        patient.get_by_role("link", name="Download as PDF").tap()
    path = download.value.path()
    assert path.read_bytes().startswith(b"%PDF-")
    assert download.value.suggested_filename.startswith(f"aftercare-{world.patient.pk}-")
    phone.close()


def _artifact(name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"
