"""Read-only API for practitioners' needling standing (owners: every clinician; others: self)."""

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from filiform.api_errors import ONE_ERRORS, READ_ERRORS
from filiform.clinics.access import Access, Permission
from filiform.clinics.models import Membership, Role
from filiform.practitioners.services import credentials_member
from filiform.practitioners.standing import practitioner_standing

router = Router(tags=["practitioners"])


class ExpiringOut(Schema):
    what: str
    on: dt.date
    days_left: int


class StandingOut(Schema):
    membership_id: int
    name: str
    email: str
    role: str
    can_needle: bool
    reasons: list[str]
    regions: list[str]
    expiring: list[ExpiringOut]


def _standing(membership: Membership) -> StandingOut:
    standing = practitioner_standing(membership=membership, on=timezone.localdate())
    return StandingOut(
        membership_id=membership.pk,
        name=membership.user.display_name,
        email=membership.user.email,
        role=membership.role,
        can_needle=standing.can_needle,
        reasons=standing.reasons,
        regions=sorted(standing.regions),
        expiring=[
            ExpiringOut(what=e.what, on=e.on, days_left=e.days_left) for e in standing.expiring
        ],
    )


@router.get(
    "", response={200: list[StandingOut], **READ_ERRORS}, summary="Clinicians who may needle"
)
def list_standing(request: HttpRequest) -> list[StandingOut]:
    access: Access = request.auth  # type: ignore[attr-defined]
    members = Membership.objects.select_related("user").filter(
        clinic_id=access.membership.clinic_id,
        is_active=True,
        role__in=[Role.OWNER, Role.PHYSIOTHERAPIST],
    )
    if not access.can(Permission.CLINIC_MANAGE):
        members = members.filter(pk=access.membership.pk)
    return [_standing(m) for m in members.order_by("user__last_name", "id")]


@router.get(
    "/{membership_id}",
    response={200: StandingOut, **ONE_ERRORS},
    summary="One clinician's standing",
)
def get_standing(request: HttpRequest, membership_id: int) -> StandingOut:
    access: Access = request.auth  # type: ignore[attr-defined]
    return _standing(credentials_member(access=access, membership_id=membership_id))
