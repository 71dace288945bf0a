"""How many password-reset e-mails one request may cause: a few per e-mail and per client per hour.

Without a limit, anyone can fill a staff member's mailbox with reset links, or use the clinic's
mail server to send hundreds of them (OWASP Forgot Password Cheat Sheet: rate-limit the
requests). Within the last hour, at most ``FILIFORM_PASSWORD_RESETS_PER_EMAIL`` (3) requests for
one e-mail address, and at most ``FILIFORM_PASSWORD_RESETS_PER_IP`` (10) from one client address
(:mod:`filiform.client_address`), go on to send anything. The answer is the same "check your
e-mail" page either way, so the limit tells nobody whether an account exists.

Every request is already written to the audit log (``password_reset``, with the e-mail typed, the
client's address and whether it was held back), and all the web processes share it, so the
counts are read from there rather than from a per-process cache.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from filiform.audit.models import AuditAction, AuditEntry

WINDOW = dt.timedelta(hours=1)


def password_reset_held_back(*, email: str, ip: str | None) -> bool:
    """True when a reset request for ``email`` from ``ip`` must not send an e-mail."""
    sent = AuditEntry.objects.filter(
        action=AuditAction.PASSWORD_RESET,
        at__gte=timezone.now() - WINDOW,
        detail__held_back=False,
    )
    if (
        sent.filter(actor_email__iexact=email).count()
        >= settings.FILIFORM_PASSWORD_RESETS_PER_EMAIL
    ):
        return True
    return bool(ip) and sent.filter(ip=ip).count() >= settings.FILIFORM_PASSWORD_RESETS_PER_IP
