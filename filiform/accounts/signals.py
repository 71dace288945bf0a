"""Security events to the audit log (sign-in, failed sign-in, sign-out, lock-out), and a new
password revoking API tokens."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest

from filiform.accounts.models import User
from filiform.accounts.services import api_tokens_revoke_all
from filiform.audit.services import AuditAction, audit_record, audit_user_event
from filiform.clinics.access import client_ip, user_agent


def _where(request: HttpRequest | None) -> dict[str, Any]:
    if request is None:
        return {"ip": None, "user_agent": ""}
    return {"ip": client_ip(request), "user_agent": user_agent(request)}


@receiver(post_save, sender=User)
def revoke_tokens_on_new_password(
    sender: Any, instance: User, created: bool, **kwargs: Any
) -> None:
    """Any new password (reset link, ``manage.py changepassword``, a future change form) revokes
    the person's API tokens. Django keeps the new password in ``_password`` from
    ``set_password()`` until the save that follows; a hash upgrade at sign-in clears it first,
    so it is a change of password, not of hashing, that lands here."""
    if created or getattr(instance, "_password", None) is None:
        return
    api_tokens_revoke_all(user=instance, reason="password changed")


@receiver(user_logged_in)
def audit_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_user_event(user, action=AuditAction.LOGIN, **_where(request))


@receiver(user_logged_out)
def audit_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_user_event(user, action=AuditAction.LOGOUT, **_where(request))


@receiver(user_login_failed)
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    attempted = str(credentials.get("username") or credentials.get("email") or "")[:254]
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        actor_email=attempted,
        detail={"reason": "wrong e-mail or password"},
        **_where(request),
    )


@receiver(user_locked_out)
def audit_locked_out(
    sender: Any, request: HttpRequest | None, username: str | None = None, **kwargs: Any
) -> None:
    audit_record(
        action=AuditAction.LOCKED_OUT, actor_email=(username or "")[:254], **_where(request)
    )
