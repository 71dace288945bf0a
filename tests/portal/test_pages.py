"""The patient's pages behind a link: the aftercare sheet and its PDF, the check-in form and its
result, and every refusal (altered, used, expired, revoked), each audited."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from filiform.aftercare.check_ins import CHECK_IN_LINK_DAYS, check_in_record_by_phone, check_in_send
from filiform.aftercare.issue import SHEET_LINK_DAYS
from filiform.aftercare.models import (
    AftercareSheet,
    CheckIn,
    CheckInStatus,
    RedFlagAlert,
)
from filiform.aftercare.triage import CheckInAnswers, answers_of_response
from filiform.audit.models import AuditAction, AuditEntry
from filiform.links.models import LinkPurpose, PatientLink
from filiform.links.services import VIA_LINK, link_revoke, link_token
from tests.aftercare.needled import cleared, needled_visit
from tests.clinical import access_for
from tests.conftest import World, client_for

ADVICE = "Walk for ten minutes every hour tomorrow."
THORAX_TITLE = "Important: needles near your chest or upper back"
GREEN = {"soreness": "3", "compared": "better", "bruising": "small", "note": "A bit stiff."}


def _url(token: str) -> str:
    return f"/p/{token}/"


@pytest.fixture
def emailable(world: World) -> World:
    world.patient.email, world.patient.email_ok = "quill@patient.test", True
    world.clinic.phone = "416-555-0142"
    world.clinic.save()
    world.patient.save()
    cleared(world)
    return world


def _sheet_token(world: World, muscles: tuple[str, ...]) -> tuple[AftercareSheet, str]:
    visit = needled_visit(world, muscles, advice=ADVICE)
    sheet = AftercareSheet.objects.get(visit=visit)
    link = PatientLink.objects.get(purpose=LinkPurpose.AFTERCARE, target_id=sheet.pk)
    return sheet, link_token(link)


def _check_in_token(
    world: World, muscles: tuple[str, ...] = ("upper_trapezius:left",)
) -> tuple[CheckIn, str]:
    """A signed visit whose check-in has come due and been sent (a single-use link)."""
    visit = needled_visit(world, muscles)
    check_in = CheckIn.objects.get(visit=visit)
    CheckIn.objects.filter(pk=check_in.pk).update(due_at=timezone.now())
    assert check_in_send(check_in_id=check_in.pk) is not None
    link = PatientLink.objects.get(purpose=LinkPurpose.CHECK_IN, target_id=check_in.pk)
    return check_in, link_token(link)


def _link_audits(action: str, **detail: Any) -> list[AuditEntry]:
    entries = AuditEntry.objects.filter(action=action, via=VIA_LINK).order_by("seq")
    return [e for e in entries if all(e.detail.get(k) == v for k, v in detail.items())]


def _assert_private(response: Any) -> None:
    assert response["Referrer-Policy"] in ("no-referrer", "same-origin")
    assert "noindex" in response["X-Robots-Tag"]
    assert "no-store" in response["Cache-Control"]


# --- The aftercare sheet -------------------------------------------------------------------------


def test_the_sheet_page_warns_about_the_chest_only_when_the_chest_was_needled(
    emailable: World,
) -> None:
    sheet, token = _sheet_token(emailable, ("upper_trapezius:left",))
    response = Client().get(_url(token))
    assert response.status_code == 200
    page = response.content.decode()
    assert THORAX_TITLE in page
    assert 'data-testid="thorax-warning"' in page
    assert "pneumothorax" in page
    assert ADVICE in page
    assert "Upper trapezius (left)" in page
    assert 'href="tel:416-555-0142"' in page
    assert f'href="/p/{token}/sheet.pdf"' in page
    assert response["Referrer-Policy"] == "no-referrer"
    _assert_private(response)
    [opened] = _link_audits(AuditAction.READ)
    assert opened.object_type == "portal_link:aftercare"
    assert opened.object_id == str(sheet.pk)
    assert opened.patient_id == emailable.patient.pk

    _other, hip = _sheet_token(emailable, ("gluteus_medius:left",))
    page = Client().get(_url(hip)).content.decode()
    assert ADVICE in page
    assert THORAX_TITLE not in page
    assert "24 to 48 hours" in page  # the clinic's text, without the chest warning
    assert "pneumothorax" not in page
    assert 'data-testid="thorax-warning"' not in page


def test_a_signed_in_clinician_opening_the_link_sees_no_staff_navigation(
    emailable: World,
) -> None:
    _sheet, token = _sheet_token(emailable, ("gluteus_medius:left",))
    page = client_for(emailable.bob).get(_url(token)).content.decode()
    assert ADVICE in page
    assert "Sign out" not in page
    assert f"/c/{emailable.clinic.slug}/patients/" not in page


def test_the_sheet_pdf_through_the_link(emailable: World) -> None:
    sheet, token = _sheet_token(emailable, ("upper_trapezius:left",))
    response = Client().get(f"/p/{token}/sheet.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert f"aftercare-{emailable.patient.pk}-{sheet.pk}-" in response["Content-Disposition"]
    _assert_private(response)
    assert len(_link_audits(AuditAction.READ)) == 1
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    refused = Client().get(f"/p/{tampered}/sheet.pdf")
    assert refused.status_code == 404
    assert refused["Content-Type"].startswith("text/html")


def test_a_revoked_or_expired_sheet_link_is_gone(emailable: World) -> None:
    sheet, token = _sheet_token(emailable, ("upper_trapezius:left",))
    later = timezone.now() + dt.timedelta(days=SHEET_LINK_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        response = Client().get(_url(token))
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
        assert Client().get(f"/p/{token}/sheet.pdf").status_code == 410
    link = PatientLink.objects.get(purpose=LinkPurpose.AFTERCARE, target_id=sheet.pk)
    link_revoke(access=access_for(emailable.fran, emailable.clinic), link_id=link.pk)
    response = Client().get(_url(token))
    assert response.status_code == 410
    page = response.content.decode()
    assert "stopped this link" in page
    assert 'href="tel:416-555-0142"' in page  # the patient is told whom to call
    assert ADVICE not in page
    _assert_private(response)
    refusals = [e.detail["refused"] for e in _link_audits(AuditAction.PERMISSION_DENIED)]
    assert refusals == ["expired", "expired", "revoked"]


def test_an_aftercare_link_takes_no_post(emailable: World) -> None:
    _sheet, token = _sheet_token(emailable, ("gluteus_medius:left",))
    assert Client().post(_url(token), GREEN).status_code == 405


# --- The check-in ----------------------------------------------------------------------------


def test_check_in_answered_on_the_phone_is_stored_as_fhir_and_triaged(emailable: World) -> None:
    check_in, token = _check_in_token(emailable, ("gluteus_medius:left",))
    patient = Client()
    form = patient.get(_url(token))
    assert form.status_code == 200
    page = form.content.decode()
    assert "How sore are you now?" in page
    assert "Shortness of breath" in page
    assert "A large or growing bruise" in page
    assert "Much worse" in page
    assert "call 911 now" not in page.lower()  # not needled over the chest
    _assert_private(form)

    done = patient.post(_url(token), {**GREEN, "symptoms": []})
    assert done.status_code == 200
    result = done.content.decode()
    assert "Thank you: this is expected" in result
    assert "Call 911" not in result
    _assert_private(done)
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.ANSWERED
    assert check_in.answered_via == VIA_LINK
    assert check_in.triage == "green"
    assert check_in.response is not None
    resource = QuestionnaireResponse.model_validate(check_in.response)
    assert resource.status == "completed"
    assert resource.subject is not None
    assert resource.subject.reference == f"Patient/{emailable.patient.pk}"
    assert answers_of_response(check_in.response) == CheckInAnswers(
        soreness=3, compared="better", bruising="small", note="A bit stiff."
    )
    assert not RedFlagAlert.objects.exists()
    [stored] = AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_type="check_in", via=VIA_LINK
    )
    assert stored.detail["triage"] == "green"


def test_breathless_after_chest_needling_tells_the_patient_to_call_911_first(
    emailable: World,
) -> None:
    check_in, token = _check_in_token(emailable, ("upper_trapezius:left",))
    page = Client().get(_url(token)).content.decode()
    assert "Short of breath or chest pain? Call 911 now, don't wait" in page
    response = Client().post(
        _url(token),
        {
            "soreness": "5",
            "compared": "same",
            "bruising": "none",
            "symptoms": ["shortness_of_breath"],
        },
    )
    assert response.status_code == 200
    result = response.content.decode()
    emergency = result.index("Call 911 or go to the emergency department now")
    alerted = result.index("Your physiotherapist has been alerted")
    assert emergency < alerted
    assert 'href="tel:911"' in result
    alert = RedFlagAlert.objects.get(check_in=check_in)
    assert alert.level == "red"
    assert alert.reasons == ["breathing_after_thorax"]


@pytest.mark.parametrize(
    ("answers", "expected", "not_expected"),
    [
        (
            {"soreness": "4", "compared": "same", "bruising": "none", "symptoms": ["fever"]},
            ["Your physiotherapist has been alerted and will call you", "see a doctor today"],
            ["Call 911 or go to the emergency department now"],
        ),
        (
            {"soreness": "9", "compared": "worse", "bruising": "none"},
            ["Your physiotherapist has been alerted and will call you"],
            ["see a doctor today", "Call 911 or go"],
        ),
        (
            {"soreness": "6", "compared": "same", "bruising": "none"},
            ["we will review your answers"],
            ["has been alerted", "this is expected"],
        ),
        (
            {"soreness": "1", "compared": "same", "bruising": "none", "symptoms": ["chest_pain"]},
            ["we will review your answers"],  # chest pain, but the chest was not needled
            ["Call 911 or go"],
        ),
    ],
)
def test_the_result_page_says_what_happens_next(
    emailable: World, answers: dict[str, Any], expected: list[str], not_expected: list[str]
) -> None:
    _check_in, token = _check_in_token(emailable, ("gluteus_medius:left",))
    result = Client().post(_url(token), answers).content.decode()
    for text in expected:
        assert text in result
    for text in not_expected:
        assert text not in result


@pytest.mark.parametrize(
    ("answers", "field_error"),
    [
        ({**GREEN, "soreness": "11"}, "a number from 0 (no soreness) to 10"),
        ({**GREEN, "soreness": "-1"}, "a number from 0 (no soreness) to 10"),
        ({"compared": "worse", "bruising": "none"}, "a number from 0 (no soreness) to 10"),
        ({**GREEN, "compared": "terrible"}, "Choose how your pain compares"),
        ({"soreness": "2", "compared": "worse"}, "whether you have a bruise"),
        ({**GREEN, "symptoms": ["headache"]}, "Tick only the symptoms listed"),
        ({**GREEN, "note": "x" * 2001}, "under 2000 characters"),
    ],
)
def test_a_wrong_or_missing_answer_is_explained_and_nothing_is_saved(
    emailable: World, answers: dict[str, Any], field_error: str
) -> None:
    check_in, token = _check_in_token(emailable, ("gluteus_medius:left",))
    response = Client().post(_url(token), answers)
    assert response.status_code == 200
    page = response.content.decode()
    assert field_error in page
    assert "Some answers are missing or could not be read" in page
    if answers.get("compared") == "worse":  # the patient's other answers are kept
        assert re.search(r'value="worse"[^>]*checked', page)
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.SENT
    assert check_in.response is None
    assert not RedFlagAlert.objects.exists()
    link = PatientLink.objects.get(purpose=LinkPurpose.CHECK_IN, target_id=check_in.pk)
    assert link.used_at is None
    assert Client().post(_url(token), GREEN).status_code == 200  # the link still works


def test_a_second_submit_is_refused_and_nothing_is_saved_twice(emailable: World) -> None:
    check_in, token = _check_in_token(emailable, ("upper_trapezius:left",))
    red = {"soreness": "9", "compared": "much_worse", "bruising": "none"}
    assert Client().post(_url(token), red).status_code == 200
    again = Client().post(_url(token), {**GREEN, "soreness": "0"})
    assert again.status_code == 410
    page = again.content.decode()
    assert "You already answered this check-in" in page
    assert "call 911" in page.lower()
    assert 'href="tel:416-555-0142"' in page
    _assert_private(again)
    check_in.refresh_from_db()
    assert answers_of_response(check_in.response or {}).soreness == 9
    assert RedFlagAlert.objects.count() == 1
    assert Client().get(_url(token)).status_code == 410
    assert [e.detail["refused"] for e in _link_audits(AuditAction.PERMISSION_DENIED)] == [
        "used",
        "used",
    ]


def test_a_check_in_answered_by_phone_cannot_be_answered_again_through_the_link(
    emailable: World,
) -> None:
    check_in, token = _check_in_token(emailable, ("gluteus_medius:left",))
    check_in_record_by_phone(
        access=access_for(emailable.fran, emailable.clinic),
        check_in_id=check_in.pk,
        answers=CheckInAnswers(soreness=2, compared="better", bruising="none"),
    )
    response = Client().post(_url(token), GREEN)
    assert response.status_code == 410
    assert "You already answered this check-in" in response.content.decode()
    check_in.refresh_from_db()
    assert check_in.answered_via == "phone"


def test_an_altered_link_is_not_found_and_audited(emailable: World) -> None:
    check_in, token = _check_in_token(emailable)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for response in (
        Client().get(_url(tampered)),
        Client().post(_url(tampered), GREEN),
        Client().get(_url("not-a-token")),
    ):
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
        _assert_private(response)
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.SENT
    refusals = _link_audits(AuditAction.PERMISSION_DENIED, refused="unknown")
    assert len(refusals) == 3
    assert all(e.patient_id is None for e in refusals)  # a forged token names nobody


def test_an_expired_check_in_link_is_gone(emailable: World) -> None:
    check_in, token = _check_in_token(emailable)
    later = timezone.now() + dt.timedelta(days=CHECK_IN_LINK_DAYS, minutes=1)
    with time_machine.travel(later, tick=False):
        assert Client().get(_url(token)).status_code == 410
        response = Client().post(_url(token), GREEN)
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.SENT
    with time_machine.travel(later - dt.timedelta(minutes=2), tick=False):
        assert Client().get(_url(token)).status_code == 200
    assert [e.detail["refused"] for e in _link_audits(AuditAction.PERMISSION_DENIED)] == [
        "expired",
        "expired",
    ]


def test_a_revoked_check_in_link_is_gone(emailable: World) -> None:
    check_in, token = _check_in_token(emailable)
    link = PatientLink.objects.get(purpose=LinkPurpose.CHECK_IN, target_id=check_in.pk)
    link_revoke(access=access_for(emailable.fran, emailable.clinic), link_id=link.pk)
    assert Client().get(_url(token)).status_code == 410
    response = Client().post(_url(token), GREEN)
    assert response.status_code == 410
    assert "stopped this link" in response.content.decode()
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.SENT
    assert not RedFlagAlert.objects.exists()


def test_each_opening_and_answer_is_audited_with_where_it_came_from(emailable: World) -> None:
    check_in, token = _check_in_token(emailable)
    phone = Client(HTTP_USER_AGENT="Phone/1.0", REMOTE_ADDR="203.0.113.9")
    phone.get(_url(token))
    phone.post(_url(token), GREEN)
    opened = _link_audits(AuditAction.READ)
    assert len(opened) == 2  # the form, then the submit
    assert all(e.object_type == "portal_link:check_in" for e in opened)
    assert all(e.object_id == str(check_in.pk) for e in opened)
    assert all(e.ip == "203.0.113.9" and e.user_agent == "Phone/1.0" for e in opened)
    assert all(e.detail["actor"] == "patient (portal link)" for e in opened)
    link = PatientLink.objects.get(purpose=LinkPurpose.CHECK_IN, target_id=check_in.pk)
    assert link.opened_count == 2
    assert link.used_at is not None


def test_the_check_in_form_keeps_its_csrf_protection(emailable: World) -> None:
    check_in, token = _check_in_token(emailable)
    patient = Client(enforce_csrf_checks=True)
    assert patient.post(_url(token), GREEN).status_code == 403
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.SENT
    page = patient.get(_url(token)).content.decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match
    done = patient.post(_url(token), {**GREEN, "csrfmiddlewaretoken": match.group(1)})
    assert done.status_code == 200
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.ANSWERED
