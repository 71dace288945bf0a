import pytest
from django.core.management import call_command

from filiform.accounts.models import User
from filiform.audit.models import AuditAction, AuditEntry
from filiform.clinics.models import Membership, Role
from tests.clinics.invitation_mail import choose_password_from
from tests.conftest import World, client_for

NEW_PERSON = {
    "first_name": "Nia",
    "last_name": "Okoye",
    "email": "nia@clinic.test",
    "role": "physiotherapist",
}


def _staff_url(world: World) -> str:
    return f"/c/{world.clinic.slug}/staff/"


@pytest.mark.django_db(transaction=True)
def test_owner_adds_a_new_person_who_sets_a_password_from_the_emailed_link(
    world: World, smtp_server
) -> None:
    response = client_for(world.alice).post(_staff_url(world), NEW_PERSON)
    assert response.status_code == 302
    nia = User.objects.get(email="nia@clinic.test")
    assert not nia.has_usable_password()
    assert Membership.objects.get(user=nia).role == Role.PHYSIOTHERAPIST
    assert smtp_server.messages == []  # sent by the worker, not inside the request
    call_command("worker", "--batch", "--verbosity", "0")
    assert len(smtp_server.messages) == 1
    choose_password_from(smtp_server.messages[0], "a-strong-passphrase-31")
    nia.refresh_from_db()
    assert nia.check_password("a-strong-passphrase-31")
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="membership").exists()


def test_adding_someone_already_on_staff_is_refused(world: World) -> None:
    response = client_for(world.alice).post(
        _staff_url(world), {**NEW_PERSON, "email": "bob@clinic.test"}
    )
    assert "already on the staff list" in response.content.decode()


def test_person_from_another_clinic_keeps_their_account(world: World) -> None:
    client_for(world.alice).post(_staff_url(world), {**NEW_PERSON, "email": "olga@clinic.test"})
    world.olga.refresh_from_db()
    assert world.olga.has_usable_password()
    assert Membership.objects.filter(user=world.olga).count() == 2


def test_role_change_and_switch_off_take_effect_at_once(world: World) -> None:
    membership = Membership.objects.get(user=world.fran)
    owner = client_for(world.alice)
    fran = client_for(world.fran)
    owner.post(f"{_staff_url(world)}{membership.pk}/", {"role": "billing"})
    assert Membership.objects.get(pk=membership.pk).role == Role.BILLING
    assert fran.get(f"/c/{world.clinic.slug}/patients/new/").status_code == 403
    owner.post(f"{_staff_url(world)}{membership.pk}/", {"active": "0"})
    assert fran.get(f"/c/{world.clinic.slug}/patients/").status_code == 404


def test_the_last_owner_cannot_be_removed_or_demoted(world: World) -> None:
    mine = Membership.objects.get(user=world.alice)
    owner = client_for(world.alice)
    response = owner.post(f"{_staff_url(world)}{mine.pk}/", {"active": "0"}, follow=True)
    assert "at least one active owner" in response.content.decode()
    owner.post(f"{_staff_url(world)}{mine.pk}/", {"role": "physiotherapist"})
    assert Membership.objects.get(pk=mine.pk).role == Role.OWNER
    assert Membership.objects.get(pk=mine.pk).is_active


def test_another_clinics_membership_cannot_be_touched(world: World) -> None:
    theirs = Membership.objects.get(user=world.olga)
    response = client_for(world.alice).post(
        f"{_staff_url(world)}{theirs.pk}/", {"active": "0"}, follow=True
    )
    assert "not on this clinic" in response.content.decode()
    assert Membership.objects.get(pk=theirs.pk).is_active


def test_only_owners_manage_staff(world: World) -> None:
    assert client_for(world.bob).get(_staff_url(world)).status_code == 403
    assert client_for(world.bob).post(_staff_url(world), NEW_PERSON).status_code == 403
    assert not User.objects.filter(email="nia@clinic.test").exists()
