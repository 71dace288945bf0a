"""Who reads what of aftercare: the rules the selectors and services keep for every caller."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from filiform.aftercare.alerts import alert_resolve
from filiform.aftercare.check_ins import check_in_record_by_phone
from filiform.aftercare.instructions import (
    aftercare_template_current,
    aftercare_template_new_version,
)
from filiform.aftercare.models import CheckIn, MessageKind
from filiform.aftercare.selectors import deliveries_of_clinic, sheets_of_patient
from filiform.aftercare.triage import CheckInAnswers
from filiform.clinics.access import AccessDenied
from tests.aftercare.needled import cleared, needled_visit
from tests.clinical import access_for
from tests.conftest import World


def red_flag(world: World) -> int:
    """A red answer taken on the phone; returns the alert's id."""
    cleared(world)
    check_in = CheckIn.objects.get(visit=needled_visit(world))
    check_in_record_by_phone(
        access=access_for(world.fran, world.clinic),
        check_in_id=check_in.pk,
        answers=CheckInAnswers(soreness=9, compared="much_worse", bruising="none"),
    )
    return int(check_in.alerts.get().pk)


def test_the_front_desk_does_not_learn_of_red_flag_emails(world: World) -> None:
    red_flag(world)
    kinds = {d.kind for d in deliveries_of_clinic(access=access_for(world.alice, world.clinic))}
    assert MessageKind.RED_FLAG in kinds
    desk = {d.kind for d in deliveries_of_clinic(access=access_for(world.fran, world.clinic))}
    assert MessageKind.RED_FLAG not in desk
    assert MessageKind.AFTERCARE in desk


def test_sheets_are_for_clinicians_and_the_front_desk_of_the_clinic(world: World) -> None:
    cleared(world)
    needled_visit(world)
    assert (
        len(
            sheets_of_patient(
                access=access_for(world.fran, world.clinic), patient_id=world.patient.pk
            )
        )
        == 1
    )
    with pytest.raises(AccessDenied):
        sheets_of_patient(access=access_for(world.bill, world.clinic), patient_id=world.patient.pk)
    with pytest.raises(Http404):
        sheets_of_patient(
            access=access_for(world.olga, world.other_clinic), patient_id=world.patient.pk
        )


def test_resolving_twice_says_when_in_the_clinics_time(world: World) -> None:
    world.clinic.time_zone = "America/Vancouver"
    world.clinic.save()
    alert_id = red_flag(world)
    bob = access_for(world.bob, world.clinic)
    alert = alert_resolve(access=bob, alert_id=alert_id, action_taken="Called, advised the ER.")
    from zoneinfo import ZoneInfo

    local = (
        alert.resolved_at.astimezone(ZoneInfo("America/Vancouver")) if alert.resolved_at else None
    )
    assert local is not None
    with pytest.raises(ValidationError, match=local.strftime("%H:%M")):
        alert_resolve(access=bob, alert_id=alert_id, action_taken="Called again.")


def test_saving_the_same_text_again_is_refused(world: World) -> None:
    alice = access_for(world.alice, world.clinic)
    current = aftercare_template_current(access=alice)
    with pytest.raises(ValidationError, match="same as the current version 1"):
        aftercare_template_new_version(
            access=alice,
            title=current.title,
            body=current.body,
            thorax_warning=current.thorax_warning,
            change_note="no change",
        )
