"""How the API knows who is calling: a per-user bearer token, or the browser session.

Both end at the same place as the pages: an :class:`~filiform.clinics.access.Access` built by the
one door, so every endpoint checks permissions exactly as the pages do.

A token follows its person's sign-in rules: where a clinic of theirs requires two-factor sign-in
(as the pages do, :mod:`filiform.accounts.two_factor`), the token is refused until they have
enrolled; a new password revokes every token (:func:`filiform.accounts.services.api_tokens_revoke_all`).
A request that names a token is answered by the token alone (401 with the reason and
``WWW-Authenticate: Bearer``, RFC 6750 section 3): a refused token never falls through to the
browser session, whose CSRF check would answer 403 "CSRF check failed" to a program that never
had a session.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Exists, F, OuterRef
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import user_has_device
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from filiform.accounts.middleware import ACTIVE_CLINIC
from filiform.accounts.models import ApiToken
from filiform.accounts.two_factor import TwoFactorState, two_factor_state
from filiform.audit.services import AuditAction, audit_record
from filiform.clinics.access import (
    Access,
    ClinicNotFound,
    access_for_request,
    client_ip,
    memberships_of,
    user_agent,
)
from filiform.clinics.models import Membership

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
CLINIC_HEADER = "X-Filiform-Clinic"


class TokenRefused(AuthenticationError):
    """A token was sent and is not accepted; the message says why (the API's 401 ``detail``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(message=reason)


def unauthenticated_detail(exc: Exception) -> str:
    if isinstance(exc, TokenRefused):
        return str(exc)
    return _("Not signed in: send a valid, unrevoked token as 'Authorization: Bearer <token>'.")


def unauthenticated_headers() -> dict[str, str]:
    """RFC 6750 section 3: a 401 names the scheme that would be accepted."""
    return {"WWW-Authenticate": 'Bearer realm="filiform"'}


class BearerToken(HttpBearer):
    """``Authorization: Bearer fil_…`` — the token names its user and clinic."""

    def authenticate(self, request: HttpRequest, token: str) -> Access | None:
        key_hash = ApiToken.hash_key(token)
        # One query on the hot path: the membership the token speaks for, if all is still valid.
        membership = (
            Membership.objects.select_related("user", "clinic")
            .filter(
                is_active=True,
                user__is_active=True,
                user__api_tokens__key_hash=key_hash,
                user__api_tokens__revoked_at__isnull=True,
                clinic_id=F("user__api_tokens__clinic_id"),
            )
            .annotate(
                token_id=F("user__api_tokens__id"),
                token_last_used=F("user__api_tokens__last_used_at"),
                two_factor_required=Exists(
                    Membership.objects.filter(
                        user_id=OuterRef("user_id"),
                        is_active=True,
                        clinic__require_staff_two_factor=True,
                    )
                ),
            )
            .order_by()[:1]
        )
        found = next(iter(membership), None)
        if found is None:
            self._refuse(request, token, key_hash)
            raise TokenRefused(
                _(
                    "This API token is unknown or revoked, or its account is switched off: send "
                    "a valid token as 'Authorization: Bearer <token>'."
                )
            )
        if found.two_factor_required and not user_has_device(found.user, confirmed=True):
            self._refuse(request, token, key_hash, reason="two-factor enrolment required")
            raise TokenRefused(
                _(
                    "Two-factor enrolment required by the clinic: set up two-factor sign-in on "
                    "your Security page, then this token works again."
                )
            )
        now = timezone.now()
        last_used = found.token_last_used
        if last_used is None or now - last_used > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.token_id).update(last_used_at=now)
        return Access(
            user=found.user,
            membership=found,
            ip=client_ip(request),
            user_agent=user_agent(request),
            via="api",
        )

    @staticmethod
    def _refuse(request: HttpRequest, token: str, key_hash: str, reason: str = "") -> None:
        api_token = ApiToken.objects.select_related("user").filter(key_hash=key_hash).first()
        if not reason:
            reason = "unknown token" if api_token is None else "revoked token or inactive user"
        audit_record(
            action=AuditAction.TOKEN_REFUSED,
            actor_id=api_token.user_id if api_token else None,
            actor_email=api_token.user.email if api_token else "",
            clinic_id=api_token.clinic_id if api_token else None,
            object_type="api_token",
            object_id=api_token.pk if api_token else token[:12],
            ip=client_ip(request),
            user_agent=user_agent(request),
            via="api",
            detail={"reason": reason},
        )


class BrowserSession(APIKeyCookie):
    """The signed-in browser (CSRF-checked by ninja). The clinic is the ``X-Filiform-Clinic``
    header, else the clinic last used in the pages, else the person's only clinic."""

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> Access | None:
        # Only a signed-in session is CSRF-checked (in super().__call__): without one there is
        # nothing to forge, and the answer is 401 "not signed in", not 403 "CSRF check failed".
        user: Any = request.user
        if not user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Access | None:
        user: Any = request.user
        if not user.is_authenticated:
            return None
        if two_factor_state(user) in (TwoFactorState.NEEDS_CODE, TwoFactorState.NEEDS_ENROLMENT):
            return None
        slug = request.headers.get(CLINIC_HEADER)
        if not slug:
            memberships = memberships_of(user)
            active = request.session.get(ACTIVE_CLINIC)
            chosen = [m for m in memberships if m.clinic_id == active] or memberships[:1]
            if not chosen:
                return None
            slug = chosen[0].clinic.slug
        try:
            return access_for_request(request, slug, via="api")
        except ClinicNotFound:
            return None
