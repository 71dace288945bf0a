from django.test import Client

from filiform.audit.models import AuditAction, AuditEntry
from tests.conftest import World, client_for


def _activity(client: Client, world: World, **params: str):
    return client.get(f"/c/{world.clinic.slug}/activity/", params)


def test_owner_sees_who_read_which_patient(world: World) -> None:
    client_for(world.bob).get(f"/c/{world.clinic.slug}/patients/{world.patient.pk}/")
    client_for(world.fran).get(f"/c/{world.clinic.slug}/patients/")
    response = _activity(client_for(world.alice), world, user=str(world.bob.pk), action="read")
    assert response.status_code == 200
    rows = list(response.context["page"].object_list)
    assert rows
    assert {r.actor_id for r in rows} == {world.bob.pk}
    assert any(r.patient_id == world.patient.pk for r in rows)


def test_filter_by_patient_and_dates(world: World) -> None:
    client_for(world.bob).get(f"/c/{world.clinic.slug}/patients/{world.patient.pk}/")
    owner = client_for(world.alice)
    rows = _activity(owner, world, patient=str(world.patient.pk)).context["page"].object_list
    assert {r.patient_id for r in rows} == {world.patient.pk}
    none = (
        _activity(owner, world, date_from="2001-01-01", date_to="2001-01-02")
        .context["page"]
        .object_list
    )
    assert list(none) == []
    bad = _activity(owner, world, date_from="2026-05-02", date_to="2026-05-01")
    assert "The end date is before the start date." in bad.content.decode()


def test_another_clinics_activity_is_not_shown(world: World) -> None:
    client_for(world.olga).get(f"/c/{world.other_clinic.slug}/patients/{world.other_patient.pk}/")
    rows = _activity(client_for(world.alice), world).context["page"].object_list
    assert world.olga.pk not in {r.actor_id for r in rows}
    assert world.other_clinic.pk not in {r.clinic_id for r in rows}


def test_front_desk_is_refused_and_the_refusal_is_logged(world: World) -> None:
    response = _activity(client_for(world.fran), world)
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()
    assert AuditEntry.objects.filter(
        action=AuditAction.PERMISSION_DENIED, actor_id=world.fran.pk
    ).exists()
