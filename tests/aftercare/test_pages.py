"""The staff pages of aftercare, through the Django test client: the visit page's card, the sheet
shown to the patient, the dashboard's alerts, call list and sheets to hand over, the alert page,
the follow-up call list with answers taken on the phone, the clinic's aftercare text and the
patient's links. Each page with an allowed persona and a refused one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from filiform.aftercare.check_ins import check_in_record_by_phone
from filiform.aftercare.models import (
    AftercareSheet,
    AftercareTemplate,
    CheckIn,
    CheckInStatus,
    Delivery,
    DeliveryStatus,
    FollowUpCall,
    MessageKind,
    RedFlagAlert,
)
from filiform.aftercare.triage import CheckInAnswers, Symptom
from filiform.charting.models import Visit
from filiform.links.models import PatientLink
from filiform.patients.models import Patient
from tests.aftercare.needled import cleared, needled_visit
from tests.clinical import access_for
from tests.conftest import World, client_for
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

SEVERE = CheckInAnswers(soreness=9, compared="worse", bruising="none", note="Very sore")
BREATHLESS = CheckInAnswers(
    soreness=3, compared="same", bruising="none", symptoms=[Symptom.SHORTNESS_OF_BREATH]
)


def _url(name: str, world: World, **kwargs: object) -> str:
    return reverse(f"aftercare:{name}", kwargs={"clinic_slug": world.clinic.slug, **kwargs})


def _visit_url(world: World, visit: Visit) -> str:
    return reverse(
        "charting:visit", kwargs={"clinic_slug": world.clinic.slug, "visit_id": visit.pk}
    )


def _dashboard(world: World) -> str:
    return reverse("clinics:dashboard", kwargs={"clinic_slug": world.clinic.slug})


def _signed(world: World, patient: Patient | None = None, **kwargs: object) -> Visit:
    patient = cleared(world, patient)
    return needled_visit(world, patient=patient, **kwargs)  # type: ignore[arg-type]


def _alert(world: World, visit: Visit, answers: CheckInAnswers = SEVERE) -> RedFlagAlert:
    check_in = CheckIn.objects.get(visit=visit)
    check_in_record_by_phone(
        access=access_for(world.fran, world.clinic), check_in_id=check_in.pk, answers=answers
    )
    return RedFlagAlert.objects.get(check_in=check_in)


def _emailable(patient: Patient) -> Patient:
    patient.email, patient.email_ok = "quill@patients.test", True
    patient.save()
    return patient


# --- the visit page's card ----------------------------------------------------------------------


def test_the_draft_card_saves_advice_and_says_the_sheet_is_handed_over(world: World) -> None:
    visit = _signed(world, sign=False)
    client = client_for(world.bob)
    page = client.get(_visit_url(world, visit)).content.decode()
    assert 'data-testid="aftercare-card"' in page
    assert "Advice for the patient" in page
    assert "Deliver in person:" in page
    assert "no e-mail address on file" in page

    response = client.post(
        _url("advice", world, visit_id=visit.pk),
        {"advice": "Heat on the neck tonight.", "home_exercises": "Chin tucks 10 x 3"},
    )
    assert response.status_code == 302
    sheet = AftercareSheet.objects.get(visit=visit)
    assert (sheet.advice, sheet.home_exercises) == (
        "Heat on the neck tonight.",
        "Chin tucks 10 x 3",
    )
    assert "Heat on the neck tonight." in client.get(_visit_url(world, visit)).content.decode()

    htmx = client.post(
        _url("advice", world, visit_id=visit.pk),
        {"advice": "Walk daily.", "home_exercises": ""},
        HTTP_HX_REQUEST="true",
    )
    assert htmx.status_code == 200
    body = htmx.content.decode()
    assert "Aftercare advice saved." in body
    assert "<html" not in body
    assert AftercareSheet.objects.get(visit=visit).advice == "Walk daily."


def test_the_draft_card_names_the_address_the_sheet_goes_to(world: World) -> None:
    _emailable(world.patient)
    visit = _signed(world, sign=False)
    page = client_for(world.bob).get(_visit_url(world, visit)).content.decode()
    assert "e-mailed to quill@patients.test" in page


def test_advice_is_refused_once_signed_and_for_others(world: World) -> None:
    visit = _signed(world, advice="Rest")
    bob = client_for(world.bob)
    response = bob.post(
        _url("advice", world, visit_id=visit.pk), {"advice": "Changed", "home_exercises": ""}
    )
    assert response.status_code == 302
    page = bob.get(response["Location"])
    assert "can no longer change" in page.content.decode()
    assert AftercareSheet.objects.get(visit=visit).advice == "Rest"
    fran = client_for(world.fran).post(_url("advice", world, visit_id=visit.pk), {"advice": "x"})
    assert fran.status_code == 403
    olga = client_for(world.olga).post(
        reverse(
            "aftercare:advice",
            kwargs={"clinic_slug": world.other_clinic.slug, "visit_id": visit.pk},
        ),
        {"advice": "x"},
    )
    assert olga.status_code == 404


def test_the_signed_card_shows_the_sheet_deliveries_and_check_in(world: World) -> None:
    visit = _signed(world, muscles=("upper_trapezius:left",), advice="Heat tonight")
    sheet = AftercareSheet.objects.get(visit=visit)
    page = client_for(world.bob).get(_visit_url(world, visit)).content.decode()
    assert 'data-testid="aftercare-card"' in page
    assert _url("sheet", world, sheet_id=sheet.pk) in page
    assert _url("sheet_pdf", world, sheet_id=sheet.pk) in page
    assert "Deliver in person" in page  # the delivery's status
    assert "To call (no e-mail)" in page  # the check-in's status


def test_the_card_shows_answers_triage_and_alerts_to_clinicians(world: World) -> None:
    visit = _signed(world)
    alert = _alert(world, visit)
    page = client_for(world.bob).get(_visit_url(world, visit)).content.decode()
    assert "Red flag: act now" in page
    assert "Soreness 8/10 or more" in page
    assert "Very sore" in page
    assert _url("alert", world, alert_id=alert.pk) in page


# --- the sheet on screen and on paper -----------------------------------------------------------


def test_show_to_patient_renders_the_issued_sheet(world: World) -> None:
    visit = _signed(world, muscles=("upper_trapezius:left",), advice="Heat on the neck tonight.")
    sheet = AftercareSheet.objects.get(visit=visit)
    for user in (world.bob, world.fran):
        response = client_for(user).get(_url("sheet", world, sheet_id=sheet.pk))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Heat on the neck tonight." in page
        assert 'data-testid="thorax-warning"' in page
    olga = client_for(world.olga).get(
        reverse(
            "aftercare:sheet", kwargs={"clinic_slug": world.other_clinic.slug, "sheet_id": sheet.pk}
        )
    )
    assert olga.status_code == 404


def test_a_draft_sheet_is_not_shown(world: World) -> None:
    visit = _signed(world, sign=False, advice="Draft advice")
    sheet = AftercareSheet.objects.get(visit=visit)
    assert client_for(world.bob).get(_url("sheet", world, sheet_id=sheet.pk)).status_code == 404


def test_a_draft_sheet_has_no_pdf(world: World) -> None:
    visit = _signed(world, sign=False, advice="Draft advice")
    sheet = AftercareSheet.objects.get(visit=visit)
    client = client_for(world.bob)
    response = client.get(_url("sheet_pdf", world, sheet_id=sheet.pk), follow=True)
    assert response.status_code == 200
    assert "sign it first" in response.content.decode()


def test_print_pdf_downloads_the_sheet(world: World) -> None:
    visit = _signed(world)
    sheet = AftercareSheet.objects.get(visit=visit)
    response = client_for(world.fran).get(_url("sheet_pdf", world, sheet_id=sheet.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


# --- the dashboard ------------------------------------------------------------------------------


def test_clinicians_see_open_alerts_red_first_with_phone_and_reasons(world: World) -> None:
    amber_patient = cleared(
        world, PatientFactory.create(clinic=world.clinic, phone="+1-613-555-0100")
    )
    amber = _alert(
        world,
        needled_visit(world, patient=amber_patient),
        CheckInAnswers(soreness=6, compared="same", bruising="none"),
    )
    red = _alert(world, _signed(world))
    page = client_for(world.bob).get(_dashboard(world)).content.decode()
    assert 'data-testid="red-flag-alerts"' in page
    assert page.index(_url("alert", world, alert_id=red.pk)) < page.index(
        _url("alert", world, alert_id=amber.pk)
    )
    assert world.patient.display_name in page
    assert 'href="tel:+1-613-555-0142"' in page
    assert "Soreness 8/10 or more" in page
    assert "Soreness 6–7/10" in page
    assert "Red flag" in page  # the level in words, not only in colour


def test_front_desk_never_sees_alerts_and_sees_calls_and_hand_over(world: World) -> None:
    visit = _signed(world)
    _alert(world, _signed(world, PatientFactory.create(clinic=world.clinic)))
    CheckIn.objects.filter(visit=visit).update(due_at=timezone.now() - dt.timedelta(hours=1))
    page = client_for(world.fran).get(_dashboard(world)).content.decode()
    assert 'data-testid="red-flag-alerts"' not in page
    assert "Soreness 8/10" not in page
    assert 'data-testid="follow-up-calls"' in page
    assert "1 patient to call" in page
    assert 'data-testid="hand-over"' in page
    sheet = AftercareSheet.objects.get(visit=visit)
    assert _url("sheet_pdf", world, sheet_id=sheet.pk) in page
    bill = client_for(world.bill).get(_dashboard(world)).content.decode()
    assert 'data-testid="red-flag-alerts"' not in bill
    assert 'data-testid="hand-over"' not in bill


def test_handed_over_leaves_the_list(world: World) -> None:
    visit = _signed(world)
    delivery = Delivery.objects.get(sheet__visit=visit, kind=MessageKind.AFTERCARE)
    client = client_for(world.fran)
    response = client.post(
        _url("handed_over", world, delivery_id=delivery.pk), {"next": _dashboard(world)}
    )
    assert response.status_code == 302
    assert response["Location"] == _dashboard(world)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.HANDED_OVER
    assert delivery.handed_over_by == world.fran
    page = client.get(_dashboard(world)).content.decode()
    assert "Nothing to hand over." in page
    again = client.post(_url("handed_over", world, delivery_id=delivery.pk), follow=True)
    assert "Only an aftercare sheet waiting" in again.content.decode()
    assert (
        client_for(world.bill).post(_url("handed_over", world, delivery_id=delivery.pk)).status_code
        == 403
    )


def test_an_old_hand_over_drops_off_the_dashboard(world: World) -> None:
    visit = _signed(world)
    Delivery.objects.filter(sheet__visit=visit).update(
        created_at=timezone.now() - dt.timedelta(days=15)
    )
    page = client_for(world.fran).get(_dashboard(world)).content.decode()
    assert "Nothing to hand over." in page


def test_the_dashboard_query_count_does_not_grow_with_alerts(
    world: World, django_assert_max_num_queries
) -> None:
    _alert(world, _signed(world))
    client = client_for(world.alice)
    client.get(_dashboard(world))
    with CaptureQueriesContext(connection) as one:
        client.get(_dashboard(world))
    for _n in range(4):
        patient = cleared(world, PatientFactory.create(clinic=world.clinic))
        _alert(world, needled_visit(world, patient=patient))
    with django_assert_max_num_queries(len(one)):
        page = client.get(_dashboard(world)).content.decode()
    assert page.count('data-testid="alert-row"') == 5
    assert page.count('data-testid="hand-over-row"') == 5


# --- an alert -----------------------------------------------------------------------------------


def test_the_alert_page_shows_answers_phone_and_closes_with_what_was_done(world: World) -> None:
    alert = _alert(world, _signed(world, muscles=("upper_trapezius:left",)), BREATHLESS)
    client = client_for(world.bob)
    page = client.get(_url("alert", world, alert_id=alert.pk)).content.decode()
    assert "possible pneumothorax" in page
    assert 'href="tel:+1-613-555-0142"' in page
    assert "Shortness of breath" in page  # the answer

    empty = client.post(_url("alert", world, alert_id=alert.pk), {"action_taken": "  "})
    assert empty.status_code == 422
    assert "Write what was done" in empty.content.decode()
    short = client.post(_url("alert", world, alert_id=alert.pk), {"action_taken": "ok"})
    assert short.status_code == 422
    alert.refresh_from_db()
    assert alert.resolved_at is None

    done = client.post(
        _url("alert", world, alert_id=alert.pk),
        {"action_taken": "Called 14:05; sent to the ER, chest X-ray clear."},
    )
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.resolved_by == world.bob
    assert "chest X-ray" in alert.action_taken
    assert (
        _url("alert", world, alert_id=alert.pk)
        not in client.get(_dashboard(world)).content.decode()
    )
    closed = client.get(_url("alert", world, alert_id=alert.pk)).content.decode()
    assert 'data-testid="alert-resolved"' in closed
    assert "chest X-ray clear" in closed
    assert "Record and close the alert" not in closed


def test_the_alert_page_is_for_clinicians_of_the_clinic(world: World) -> None:
    alert = _alert(world, _signed(world))
    assert client_for(world.fran).get(_url("alert", world, alert_id=alert.pk)).status_code == 403
    assert (
        client_for(world.fran)
        .post(_url("alert", world, alert_id=alert.pk), {"action_taken": "Called, fine now"})
        .status_code
        == 403
    )
    other = reverse(
        "aftercare:alert", kwargs={"clinic_slug": world.other_clinic.slug, "alert_id": alert.pk}
    )
    assert client_for(world.olga).get(other).status_code == 404
    alert.refresh_from_db()
    assert alert.resolved_at is None


# --- the follow-up call list --------------------------------------------------------------------


def _due(visit: Visit) -> CheckIn:
    CheckIn.objects.filter(visit=visit).update(due_at=timezone.now() - dt.timedelta(minutes=5))
    return CheckIn.objects.get(visit=visit)


def test_the_call_list_records_calls_until_one_closes_it(world: World) -> None:
    check_in = _due(_signed(world))
    client = client_for(world.fran)
    page = client.get(_url("follow_up", world)).content.decode()
    assert world.patient.display_name in page
    assert "No e-mail: call instead" in page
    assert 'href="tel:+1-613-555-0142"' in page

    prefix = f"call-{check_in.pk}-"
    bad = client.post(
        _url("call", world, check_in_id=check_in.pk), {prefix + "outcome": "teleported"}
    )
    assert bad.status_code == 422
    assert "Choose how the call went." in bad.content.decode()
    assert not FollowUpCall.objects.exists()

    client.post(_url("call", world, check_in_id=check_in.pk), {prefix + "outcome": "left_message"})
    page = client.get(_url("follow_up", world)).content.decode()
    assert world.patient.display_name in page
    assert "No answer: left a message" in page
    client.post(
        _url("call", world, check_in_id=check_in.pk),
        {prefix + "outcome": "reached_well", prefix + "note": "Sore but fine"},
    )
    assert FollowUpCall.objects.filter(check_in=check_in).count() == 2
    assert 'data-testid="follow-up-empty"' in client.get(_url("follow_up", world)).content.decode()


def test_a_concern_call_needs_a_note(world: World) -> None:
    check_in = _due(_signed(world))
    prefix = f"call-{check_in.pk}-"
    response = client_for(world.fran).post(
        _url("call", world, check_in_id=check_in.pk), {prefix + "outcome": "reached_concern"}
    )
    assert response.status_code == 422
    assert "Write the patient&#x27;s concern" in response.content.decode()
    assert not FollowUpCall.objects.exists()
    assert not RedFlagAlert.objects.exists()


def test_an_unanswered_e_mail_check_in_comes_on_the_list_after_the_clinic_s_hours(
    world: World,
) -> None:
    _emailable(world.patient)
    visit = _signed(world)
    CheckIn.objects.filter(visit=visit).update(
        status=CheckInStatus.SENT, due_at=timezone.now() - dt.timedelta(hours=23)
    )
    client = client_for(world.fran)
    assert 'data-testid="follow-up-empty"' in client.get(_url("follow_up", world)).content.decode()
    CheckIn.objects.filter(visit=visit).update(due_at=timezone.now() - dt.timedelta(hours=25))
    assert "No answer after 24 hours" in client.get(_url("follow_up", world)).content.decode()


def test_the_call_list_is_refused_to_billing_and_other_clinics(world: World) -> None:
    check_in = _due(_signed(world))
    assert client_for(world.bill).get(_url("follow_up", world)).status_code == 403
    other = reverse(
        "aftercare:call",
        kwargs={"clinic_slug": world.other_clinic.slug, "check_in_id": check_in.pk},
    )
    response = client_for(world.olga).post(other, {f"call-{check_in.pk}-outcome": "reached_well"})
    assert response.status_code == 404
    assert not FollowUpCall.objects.exists()


def test_answers_taken_on_the_phone_are_triaged(world: World) -> None:
    check_in = _due(_signed(world, muscles=("upper_trapezius:left",)))
    client = client_for(world.fran)
    url = _url("phone_answers", world, check_in_id=check_in.pk)
    assert "Needled near the chest." in client.get(url).content.decode()
    bad = client.post(url, {"soreness": "11", "compared": "same", "bruising": "none"})
    assert bad.status_code == 422
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.CALL
    assert not RedFlagAlert.objects.exists()

    response = client.post(
        url,
        {"soreness": "2", "compared": "same", "bruising": "none", "symptoms": ["chest_pain"]},
        follow=True,
    )
    assert "call 911" in response.content.decode()
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.ANSWERED
    assert check_in.answered_via == "phone"
    assert RedFlagAlert.objects.get(check_in=check_in).level == "red"
    assert 'data-testid="follow-up-empty"' in response.content.decode()
    assert "already answered" in client.get(url).content.decode()


# --- the clinic's aftercare text ----------------------------------------------------------------


def test_the_owner_edits_the_aftercare_text_with_a_preview(world: World) -> None:
    client = client_for(world.alice)
    url = _url("settings", world)
    page = client.get(url).content.decode()
    assert "Soreness is normal." in page
    current = AftercareTemplate.objects.get(clinic=world.clinic)
    data = {
        "title": "After needling",
        "body": "## Expect\n\nSome **soreness**.",
        "thorax_warning": "Call 911 if short of breath.",
        "change_note": "Shorter",
    }
    preview = client.post(url, {**data, "preview": "1"})
    assert preview.status_code == 200
    assert "<strong>soreness</strong>" in preview.content.decode()
    assert "Preview (not saved)" in preview.content.decode()
    assert AftercareTemplate.objects.filter(clinic=world.clinic).count() == 1

    missing = client.post(url, {**data, "thorax_warning": ""})
    assert missing.status_code == 422
    assert AftercareTemplate.objects.filter(clinic=world.clinic).count() == 1

    assert client.post(url, data).status_code == 302
    latest = AftercareTemplate.objects.filter(clinic=world.clinic).first()
    assert latest is not None
    assert latest.version == 2
    assert latest.title == "After needling"
    page = client.get(url).content.decode()
    assert 'data-testid="aftercare-versions"' in page
    assert f"v{current.version}" in page
    same = client.post(url, {**data, "change_note": "again"})
    assert same.status_code == 422
    assert "same as the current version" in same.content.decode()


def test_the_aftercare_text_is_the_owner_s(world: World) -> None:
    assert client_for(world.bob).get(_url("settings", world)).status_code == 403
    assert client_for(world.fran).post(_url("settings", world), {"title": "x"}).status_code == 403
    settings_page = reverse("clinics:settings", kwargs={"clinic_slug": world.clinic.slug})
    assert _url("settings", world) in client_for(world.alice).get(settings_page).content.decode()


# --- patient links ------------------------------------------------------------------------------


def test_patient_links_are_listed_and_revoked(world: World) -> None:
    _signed(world)
    link = PatientLink.objects.get(patient=world.patient)
    url = _url("patient_links", world, patient_id=world.patient.pk)
    detail = reverse(
        "patients:detail", kwargs={"clinic_slug": world.clinic.slug, "patient_id": world.patient.pk}
    )
    assert url in client_for(world.fran).get(detail).content.decode()
    fragment = client_for(world.fran).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Aftercare sheet" in fragment
    assert "Works" in fragment
    assert "Revoke</button>" in fragment
    assert "<html" not in fragment
    billing = client_for(world.bill).get(url).content.decode()
    assert "Aftercare sheet" in billing
    assert "Revoke</button>" not in billing
    assert (
        client_for(world.bill).post(_url("link_revoke", world, link_id=link.pk)).status_code == 403
    )

    response = client_for(world.fran).post(_url("link_revoke", world, link_id=link.pk))
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_by == world.fran
    assert "Revoked" in client_for(world.fran).get(url).content.decode()


def test_another_clinic_s_patient_links_are_not_found(world: World) -> None:
    _signed(world)
    link = PatientLink.objects.get(patient=world.patient)
    olga = client_for(world.olga)
    other = world.other_clinic.slug
    links = reverse(
        "aftercare:patient_links", kwargs={"clinic_slug": other, "patient_id": world.patient.pk}
    )
    assert olga.get(links).status_code == 404
    revoke = reverse("aftercare:link_revoke", kwargs={"clinic_slug": other, "link_id": link.pk})
    assert olga.post(revoke).status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


# --- the patient timeline -----------------------------------------------------------------------


def test_the_timeline_shows_check_ins_and_alerts_to_clinicians_only(world: World) -> None:
    visit = _signed(world)
    detail = reverse(
        "patients:detail", kwargs={"clinic_slug": world.clinic.slug, "patient_id": world.patient.pk}
    )
    page = client_for(world.bob).get(detail).content.decode()
    assert "on the call list" in page
    alert = _alert(world, visit)
    page = client_for(world.bob).get(detail).content.decode()
    assert 'data-testid="timeline-check-in"' in page
    assert "Red flag: act now" in page
    assert "Soreness 8/10 or more" in page
    assert _url("alert", world, alert_id=alert.pk) in page
    front_desk = client_for(world.fran).get(detail).content.decode()
    assert "timeline-check-in" not in front_desk
    assert "Soreness 8/10" not in front_desk
