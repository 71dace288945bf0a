"""Session rules for staff: idle sign-out and two-factor sign-in."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from filiform.accounts.two_factor import TwoFactorState, two_factor_state
from filiform.audit.services import AuditAction, audit_user_event
from filiform.clinics.access import client_ip, user_agent
from filiform.clinics.models import Clinic

LAST_ACTIVITY = "filiform_last_activity"
ACTIVE_CLINIC = "filiform_active_clinic"
# Paths that work before two-factor is satisfied (or that handle it themselves).
TWO_FACTOR_EXEMPT_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/two-factor/",
    "/accounts/password-reset/",
    "/static/",
    "/healthz",
    "/api/",
)


def idle_timeout_seconds(request: HttpRequest) -> int:
    clinic_id = request.session.get(ACTIVE_CLINIC)
    minutes = None
    if clinic_id:
        minutes = (
            Clinic.objects.filter(pk=clinic_id)
            .values_list("idle_timeout_minutes", flat=True)
            .first()
        )
    return int(minutes or settings.FILIFORM_IDLE_TIMEOUT_MINUTES) * 60


class IdleTimeoutMiddleware:
    """Signs a person out after the clinic's idle time (default 30 minutes) without a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not request.path.startswith("/static/"):
            now = time.time()
            last = request.session.get(LAST_ACTIVITY)
            if last is not None and now - float(last) > idle_timeout_seconds(request):
                user = request.user
                audit_user_event(
                    user,
                    action=AuditAction.IDLE_LOGOUT,
                    ip=client_ip(request),
                    user_agent=user_agent(request),
                )
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {
                            "detail": _(
                                "Your session ended after a period of inactivity. Sign in again."
                            )
                        },
                        status=401,
                    )
                messages.info(request, _("You were signed out after a period of inactivity."))
                return redirect(
                    f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}"
                )
            # Write the session at most once a minute to keep requests cheap.
            if last is None or now - float(last) > 60:
                request.session[LAST_ACTIVITY] = now
        return self.get_response(request)


class TwoFactorMiddleware:
    """Until two-factor is satisfied, a signed-in person can only finish signing in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and not request.path.startswith(
            TWO_FACTOR_EXEMPT_PREFIXES
        ):
            state = two_factor_state(request.user)
            if state is TwoFactorState.NEEDS_CODE:
                return redirect(
                    f"{reverse('accounts:otp_verify')}?{urlencode({'next': request.get_full_path()})}"
                )
            if state is TwoFactorState.NEEDS_ENROLMENT:
                messages.warning(
                    request, _("Your clinic requires two-factor sign-in. Set it up to continue.")
                )
                return redirect("accounts:otp_enrol")
        return self.get_response(request)
