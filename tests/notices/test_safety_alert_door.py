"""A safety alert is found through the door: another clinic's alert is not found whatever the
role, and a refusal names the alert and its patient (clinics/door.py, ``clinic_get``)."""

from __future__ import annotations

import pytest
from django.http import Http404

from filiform.audit.models import AuditAction, AuditEntry
from filiform.clinics.access import AccessDenied
from filiform.notices.models import AlertKind, SafetyAlert
from filiform.notices.safety import safety_alert_get, safety_alert_raise
from tests.clinical import access_for
from tests.conftest import World


def _alert(world: World, *, other: bool = False) -> SafetyAlert:
    clinic, patient = (
        (world.other_clinic, world.other_patient) if other else (world.clinic, world.patient)
    )
    return safety_alert_raise(
        clinic_id=clinic.pk,
        kind=AlertKind.ADVERSE_EVENT,
        summary="Significant adverse event",
        object_type="adverse_event",
        object_id=1,
        subject="Safety alert",
        body="See the alert.",
        to=[],
        patient_id=patient.pk,
    )


@pytest.mark.parametrize("persona", ["alice", "bob", "fran", "bill"])
def test_another_clinics_alert_is_not_found_for_every_role(world: World, persona: str) -> None:
    alert = _alert(world, other=True)
    with pytest.raises(Http404):
        safety_alert_get(
            access=access_for(getattr(world, persona), world.clinic), alert_id=alert.pk
        )
    assert not AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED).exists()


def test_the_front_desks_refusal_names_the_alert_and_its_patient(world: World) -> None:
    alert = _alert(world)
    with pytest.raises(AccessDenied):
        safety_alert_get(access=access_for(world.fran, world.clinic), alert_id=alert.pk)
    entry = AuditEntry.objects.get(action=AuditAction.PERMISSION_DENIED)
    assert (entry.object_type, entry.object_id, entry.patient_id) == (
        "safety_alert",
        str(alert.pk),
        world.patient.pk,
    )
