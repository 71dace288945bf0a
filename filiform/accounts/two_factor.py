"""Where a signed-in person stands with two-factor sign-in."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django_otp import user_has_device

from filiform.clinics.models import Membership

if TYPE_CHECKING:
    from filiform.accounts.models import User


class TwoFactorState(StrEnum):
    VERIFIED = "verified"  # a device is enrolled and this session proved it
    NEEDS_CODE = "needs_code"  # a device is enrolled but this session has not proved it yet
    NEEDS_ENROLMENT = "needs_enrolment"  # a clinic of theirs requires 2FA and none is enrolled
    NOT_REQUIRED = "not_required"


def clinic_requires_two_factor(user: User) -> bool:
    return Membership.objects.filter(
        user=user, is_active=True, clinic__require_staff_two_factor=True
    ).exists()


def two_factor_state(user: User) -> TwoFactorState:
    if user_has_device(user, confirmed=True):
        is_verified = getattr(user, "is_verified", None)
        return (
            TwoFactorState.VERIFIED if is_verified and is_verified() else TwoFactorState.NEEDS_CODE
        )
    if clinic_requires_two_factor(user):
        return TwoFactorState.NEEDS_ENROLMENT
    return TwoFactorState.NOT_REQUIRED
