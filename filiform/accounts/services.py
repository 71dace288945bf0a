"""Account changes: API tokens and two-factor devices. Each is audited."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from filiform.accounts.models import ApiToken, User
from filiform.audit.services import AuditAction, audit_user_event
from filiform.clinics.access import membership_for

RECOVERY_CODE_COUNT = 10


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once, never stored


@transaction.atomic
def api_token_create(
    *, user: User, clinic_slug: str, name: str, ip: str | None = None, user_agent: str = ""
) -> IssuedToken:
    """A new bearer token for ``user`` in the clinic; the user must be an active member."""
    membership = membership_for(user, clinic_slug)
    name = name.strip() or "API token"
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user,
        clinic=membership.clinic,
        name=name[:100],
        prefix=key[:12],
        key_hash=ApiToken.hash_key(key),
    )
    audit_user_event(
        user,
        action=AuditAction.TOKEN_CREATED,
        clinic_id=membership.clinic_id,
        object_type="api_token",
        object_id=token.pk,
        ip=ip,
        user_agent=user_agent,
        detail={"name": token.name, "prefix": token.prefix},
    )
    return IssuedToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(
    *, user: User, token_id: int, ip: str | None = None, user_agent: str = ""
) -> ApiToken | None:
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user).first()
    if token is None:
        return None
    if token.revoked_at is None:
        _revoke(user, token, when=timezone.now(), ip=ip, user_agent=user_agent)
    return token


def _revoke(
    user: User,
    token: ApiToken,
    *,
    when: dt.datetime,
    ip: str | None,
    user_agent: str,
    detail: dict[str, str] | None = None,
) -> None:
    """Mark a locked, active token of ``user`` revoked, and audit it."""
    token.revoked_at = when
    token.save(update_fields=["revoked_at"])
    audit_user_event(
        user,
        action=AuditAction.TOKEN_REVOKED,
        clinic_id=token.clinic_id,
        object_type="api_token",
        object_id=token.pk,
        ip=ip,
        user_agent=user_agent,
        **({"detail": detail} if detail else {}),
    )


@transaction.atomic
def api_tokens_revoke_all(
    *, user: User, reason: str, ip: str | None = None, user_agent: str = ""
) -> int:
    """Revoke every active token of ``user``; how many were active.

    A new password revokes them (``reason`` "password reset" or "password changed"): whoever
    had the old password could have made a token, and a token would outlive the reset that was
    meant to shut them out (OWASP Forgot Password Cheat Sheet: invalidate existing sessions).
    """
    now = timezone.now()
    tokens = list(ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True))
    for token in tokens:
        _revoke(user, token, when=now, ip=ip, user_agent=user_agent, detail={"reason": reason})
    return len(tokens)


def totp_pending_device(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator being set up, created on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def totp_confirm(*, user: User, device: TOTPDevice, ip: str | None, user_agent: str) -> list[str]:
    """Confirm a verified authenticator, drop any older ones, and issue fresh recovery codes."""
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_user_event(
        user,
        action=AuditAction.OTP_ENROLLED,
        object_type="totp_device",
        object_id=device.pk,
        ip=ip,
        user_agent=user_agent,
    )
    return recovery_codes_issue(user=user, ip=ip, user_agent=user_agent)


@transaction.atomic
def recovery_codes_issue(*, user: User, ip: str | None, user_agent: str) -> list[str]:
    """Ten single-use recovery codes; issuing new ones voids the old."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="Recovery codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    audit_user_event(
        user,
        action=AuditAction.RECOVERY_CODES,
        object_type="static_device",
        object_id=device.pk,
        ip=ip,
        user_agent=user_agent,
    )
    return codes


@transaction.atomic
def two_factor_remove(*, user: User, ip: str | None, user_agent: str) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit_user_event(
        user,
        action=AuditAction.OTP_REMOVED,
        ip=ip,
        user_agent=user_agent,
    )
