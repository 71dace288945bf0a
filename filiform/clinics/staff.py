"""The clinic's staff list: inviting people, changing roles, switching memberships off and on.

Owners only, every change audited. A clinic always keeps at least one active owner.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from filiform.accounts.models import User
from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import OWNER_ROLES, Access, Permission, is_owner
from filiform.clinics.models import Membership, Role


def _staff_member(access: Access, membership_id: int) -> Membership:
    membership = (
        Membership.objects.of(access)
        .select_for_update()
        .select_related("user")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None:
        raise ValidationError(_("That person is not on this clinic's staff list."))
    return membership


def _keep_an_owner(access: Access, membership: Membership) -> None:
    others = (
        Membership.objects.of(access)
        .filter(role__in=OWNER_ROLES, is_active=True)
        .exclude(pk=membership.pk)
    )
    if is_owner(membership.role) and membership.is_active and not others.exists():
        raise ValidationError(
            _("The clinic needs at least one active owner. Make someone else an owner first.")
        )


@transaction.atomic
def staff_invite(
    *, access: Access, email: str, first_name: str, last_name: str, role: str
) -> Membership:
    """Add a person to the clinic. A new person gets an account without a password and an
    e-mail (an outbox message, sent by the worker: clinics/invitations.py) with a link to
    choose one."""
    access.require(Permission.CLINIC_MANAGE)
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if user is None:
        user = User(email=email, first_name=first_name.strip(), last_name=last_name.strip())
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
    membership = Membership.objects.of(access).filter(user=user).first()
    if membership is not None and membership.is_active:
        raise ValidationError(
            {"email": _("%(email)s is already on the staff list.") % {"email": email}}
        )
    if membership is None:
        membership = Membership.objects.of(access).create(user=user, role=role)
    else:
        membership.role, membership.is_active = role, True
        membership.save(update_fields=["role", "is_active"])
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="membership",
        object_id=membership.pk,
        detail={"email": email, "role": role, "new_account": created},
    )
    from filiform.clinics.invitations import invitation_queue

    # In this transaction, not on commit: a crash between the two would lose the task.
    invitation_queue(membership)
    return membership


@transaction.atomic
def staff_change_role(*, access: Access, membership_id: int, role: str) -> Membership:
    access.require(Permission.CLINIC_MANAGE)
    if role not in Role.values:
        raise ValidationError(_("Choose one of the roles in the list."))
    membership = _staff_member(access, membership_id)
    if not is_owner(role):
        _keep_an_owner(access, membership)
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="membership",
        object_id=membership.pk,
        detail={"role": [before, role]},
    )
    return membership


@transaction.atomic
def staff_set_active(*, access: Access, membership_id: int, active: bool) -> Membership:
    """Switch a membership off (the person keeps their account and history) or back on."""
    access.require(Permission.CLINIC_MANAGE)
    membership = _staff_member(access, membership_id)
    if not active:
        _keep_an_owner(access, membership)
    membership.is_active = active
    membership.save(update_fields=["is_active"])
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="membership",
        object_id=membership.pk,
        detail={"active": active},
    )
    return membership
