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


@pytest.mark.parametrize("persona", sorted(ROLE_MATRIX))
def test_the_desk_takes_payment_whoever_edits_patients_or_bills(world: World, persona: str) -> None:
    user = getattr(world, persona)
    access = Access(user=user, membership=membership_for(user, world.clinic.slug))
    expected = bool(ROLE_MATRIX[persona] & {Permission.PATIENT_EDIT, Permission.BILLING})
    assert access.may_take_payment is expected


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


def _refusals(permission: Permission) -> int:
    return AuditEntry.objects.filter(
        action=AuditAction.PERMISSION_DENIED, object_id=permission.value
    ).count()


def test_a_refusal_inside_a_services_transaction_is_still_audited_api(world: World) -> None:
    """The aftercare text service checks the permission inside its transaction; the refusal's
    entry rolls back with it, and the API's error handler writes it again."""
    from tests.conftest import bearer, client_for

    client = client_for(world.bob)
    response = client.post(
        "/api/v1/aftercare/templates",
        {"title": "T", "body": "B", "thorax_warning": "W", "change_note": ""},
        content_type="application/json",
        **bearer(world.bob, world.clinic),
    )
    assert response.status_code == 403
    assert _refusals(Permission.CLINIC_MANAGE) == 1


def test_a_refusal_inside_a_services_transaction_is_still_audited_page(world: World) -> None:
    """The same on a page: the physiotherapist may open a visit's aftercare card but a service
    deeper down refuses; the 403 page's handler keeps the record."""
    from django.db import transaction
    from django.test import RequestFactory

    from filiform.clinics.errors import forbidden

    access = Access(user=world.fran, membership=membership_for(world.fran, world.clinic))
    refusal: AccessDenied | None = None
    try:
        with transaction.atomic():
            access.require(Permission.BILLING)
    except AccessDenied as caught:
        refusal = caught
    assert refusal is not None
    assert _refusals(Permission.BILLING) == 0  # rolled back with the transaction
    response = forbidden(RequestFactory().get("/c/x/"), refusal)
    assert response.status_code == 403
    assert _refusals(Permission.BILLING) == 1
    forbidden(RequestFactory().get("/c/x/"), refusal)
    assert _refusals(Permission.BILLING) == 1  # written once, not per handler call
