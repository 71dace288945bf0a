"""The aftercare API: every endpoint with the persona it is for and one it refuses, another
clinic's ids as 404, bad input as 4xx JSON with a message, answers and alerts kept from the
front desk, the call list without health details."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.test import Client

from filiform.aftercare.models import (
    CheckIn,
    Delivery,
    DeliveryStatus,
    MessageKind,
    RedFlagAlert,
)
from filiform.audit.models import AuditAction, AuditEntry
from filiform.charting.models import Visit
from tests.aftercare.needled import cleared, needled_visit
from tests.conftest import World, bearer

pytestmark = pytest.mark.django_db

RED_ANSWERS = {
    "soreness": 4,
    "compared": "same",
    "bruising": "small",
    "symptoms": ["shortness_of_breath"],
    "note": "Short of breath since this morning",
}
GREEN_ANSWERS = {"soreness": 2, "compared": "better", "bruising": "none"}


def api(world: World, user: Any, clinic: Any = None) -> Client:
    return Client(**bearer(user, clinic or world.clinic))


def send(client: Client, method: str, url: str, body: Any = None) -> Any:
    response = client.generic(
        method, url, "" if body is None else json.dumps(body), content_type="application/json"
    )
    assert response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json"), response.content
    return response


def detail_text(response: Any) -> str:
    return json.dumps(response.json()["detail"])


@pytest.fixture
def signed(world: World) -> Visit:
    """A signed visit over the chest wall; the patient has no e-mail, so the sheet is handed
    over in person and the check-in goes to the call list."""
    cleared(world)
    return needled_visit(
        world, ("upper_trapezius:left",), advice="Heat tonight", home_exercises="Chin tucks"
    )


def _check_in(visit: Visit) -> CheckIn:
    return CheckIn.objects.get(visit=visit)


def _answered_red(world: World, visit: Visit) -> RedFlagAlert:
    check_in = _check_in(visit)
    response = send(
        api(world, world.fran),
        "POST",
        f"/api/v1/check-ins/{check_in.pk}/phone-answers",
        RED_ANSWERS,
    )
    assert response.status_code == 201, response.content
    return RedFlagAlert.objects.get(check_in=check_in)


# --- instructions --------------------------------------------------------------------------


def test_templates_are_read_by_staff_and_versioned_by_the_owner(world: World) -> None:
    listed = send(api(world, world.fran), "GET", "/api/v1/aftercare/templates")
    assert listed.status_code == 200
    [default] = listed.json()
    assert default["version"] == 1
    assert default["current"] is True
    assert "911" in default["thorax_warning"]
    assert default["created_by"] is None

    body = {
        "title": "After your treatment at Riverside",
        "body": "Soreness for a day or two is normal. Heat helps.",
        "thorax_warning": "Short of breath or chest pain? Call 911 now.",
        "change_note": "Shorter text",
    }
    created = send(api(world, world.alice), "POST", "/api/v1/aftercare/templates", body)
    assert created.status_code == 201, created.content
    assert created.json()["version"] == 2
    assert created.json()["created_by"] == world.alice.display_name

    current = send(api(world, world.bob), "GET", "/api/v1/aftercare/templates/current").json()
    assert current["version"] == 2
    assert current["title"] == body["title"]
    versions = send(api(world, world.bob), "GET", "/api/v1/aftercare/templates").json()
    assert [(v["version"], v["current"]) for v in versions] == [(2, True), (1, False)]


def test_a_physio_cannot_post_a_template(world: World) -> None:
    body = {"title": "Mine", "body": "Text", "thorax_warning": "Call 911", "change_note": ""}
    response = send(api(world, world.bob), "POST", "/api/v1/aftercare/templates", body)
    assert response.status_code == 403
    assert response.json()["detail"]


def test_a_template_without_its_chest_warning_is_refused_with_the_reason(world: World) -> None:
    body = {"title": "Mine", "body": "Text", "thorax_warning": "   ", "change_note": ""}
    response = send(api(world, world.alice), "POST", "/api/v1/aftercare/templates", body)
    assert response.status_code == 422
    assert "collapsed lung" in response.json()["detail"]["thorax_warning"][0]
    too_long = {**body, "thorax_warning": "x" * 20_001}
    assert (
        send(api(world, world.alice), "POST", "/api/v1/aftercare/templates", too_long).status_code
        == 422
    )


# --- a visit's aftercare -------------------------------------------------------------------


def test_advice_is_written_on_the_draft_then_frozen_at_signing(world: World) -> None:
    cleared(world)
    draft = needled_visit(world, ("gluteus_medius:left",), sign=False)
    bob = api(world, world.bob)
    url = f"/api/v1/visits/{draft.pk}/aftercare"

    saved = send(bob, "PUT", url, {"advice": "Walk daily", "home_exercises": "Clamshells x10"})
    assert saved.status_code == 200, saved.content
    assert saved.json()["advice"] == "Walk daily"
    assert saved.json()["issued"] is False

    before = send(bob, "GET", url).json()
    assert before["visit_status"] == "draft"
    assert before["sheet"]["home_exercises"] == "Clamshells x10"
    assert before["check_in"] is None
    assert before["deliveries"] == []

    assert send(bob, "POST", f"/api/v1/visits/{draft.pk}/sign").status_code == 200
    after = send(bob, "GET", url).json()
    assert after["sheet"]["issued"] is True
    assert after["sheet"]["content"]["advice"] == "Walk daily"
    assert after["sheet"]["content"]["thorax_needled"] is False
    [delivery] = after["deliveries"]
    assert delivery["channel"] == "in_person"
    assert delivery["status"] == "in_person"
    assert delivery["why_in_person"] == "No e-mail address on file"
    assert after["check_in"]["status"] == "call"

    refused = send(bob, "PUT", url, {"advice": "Changed", "home_exercises": ""})
    assert refused.status_code == 422
    assert "signed" in detail_text(refused)


def test_front_desk_may_not_write_advice(world: World) -> None:
    cleared(world)
    draft = needled_visit(world, sign=False)
    response = send(
        api(world, world.fran),
        "PUT",
        f"/api/v1/visits/{draft.pk}/aftercare",
        {"advice": "x", "home_exercises": ""},
    )
    assert response.status_code == 403


def test_front_desk_sees_status_but_not_answers_or_alerts(world: World, signed: Visit) -> None:
    alert = _answered_red(world, signed)
    url = f"/api/v1/visits/{signed.pk}/aftercare"

    clinician = send(api(world, world.bob), "GET", url).json()
    assert clinician["check_in"]["triage"] == "red"
    assert clinician["check_in"]["questionnaire_response"]["resourceType"] == (
        "QuestionnaireResponse"
    )
    assert clinician["check_in"]["thorax_needled"] is True
    assert [a["id"] for a in clinician["alerts"]] == [alert.pk]

    desk = send(api(world, world.fran), "GET", url)
    assert desk.status_code == 200
    seen = desk.json()
    assert seen["check_in"]["status"] == "answered"
    assert seen["check_in"]["triage"] is None
    assert seen["check_in"]["questionnaire_response"] is None
    assert seen["check_in"]["reasons"] == []
    assert seen["alerts"] == []
    assert "Short of breath" not in desk.content.decode()
    assert seen["sheet"]["content"]["advice"] == "Heat tonight"


def test_billing_sees_neither_answers_nor_call_notes(world: World, signed: Visit) -> None:
    check_in = _check_in(signed)
    url = f"/api/v1/check-ins/{check_in.pk}/calls"
    note = {"outcome": "reached_concern", "note": "Kestrel: says the bruise is growing"}
    assert send(api(world, world.fran), "POST", url, note).status_code == 201

    desk = send(api(world, world.fran), "GET", f"/api/v1/visits/{signed.pk}/aftercare").json()
    assert [c["note"] for c in desk["check_in"]["calls"]] == ["Kestrel: says the bruise is growing"]
    billing = send(api(world, world.bill), "GET", f"/api/v1/visits/{signed.pk}/aftercare")
    assert billing.status_code == 403
    assert "Kestrel" not in billing.content.decode()


def test_patient_sheets(world: World, signed: Visit) -> None:
    url = f"/api/v1/patients/{world.patient.pk}/aftercare-sheets"
    assert send(api(world, world.bill), "GET", url).status_code == 403  # billing has no need
    response = send(api(world, world.fran), "GET", url)
    assert response.status_code == 200
    [sheet] = response.json()
    assert sheet["visit_id"] == signed.pk
    assert sheet["issued"] is True
    assert sheet["content"]["muscles"]
    assert AuditEntry.objects.filter(
        object_type="aftercare_sheet", action=AuditAction.READ, patient_id=world.patient.pk
    ).exists()


# --- deliveries ----------------------------------------------------------------------------


def test_front_desk_lists_and_hands_over_a_sheet(world: World, signed: Visit) -> None:
    fran = api(world, world.fran)
    listed = send(fran, "GET", "/api/v1/aftercare/deliveries?status=in_person")
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert item["kind"] == "aftercare"
    assert item["status_label"] == "Deliver in person"

    done = send(fran, "POST", f"/api/v1/aftercare/deliveries/{item['id']}/handed-over")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "handed_over"
    assert done.json()["handed_over_by"] == world.fran.display_name
    again = send(fran, "POST", f"/api/v1/aftercare/deliveries/{item['id']}/handed-over")
    assert again.status_code == 422
    assert "handed over" in detail_text(again)

    mine = send(fran, "GET", f"/api/v1/aftercare/deliveries?patient_id={world.patient.pk}")
    assert mine.json()["count"] == 1
    assert send(fran, "GET", "/api/v1/aftercare/deliveries?status=lost").status_code == 422


def test_billing_cannot_hand_over(world: World, signed: Visit) -> None:
    delivery = Delivery.objects.get(sheet__visit=signed)
    response = send(
        api(world, world.bill), "POST", f"/api/v1/aftercare/deliveries/{delivery.pk}/handed-over"
    )
    assert response.status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.IN_PERSON


def test_red_flag_e_mails_to_clinicians_are_not_listed_for_the_front_desk(
    world: World, signed: Visit
) -> None:
    _answered_red(world, signed)
    assert Delivery.objects.filter(kind=MessageKind.RED_FLAG).exists()
    kinds = {
        d["kind"]
        for d in send(api(world, world.fran), "GET", "/api/v1/aftercare/deliveries").json()["items"]
    }
    assert MessageKind.RED_FLAG not in kinds
    kinds = {
        d["kind"]
        for d in send(api(world, world.alice), "GET", "/api/v1/aftercare/deliveries").json()[
            "items"
        ]
    }
    assert MessageKind.RED_FLAG in kinds


# --- check-ins -----------------------------------------------------------------------------


def test_phone_answers_are_triaged_and_read_by_clinicians(world: World, signed: Visit) -> None:
    check_in = _check_in(signed)
    recorded = send(
        api(world, world.fran),
        "POST",
        f"/api/v1/check-ins/{check_in.pk}/phone-answers",
        RED_ANSWERS,
    )
    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["triage"] == "red"
    assert recorded.json()["emergency"] is True
    assert recorded.json()["answered_via"] == "phone"

    read = send(api(world, world.bob), "GET", f"/api/v1/check-ins/{check_in.pk}")
    assert read.status_code == 200
    body = read.json()
    assert body["triage"] == "red"
    assert body["reasons"][0]["code"] == "breathing_after_thorax"
    assert "pneumothorax" in body["reasons"][0]["text"]
    items = {i["linkId"]: i for i in body["questionnaire_response"]["item"]}
    assert items["symptoms"]["answer"] == [{"valueCoding": {"code": "shortness_of_breath"}}]
    assert [a["level"] for a in body["alerts"]] == ["red"]

    listed = send(
        api(world, world.alice),
        "GET",
        f"/api/v1/check-ins?patient_id={world.patient.pk}&status=answered",
    )
    assert [c["id"] for c in listed.json()["items"]] == [check_in.pk]
    assert (
        send(api(world, world.alice), "GET", "/api/v1/check-ins?status=scheduled").json()["count"]
        == 0
    )
    assert send(api(world, world.alice), "GET", "/api/v1/check-ins?status=nope").status_code == 422

    twice = send(
        api(world, world.bob),
        "POST",
        f"/api/v1/check-ins/{check_in.pk}/phone-answers",
        GREEN_ANSWERS,
    )
    assert twice.status_code == 422
    assert "already answered" in detail_text(twice)


def test_front_desk_cannot_read_check_in_answers(world: World, signed: Visit) -> None:
    check_in = _check_in(signed)
    fran = api(world, world.fran)
    assert send(fran, "GET", f"/api/v1/check-ins/{check_in.pk}").status_code == 403
    assert send(fran, "GET", "/api/v1/check-ins").status_code == 403


@pytest.mark.parametrize(
    "bad",
    [
        {**GREEN_ANSWERS, "soreness": 11},
        {**GREEN_ANSWERS, "compared": "sideways"},
        {**GREEN_ANSWERS, "symptoms": ["hiccups"]},
        {"compared": "same", "bruising": "none"},
        {**GREEN_ANSWERS, "note": "a\u0000b"},
    ],
)
def test_bad_phone_answers_are_422_and_store_nothing(
    world: World, signed: Visit, bad: dict[str, Any]
) -> None:
    check_in = _check_in(signed)
    response = send(
        api(world, world.fran), "POST", f"/api/v1/check-ins/{check_in.pk}/phone-answers", bad
    )
    assert response.status_code == 422
    assert response.json()["detail"]
    check_in.refresh_from_db()
    assert check_in.response is None
    assert check_in.answered_at is None


# --- follow-up -----------------------------------------------------------------------------


def test_the_call_list_and_its_calls(world: World, signed: Visit) -> None:
    check_in = _check_in(signed)
    fran = api(world, world.fran)
    assert send(fran, "GET", "/api/v1/check-ins/follow-up").json()["count"] == 0  # not due yet

    with time_machine.travel(check_in.due_at + dt.timedelta(minutes=5), tick=False):
        queue = send(fran, "GET", "/api/v1/check-ins/follow-up")
        assert queue.status_code == 200, queue.content
        [line] = queue.json()["items"]
        assert line["check_in_id"] == check_in.pk
        assert line["phone"] == world.patient.phone
        assert line["why"] == "no_email"
        assert line["attempts"] == 0
        assert line["last_call_at"] is None
        assert not {"triage", "reasons", "questionnaire_response", "muscles"} & set(line)

        url = f"/api/v1/check-ins/{check_in.pk}/calls"
        call = send(fran, "POST", url, {"outcome": "left_message", "note": "Voicemail"})
        assert call.status_code == 201, call.content
        assert call.json()["called_by"] == world.fran.display_name
        [line] = send(fran, "GET", "/api/v1/check-ins/follow-up").json()["items"]
        assert line["attempts"] == 1
        assert line["last_call_outcome"] == "left_message"

        unknown = send(fran, "POST", url, {"outcome": "went_well", "note": ""})
        assert unknown.status_code == 422
        no_note = send(fran, "POST", url, {"outcome": "reached_concern", "note": " "})
        assert no_note.status_code == 422
        assert "concern" in detail_text(no_note)

        assert send(fran, "POST", url, {"outcome": "reached_well"}).status_code == 201
        assert send(fran, "GET", "/api/v1/check-ins/follow-up").json()["count"] == 0
    assert AuditEntry.objects.filter(object_type="follow_up_call").count() == 2


def test_billing_cannot_record_calls_or_read_the_list(world: World, signed: Visit) -> None:
    check_in = _check_in(signed)
    bill = api(world, world.bill)
    response = send(
        bill, "POST", f"/api/v1/check-ins/{check_in.pk}/calls", {"outcome": "no_answer"}
    )
    assert response.status_code == 403
    assert send(bill, "GET", "/api/v1/check-ins/follow-up").status_code == 403
    assert not check_in.calls.exists()


# --- alerts --------------------------------------------------------------------------------


def test_alerts_are_listed_read_and_resolved_once(world: World, signed: Visit) -> None:
    alert = _answered_red(world, signed)
    bob = api(world, world.bob)

    listed = send(bob, "GET", "/api/v1/alerts")
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert item["id"] == alert.pk
    assert item["level"] == "red"
    assert item["patient_phone"] == world.patient.phone
    assert item["reasons"][0]["code"] == "breathing_after_thorax"
    assert AuditEntry.objects.filter(
        object_type="red_flag_alert", action=AuditAction.READ, object_id=""
    ).exists()
    assert send(api(world, world.uma), "GET", "/api/v1/alerts").json()["count"] == 0  # not hers
    assert send(api(world, world.alice), "GET", "/api/v1/alerts").json()["count"] == 1  # owner

    one = send(bob, "GET", f"/api/v1/alerts/{alert.pk}")
    assert one.status_code == 200
    assert one.json()["resolved_at"] is None

    url = f"/api/v1/alerts/{alert.pk}/resolve"
    empty = send(bob, "POST", url, {"action_taken": ""})
    assert empty.status_code == 422
    assert "what was done" in detail_text(empty).lower()
    done = send(bob, "POST", url, {"action_taken": "Called at 14:05, sent to the ER."})
    assert done.status_code == 200, done.content
    assert done.json()["resolved_by"] == world.bob.display_name
    again = send(bob, "POST", url, {"action_taken": "Called again."})
    assert again.status_code == 422
    assert "already recorded" in detail_text(again)
    assert send(bob, "GET", "/api/v1/alerts").json()["count"] == 0
    assert RedFlagAlert.objects.get(pk=alert.pk).action_taken.startswith("Called at 14:05")


def test_front_desk_cannot_read_or_resolve_alerts(world: World, signed: Visit) -> None:
    alert = _answered_red(world, signed)
    fran = api(world, world.fran)
    assert send(fran, "GET", "/api/v1/alerts").status_code == 403
    assert send(fran, "GET", f"/api/v1/alerts/{alert.pk}").status_code == 403
    resolve = send(fran, "POST", f"/api/v1/alerts/{alert.pk}/resolve", {"action_taken": "Told Bob"})
    assert resolve.status_code == 403
    assert RedFlagAlert.objects.get(pk=alert.pk).resolved_at is None


# --- another clinic ------------------------------------------------------------------------


def test_another_clinics_ids_are_not_found(world: World, signed: Visit) -> None:
    alert = _answered_red(world, signed)
    check_in = _check_in(signed)
    delivery = Delivery.objects.get(sheet__visit=signed)
    olga = api(world, world.olga, world.other_clinic)
    for method, url, body in [
        ("GET", f"/api/v1/visits/{signed.pk}/aftercare", None),
        ("PUT", f"/api/v1/visits/{signed.pk}/aftercare", {"advice": "x", "home_exercises": ""}),
        ("GET", f"/api/v1/patients/{world.patient.pk}/aftercare-sheets", None),
        ("POST", f"/api/v1/aftercare/deliveries/{delivery.pk}/handed-over", None),
        ("GET", f"/api/v1/check-ins/{check_in.pk}", None),
        ("POST", f"/api/v1/check-ins/{check_in.pk}/phone-answers", GREEN_ANSWERS),
        ("POST", f"/api/v1/check-ins/{check_in.pk}/calls", {"outcome": "no_answer"}),
        ("GET", f"/api/v1/alerts/{alert.pk}", None),
        ("POST", f"/api/v1/alerts/{alert.pk}/resolve", {"action_taken": "Not mine at all"}),
    ]:
        response = send(olga, method, url, body)
        assert response.status_code == 404, (method, url, response.content)
        assert "Zanzibarian" not in response.content.decode()
    for url in ("/api/v1/aftercare/deliveries", "/api/v1/check-ins", "/api/v1/alerts"):
        assert send(olga, "GET", f"{url}?patient_id={world.patient.pk}").json()["count"] == 0
