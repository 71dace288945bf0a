"""Signing a needling visit issues its aftercare in the same transaction: the personalised sheet,
its patient link, the delivery (e-mail or in person) and the scheduled check-in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from filiform.aftercare.instructions import (
    aftercare_advice_save,
    aftercare_template_current,
    aftercare_template_new_version,
)
from filiform.aftercare.models import (
    AftercareSheet,
    Channel,
    CheckIn,
    CheckInStatus,
    Delivery,
    DeliveryStatus,
)
from filiform.charting.models import Visit
from filiform.charting.visits import visit_enter_in_error, visit_sign, visit_start
from filiform.clinics.access import AccessDenied
from filiform.links.models import LinkPurpose, LinkStatus, PatientLink
from tests.aftercare.needled import cleared, needled_visit
from tests.clinical import access_for
from tests.conftest import World


def sheet_content_of(visit: Visit) -> dict[str, Any]:
    return AftercareSheet.objects.get(visit=visit).content or {}


@pytest.fixture
def emailable(world: World) -> World:
    world.patient.email, world.patient.email_ok = "quill@patient.test", True
    world.patient.save()
    cleared(world)
    return world


def test_signing_issues_a_personalised_sheet_link_delivery_and_check_in(emailable: World) -> None:
    visit = needled_visit(
        emailable,
        ("upper_trapezius:left", "levator_scapulae:left"),
        advice="Heat tonight; keep your shoulders moving.",
        home_exercises="Chin tucks 10x, three times a day.",
    )
    sheet = AftercareSheet.objects.get(visit=visit)
    content: dict[str, Any] = sheet.content or {}
    assert sheet.issued_at is not None
    assert content["muscles"] == ["Upper trapezius (left)", "Levator scapulae (left)"]
    assert content["thorax_needled"] is True
    assert content["advice"] == "Heat tonight; keep your shoulders moving."
    assert content["home_exercises"].startswith("Chin tucks")
    assert "24 to 48 hours" in content["template"]["body"]
    assert "pneumothorax" in content["template"]["thorax_warning"]
    assert content["practitioner"] == emailable.bob.display_name

    check_in = CheckIn.objects.get(visit=visit)
    session_end = visit.session.ended_at
    assert session_end is not None
    assert check_in.due_at == session_end + dt.timedelta(hours=24)
    assert check_in.status == CheckInStatus.SCHEDULED
    assert check_in.thorax_needled
    delivery = Delivery.objects.get(sheet=sheet)
    assert (delivery.channel, delivery.status, delivery.to) == (
        Channel.EMAIL,
        DeliveryStatus.QUEUED,
        ["quill@patient.test"],
    )
    link = PatientLink.objects.get(purpose=LinkPurpose.AFTERCARE, target_id=sheet.pk)
    assert link.status == LinkStatus.ACTIVE
    assert not link.single_use


def test_the_check_in_delay_is_the_clinics_setting(emailable: World) -> None:
    emailable.clinic.check_in_after_hours = 48
    emailable.clinic.save()
    visit = needled_visit(emailable)
    check_in = CheckIn.objects.get(visit=visit)
    assert visit.session.ended_at is not None
    assert check_in.due_at - visit.session.ended_at == dt.timedelta(hours=48)


def test_no_thorax_warning_when_the_chest_was_not_needled(emailable: World) -> None:
    visit = needled_visit(emailable, ("gluteus_medius:right",))
    assert sheet_content_of(visit)["thorax_needled"] is False
    assert CheckIn.objects.get(visit=visit).thorax_needled is False


@pytest.mark.parametrize(
    ("email", "email_ok", "why"),
    [("", True, "No e-mail address on file"), ("q@p.test", False, "has not agreed to e-mail")],
)
def test_a_patient_without_email_gets_the_sheet_in_person_and_a_call(
    world: World, email: str, email_ok: bool, why: str
) -> None:
    world.patient.email, world.patient.email_ok = email, email_ok
    world.patient.save()
    cleared(world)
    visit = needled_visit(world)
    delivery = Delivery.objects.get(sheet__visit=visit)
    assert (delivery.channel, delivery.status) == (Channel.IN_PERSON, DeliveryStatus.IN_PERSON)
    assert why in delivery.why_in_person
    assert delivery.to == []
    assert CheckIn.objects.get(visit=visit).status == CheckInStatus.CALL
    assert sheet_content_of(visit)["check_in"]["by"] == "phone"


def test_a_visit_without_needling_issues_nothing(emailable: World) -> None:
    bob = access_for(emailable.bob, emailable.clinic)
    episode = emailable.patient.episodes.get()
    visit = visit_start(
        access=bob,
        patient_id=emailable.patient.pk,
        episode_id=episode.pk,
        assessment="Lumbar extension pain, no trigger points today",
        plan="Exercise only",
    )
    visit_sign(access=bob, visit_id=visit.pk)
    assert not AftercareSheet.objects.exists()
    assert not CheckIn.objects.exists()
    assert not Delivery.objects.exists()


def test_advice_is_written_on_the_draft_only(emailable: World) -> None:
    bob = access_for(emailable.bob, emailable.clinic)
    visit = needled_visit(emailable, sign=False)
    sheet = aftercare_advice_save(
        access=bob, visit_id=visit.pk, advice="  Walk daily \x00", home_exercises=""
    )
    assert sheet.advice == "Walk daily"
    assert sheet.issued_at is None
    visit_sign(access=bob, visit_id=visit.pk)
    with pytest.raises(ValidationError, match="can no longer change"):
        aftercare_advice_save(access=bob, visit_id=visit.pk, advice="later", home_exercises="")
    assert sheet_content_of(visit)["advice"] == "Walk daily"


def test_front_desk_and_other_clinics_cannot_write_advice(emailable: World) -> None:
    visit = needled_visit(emailable, sign=False)
    with pytest.raises(AccessDenied):
        aftercare_advice_save(
            access=access_for(emailable.fran, emailable.clinic),
            visit_id=visit.pk,
            advice="x",
            home_exercises="",
        )
    from django.http import Http404

    with pytest.raises(Http404):
        aftercare_advice_save(
            access=access_for(emailable.olga, emailable.other_clinic),
            visit_id=visit.pk,
            advice="x",
            home_exercises="",
        )


def test_a_new_template_version_applies_to_later_sheets_only(emailable: World) -> None:
    alice = access_for(emailable.alice, emailable.clinic)
    first = needled_visit(emailable)
    current = aftercare_template_current(access=alice)
    aftercare_template_new_version(
        access=alice,
        title="After your IMS",
        body=current.body + "\nCall us at any time.",
        thorax_warning=current.thorax_warning,
        change_note="Added a line",
    )
    second = needled_visit(emailable)
    assert sheet_content_of(first)["template"]["version"] == 1
    later = sheet_content_of(second)["template"]
    assert (later["version"], later["title"]) == (2, "After your IMS")
    assert "Call us at any time." in later["body"]


def test_a_template_needs_a_body_and_a_chest_warning(emailable: World) -> None:
    alice = access_for(emailable.alice, emailable.clinic)
    with pytest.raises(ValidationError) as refused:
        aftercare_template_new_version(
            access=alice, title="T", body=" ", thorax_warning="", change_note=""
        )
    assert set(refused.value.message_dict) == {"body", "thorax_warning"}
    with pytest.raises(AccessDenied):
        aftercare_template_new_version(
            access=access_for(emailable.bob, emailable.clinic),
            title="T",
            body="b",
            thorax_warning="w",
            change_note="",
        )


def test_entered_in_error_cancels_the_check_in_and_kills_the_links(emailable: World) -> None:
    visit = needled_visit(emailable)
    visit_enter_in_error(
        access=access_for(emailable.bob, emailable.clinic), visit_id=visit.pk, reason="Wrong chart"
    )
    assert CheckIn.objects.get(visit=visit).status == CheckInStatus.CANCELLED
    assert all(link.status == LinkStatus.REVOKED for link in PatientLink.objects.all())
    assert Delivery.objects.get().status == DeliveryStatus.CANCELLED


def test_a_failing_issue_rolls_the_signing_back(
    emailable: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    visit = needled_visit(emailable, sign=False)

    def broken(**_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("filiform.aftercare.issue.link_issue", broken)
    with pytest.raises(RuntimeError):
        visit_sign(access=access_for(emailable.bob, emailable.clinic), visit_id=visit.pk)
    visit.refresh_from_db()
    assert visit.status == "draft"
    assert not CheckIn.objects.exists()
    assert not AftercareSheet.objects.filter(issued_at__isnull=False).exists()
