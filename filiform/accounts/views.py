"""Sign-in, two-factor, password reset, and a person's own security page."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice

from filiform.accounts import services
from filiform.accounts.forms import CodeForm, SignInForm, TokenForm
from filiform.accounts.models import ApiToken, User
from filiform.accounts.reset_throttle import password_reset_held_back
from filiform.accounts.two_factor import (
    TwoFactorState,
    clinic_requires_two_factor,
    two_factor_state,
)
from filiform.audit.services import AuditAction, audit_record, audit_user_event
from filiform.clinics.access import client_ip, memberships_of, user_agent


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    next_url = _safe_next(request, reverse(settings.LOGIN_REDIRECT_URL))
    if two_factor_state(user) is not TwoFactorState.NEEDS_CODE:
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["code"])
        ip, agent = client_ip(request), user_agent(request)
        if device is not None:
            otp_login(request, device)
            action = (
                AuditAction.RECOVERY_CODE_USED
                if isinstance(device, StaticDevice)
                else AuditAction.OTP_VERIFIED
            )
            audit_user_event(user, action=action, ip=ip, user_agent=agent)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(
                    request,
                    _("Recovery code used. %(left)d left — issue new ones on your security page.")
                    % {"left": left},
                )
            return redirect(next_url)
        audit_user_event(
            user,
            action=AuditAction.OTP_FAILED,
            ip=ip,
            user_agent=agent,
        )
        form.add_error(
            "code",
            _(
                "That code was not accepted. Use the newest code your app shows (they change every "
                "30 seconds), check the phone's clock, or use a recovery code. Repeated wrong codes "
                "slow further tries down."
            ),
        )
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url})


def _qr_svg_data_uri(config_url: str) -> str:
    return str(segno.make(config_url, error="m").svg_data_uri(scale=5, border=2))


@login_required
@require_http_methods(["GET", "POST"])
def otp_enrol(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if two_factor_state(user) is TwoFactorState.NEEDS_CODE:
        # Adding a device needs the existing one first.
        return redirect(f"{reverse('accounts:otp_verify')}?next={reverse('accounts:otp_enrol')}")
    device = services.totp_pending_device(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = services.totp_confirm(
                user=user, device=device, ip=client_ip(request), user_agent=user_agent(request)
            )
            otp_login(request, device)
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "first_time": True}
            )
        form.add_error(
            "code",
            _(
                "That code does not match. Scan the QR code again, then type the 6-digit code the app shows now."
            ),
        )
    secret = device.bin_key.hex()
    import base64

    manual_key = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    context: dict[str, Any] = {
        "form": form,
        "qr": _qr_svg_data_uri(device.config_url),
        "manual_key": " ".join(manual_key[i : i + 4] for i in range(0, len(manual_key), 4)),
        "secret_hex": secret,
        "required": clinic_requires_two_factor(user),
    }
    return render(request, "accounts/otp_enrol.html", context)


@login_required
@require_POST
def recovery_codes_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not user_has_device(user, confirmed=True):
        return redirect("accounts:otp_enrol")
    codes = services.recovery_codes_issue(
        user=user, ip=client_ip(request), user_agent=user_agent(request)
    )
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "first_time": False})


@login_required
@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if clinic_requires_two_factor(user):
        messages.error(
            request,
            _("A clinic you belong to requires two-factor sign-in, so it cannot be removed."),
        )
        return redirect("accounts:security")
    services.two_factor_remove(user=user, ip=client_ip(request), user_agent=user_agent(request))
    messages.success(request, _("Two-factor sign-in removed."))
    return redirect("accounts:security")


@login_required
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    clinics = [(m.clinic.slug, m.clinic.name) for m in memberships_of(user)]
    form = TokenForm(request.POST or None, clinics=clinics)
    issued = None
    if request.method == "POST" and form.is_valid():
        issued = services.api_token_create(
            user=user,
            clinic_slug=form.cleaned_data["clinic"],
            name=form.cleaned_data["name"],
            ip=client_ip(request),
            user_agent=user_agent(request),
        )
        form = TokenForm(clinics=clinics)
    context = {
        "form": form,
        "issued": issued,
        "tokens": ApiToken.objects.filter(user=user).select_related("clinic"),
        "has_two_factor": user_has_device(user, confirmed=True),
        "recovery_left": sum(d.token_set.count() for d in StaticDevice.objects.filter(user=user)),
    }
    return render(request, "accounts/security.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = services.api_token_revoke(
        user=_user(request),
        token_id=token_id,
        ip=client_ip(request),
        user_agent=user_agent(request),
    )
    if token is None:
        messages.error(request, _("That token does not exist or is not yours."))
    else:
        messages.success(
            request,
            _("Token “%(name)s” revoked. Programs using it are refused from now on.")
            % {"name": token.name},
        )
    return redirect("accounts:security")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"][:254]
        ip = client_ip(self.request)
        held_back = password_reset_held_back(email=email, ip=ip)
        audit_record(
            action=AuditAction.PASSWORD_RESET,
            actor_email=email,
            ip=ip,
            user_agent=user_agent(self.request),
            detail={"held_back": held_back},
        )
        if held_back:
            # The same page as a sent link, so that the limit reveals nothing about the account.
            return redirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.user
        ip, agent = client_ip(self.request), user_agent(self.request)
        with transaction.atomic():
            # Revoked here, with the request's address, before the new password's save would.
            revoked = services.api_tokens_revoke_all(
                user=user, reason="password reset", ip=ip, user_agent=agent
            )
            response = super().form_valid(form)
            audit_user_event(
                user,
                action=AuditAction.PASSWORD_CHANGED,
                ip=ip,
                user_agent=agent,
                detail={"how": "reset link", "tokens_revoked": revoked},
            )
        if revoked:
            messages.warning(
                self.request,
                ngettext(
                    "Your API token was revoked with the old password: programs using it are "
                    "refused until you create a new one on your Security page.",
                    "Your %(count)d API tokens were revoked with the old password: programs "
                    "using them are refused until you create new ones on your Security page.",
                    revoked,
                )
                % {"count": revoked},
            )
        return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    audit_record(
        action=AuditAction.CSRF_FAILURE,
        actor_id=getattr(user, "pk", None),
        actor_email=getattr(user, "email", ""),
        ip=client_ip(request),
        user_agent=user_agent(request),
        detail={"path": request.path[:200], "reason": reason[:200]},
    )
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse(
            {"detail": _("CSRF check failed: send the X-CSRFToken header with session requests.")},
            status=403,
        )
    return render(request, "accounts/csrf_failure.html", status=403)


def locked_out(
    request: HttpRequest, credentials: dict[str, Any] | None = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
