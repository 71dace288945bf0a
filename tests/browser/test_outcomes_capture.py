"""Outcome measures taken in headless Chromium: on a 768 px tablet a physiotherapist records the
pain rating and an NDI from the visit page's card and sees the scores at once; on a phone a
patient answers the questionnaires e-mailed before the visit."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect

from filiform.outcomes.models import Measurement
from tests.aftercare.needled import cleared, needled_visit
from tests.browser.test_staff_flows import sign_in
from tests.conftest import ARTIFACTS, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NDI = [2, 1, 3, 0, 2, 1, 2, 3, 1, 2]  # 17 of 50: 34 %, moderate


def test_a_clinician_records_nprs_and_ndi_from_the_visit_card(
    world: World, live_server, page: Page, shot
) -> None:
    cleared(world)
    visit = needled_visit(world, muscles=("upper_trapezius:right",), sign=False)
    sign_in(page, live_server.url, "bob@clinic.test")
    page.goto(
        live_server.url
        + reverse("charting:visit", kwargs={"clinic_slug": world.clinic.slug, "visit_id": visit.pk})
    )
    card = page.get_by_test_id("measures-card")
    expect(card.get_by_test_id("measures-none")).to_be_visible()
    card.get_by_role("link", name="NPRS", exact=True).click()

    form = page.get_by_test_id("measure-form")
    form.get_by_role("radio", name="6", exact=True).click()
    expect(form.get_by_role("radio", name="6", exact=True)).to_be_checked()
    shot("outcomes-nprs-form")
    page.get_by_role("button", name="Save NPRS").click()
    expect(page.locator(".messages")).to_contain_text("NPRS recorded: 6/10.")
    card = page.get_by_test_id("measures-card")
    expect(card.get_by_test_id("measure-row")).to_contain_text("6/10")

    card.get_by_role("link", name="NDI", exact=True).click()
    expect(page.get_by_test_id("neutral-labels")).to_be_visible()
    for number, answer in enumerate(NDI[:-1], start=1):
        page.get_by_test_id(f"item-{number}").get_by_role(
            "radio", name=str(answer), exact=True
        ).click()
    page.get_by_role("button", name="Save NDI").click()  # item 10 forgotten
    last = page.get_by_test_id("item-10")
    expect(last).to_contain_text("Choose an answer, or “Not answered”.")
    expect(page.get_by_test_id("measure-errors")).to_contain_text("Nothing was saved.")
    expect(
        page.get_by_test_id("item-3").get_by_role("radio", name="3", exact=True)
    ).to_be_checked()  # the answers given are kept
    assert Measurement.objects.filter(instrument="ndi").count() == 0
    last.get_by_role("radio", name=str(NDI[-1]), exact=True).click()
    shot("outcomes-ndi-form")
    page.get_by_role("button", name="Save NDI").click()

    expect(page.locator(".messages")).to_contain_text("NDI recorded: 34 %, moderate disability.")
    rows = page.get_by_test_id("measures-card").get_by_test_id("measure-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("34 %, moderate disability")
    shot("outcomes-visit-card")
    stored = {m.instrument: m for m in Measurement.objects.filter(visit=visit)}
    assert stored["nprs"].value == Decimal("6")
    assert stored["ndi"].value == Decimal("34.0")


def test_a_patient_answers_the_questionnaires_on_a_phone(
    world: World, live_server, page: Page, browser: Browser, smtp_server
) -> None:
    world.patient.email, world.patient.email_ok = "quill@patient.test", True
    world.patient.save()
    cleared(world)
    sign_in(page, live_server.url, "fran@clinic.test")
    page.goto(
        live_server.url
        + reverse(
            "patients:detail",
            kwargs={"clinic_slug": world.clinic.slug, "patient_id": world.patient.pk},
        )
    )
    box = page.get_by_test_id("send-measures")
    box.get_by_label("NPRS (pain)").check()
    box.get_by_label("ODI (low back)").check()
    box.get_by_role("button", name="Send questionnaires").click()
    expect(page.locator(".messages")).to_contain_text("are being e-mailed to quill@patient.test")
    call_command("worker", "--batch", "--verbosity", "0")
    [mail] = smtp_server.messages
    plain = mail.get_payload()[0].get_payload(decode=True).decode()
    match = re.search(r"https?://[^/\s]+(/p/[^/\s]+/)", plain)
    assert match

    phone = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    patient = phone.new_page()
    patient.goto(live_server.url + match.group(1))
    expect(patient.get_by_role("link", name="Sign out")).to_have_count(0)
    patient.get_by_test_id("nprs-nprs").get_by_role("radio", name="5", exact=True).tap()
    for number in range(1, 11):
        item = patient.get_by_test_id(f"odi-item-{number}")
        if number == 6:
            item.get_by_label("I prefer not to answer").check()
        else:
            item.get_by_role("radio", name="2", exact=True).tap()
    patient.screenshot(path=str(ARTIFACTS / "outcomes-phone-questionnaires.png"), full_page=True)
    patient.get_by_role("button", name="Send my answers").tap()
    expect(patient.get_by_test_id("measures-done")).to_contain_text(
        "Thank you: your answers were received"
    )
    patient.goto(live_server.url + match.group(1))
    expect(patient.get_by_text("You already answered these questionnaires")).to_be_visible()
    phone.close()
    stored = {m.instrument: m for m in Measurement.objects.all()}
    assert stored["nprs"].value == Decimal("5")
    assert (stored["odi"].value, stored["odi"].source) == (Decimal("40.0"), "patient")
