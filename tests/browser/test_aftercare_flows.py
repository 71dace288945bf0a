"""Aftercare in headless Chromium on a 768 px tablet: a physiotherapist writes the advice on the
draft visit, signs and shows the sheet to the patient; the front desk hands a sheet over and works
the follow-up call list; a clinician closes a red-flag alert with what was done."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from filiform.aftercare.check_ins import check_in_record_by_phone
from filiform.aftercare.models import CheckIn, Delivery, DeliveryStatus, FollowUpCall, RedFlagAlert
from filiform.aftercare.triage import CheckInAnswers, Symptom
from tests.aftercare.needled import cleared, needled_visit
from tests.browser.test_staff_flows import sign_in
from tests.clinical import access_for
from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_advice_on_the_draft_visit_then_sign_and_show_the_sheet(
    world: World, live_server, page: Page, shot
) -> None:
    cleared(world)
    visit = needled_visit(world, muscles=("upper_trapezius:left",), sign=False)
    sign_in(page, live_server.url, "bob@clinic.test")
    page.goto(
        live_server.url
        + reverse("charting:visit", kwargs={"clinic_slug": world.clinic.slug, "visit_id": visit.pk})
    )
    card = page.get_by_test_id("aftercare-card")
    expect(card.get_by_test_id("aftercare-send-to")).to_contain_text("Deliver in person")
    card.get_by_label("Advice for the patient").fill("Heat on your neck tonight, 15 minutes.")
    card.get_by_label("Home exercises").fill("Chin tucks, 10 times, 3 times a day.")
    card.get_by_role("button", name="Save aftercare advice").click()
    expect(page.get_by_test_id("aftercare-card")).to_contain_text("Aftercare advice saved.")
    shot("aftercare-draft-card")

    page.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_test_id("visit-status")).to_have_text("Signed")
    card = page.get_by_test_id("aftercare-card")
    expect(card.get_by_test_id("aftercare-deliveries")).to_contain_text("Deliver in person")
    expect(card.get_by_test_id("aftercare-check-in")).to_contain_text("To call (no e-mail)")
    shot("aftercare-signed-card")

    card.get_by_test_id("show-to-patient").click()
    expect(page.get_by_test_id("sheet-advice")).to_contain_text(
        "Heat on your neck tonight, 15 minutes."
    )
    expect(page.get_by_test_id("sheet-exercises")).to_contain_text("Chin tucks")
    expect(page.get_by_test_id("thorax-warning")).to_be_visible()
    expect(page.get_by_test_id("thorax-warning")).to_contain_text("call 911")
    shot("aftercare-show-to-patient")


def test_front_desk_hands_over_and_works_the_call_list(
    world: World, live_server, page: Page, shot
) -> None:
    cleared(world)
    visit = needled_visit(world, advice="Keep moving.")
    slug = world.clinic.slug
    sign_in(page, live_server.url, "fran@clinic.test")
    name = world.patient.display_name

    hand_over = page.get_by_test_id("hand-over")
    expect(hand_over.get_by_test_id("hand-over-row")).to_contain_text(name)
    expect(page.get_by_test_id("red-flag-alerts")).to_have_count(0)
    expect(page.get_by_test_id("follow-up-calls")).to_contain_text("0 patients to call")
    shot("aftercare-front-desk-dashboard")
    hand_over.get_by_role("button", name="Handed over").click()
    expect(page.locator(".messages")).to_contain_text(f"Aftercare sheet handed over to {name}")
    expect(page.get_by_test_id("hand-over")).to_contain_text("Nothing to hand over.")
    assert Delivery.objects.get(sheet__visit=visit).status == DeliveryStatus.HANDED_OVER

    # Not on the list before the check-in is due; on it once it is.
    page.goto(live_server.url + reverse("aftercare:follow_up", kwargs={"clinic_slug": slug}))
    expect(page.get_by_test_id("follow-up-empty")).to_be_visible()
    CheckIn.objects.filter(visit=visit).update(due_at=timezone.now() - dt.timedelta(minutes=10))
    page.goto(live_server.url + reverse("clinics:dashboard", kwargs={"clinic_slug": slug}))
    expect(page.get_by_test_id("follow-up-calls")).to_contain_text("1 patient to call")
    page.get_by_role("link", name="Open the call list").click()
    row = page.get_by_test_id("call-row").filter(has_text=name)
    expect(row.get_by_test_id("call-why")).to_have_text("No e-mail: call instead")
    expect(row.get_by_role("link", name=world.patient.phone)).to_have_attribute(
        "href", f"tel:{world.patient.phone}"
    )
    row.get_by_label("How the call went").select_option(label="No answer: left a message")
    row.get_by_role("button", name="Record the call").click()
    expect(page.locator(".messages")).to_contain_text("No answer: left a message")
    row = page.get_by_test_id("call-row").filter(has_text=name)
    expect(row.get_by_test_id("call-attempts")).to_have_text("1")
    shot("aftercare-call-list")

    row.get_by_label("How the call went").select_option(label="Reached: doing as expected")
    row.get_by_label("Note").fill("A little sore, using heat.")
    row.get_by_role("button", name="Record the call").click()
    expect(page.locator(".messages")).to_contain_text("Reached: doing as expected")
    expect(page.get_by_test_id("follow-up-empty")).to_be_visible()
    assert FollowUpCall.objects.filter(check_in__visit=visit).count() == 2


def test_a_clinician_closes_a_red_flag_alert_with_what_was_done(
    world: World, live_server, page: Page, shot
) -> None:
    cleared(world)
    visit = needled_visit(world, muscles=("rhomboids:right",))
    check_in = CheckIn.objects.get(visit=visit)
    check_in_record_by_phone(
        access=access_for(world.fran, world.clinic),
        check_in_id=check_in.pk,
        answers=CheckInAnswers(
            soreness=4, compared="same", bruising="none", symptoms=[Symptom.SHORTNESS_OF_BREATH]
        ),
    )
    sign_in(page, live_server.url, "bob@clinic.test")
    alerts = page.get_by_test_id("red-flag-alerts")
    row = alerts.get_by_test_id("alert-row").filter(has_text=world.patient.display_name)
    expect(row).to_have_attribute("data-level", "red")
    expect(row).to_contain_text("possible pneumothorax")
    expect(row.get_by_role("link", name=world.patient.phone)).to_be_visible()
    shot("aftercare-red-flag-dashboard")

    row.get_by_role("link", name="Record what was done").click()
    expect(page.get_by_test_id("alert-answers")).to_contain_text("Shortness of breath")
    page.get_by_role("button", name="Record and close the alert").click()
    expect(page.locator(".field-error")).to_contain_text("Write what was done")
    page.get_by_label("What was done").fill(
        "Called 10:12: breathless on stairs; sent to the ER. Chest X-ray clear, discharged."
    )
    shot("aftercare-alert-page")
    page.get_by_role("button", name="Record and close the alert").click()
    expect(page.locator(".messages")).to_contain_text("the alert is closed")
    expect(page.get_by_test_id("red-flag-alerts")).to_contain_text("No open alerts")
    alert = RedFlagAlert.objects.get(check_in=check_in)
    assert alert.resolved_by == world.bob
    assert "Chest X-ray clear" in alert.action_taken
