import pytest
from django.http import Http404

from filiform.audit.models import AuditAction, AuditEntry
from filiform.clinics.access import Access, AccessDenied, Permission, membership_for
from filiform.clinics.models import Membership
from tests.conftest import World

ROLE_MATRIX = {
    "alice": set(Permission),
    "bob": {Permission.PATIENT_VIEW, Permission.PATIENT_EDIT, Permission.CLINICAL_RECORD},
    "fran": {Permission.PATIENT_VIEW, Permission.PATIENT_EDIT},
    "bill": {Permission.PATIENT_VIEW, Permission.BILLING},
}


@pytest.mark.parametrize("persona", sorted(ROLE_MATRIX))
def test_each_role_has_exactly_its_permissions(world: World, persona: str) -> None:
    user = getattr(world, persona)
    access = Access(user=user, membership=membership_for(user, world.clinic.slug))
    allowed = {p for p in Permission if access.can(p)}
    assert allowed == ROLE_MATRIX[persona]


def test_outsider_gets_not_found_not_forbidden(world: World) -> None:
    with pytest.raises(Http404):
        membership_for(world.olga, world.clinic.slug)


def test_unknown_clinic_and_inactive_membership_look_the_same(world: World) -> None:
    with pytest.raises(Http404):
        membership_for(world.bob, "no-such-clinic")
    Membership.objects.filter(user=world.bob).update(is_active=False)
    with pytest.raises(Http404):
        membership_for(world.bob, world.clinic.slug)


def test_inactive_user_has_no_clinic(world: World) -> None:
    world.bob.is_active = False
    world.bob.save()
    with pytest.raises(Http404):
        membership_for(world.bob, world.clinic.slug)


def test_refusal_is_audited(world: World) -> None:
    access = Access(
        user=world.fran, membership=membership_for(world.fran, world.clinic), ip="10.1.2.3"
    )
    with pytest.raises(AccessDenied):
        access.require(Permission.AUDIT_VIEW)
    entry = AuditEntry.objects.get(action=AuditAction.PERMISSION_DENIED)
    assert entry.actor_id == world.fran.pk
    assert entry.clinic_id == world.clinic.pk
    assert entry.object_id == Permission.AUDIT_VIEW.value
    assert entry.ip == "10.1.2.3"
