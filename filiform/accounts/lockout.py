"""Sign-in lock-out: per e-mail and address, and per address across accounts.

Two counts of failed sign-ins within the cool-off time (``AXES_COOLOFF_TIME``, 15 minutes), both
per the client's address from :mod:`filiform.client_address`:

- the same e-mail from the same address: ``AXES_FAILURE_LIMIT`` (5) pauses that e-mail from that
  address. Keyed on the pair, so someone guessing at a colleague's e-mail from elsewhere never
  locks the colleague out where they work (OWASP Authentication Cheat Sheet, "Account Lockout":
  a lock-out must not let an attacker deny service to a known account);
- any e-mails from one address: ``FILIFORM_LOGIN_FAILURE_LIMIT_PER_ADDRESS`` (20) pauses every
  sign-in from that address, which stops one address trying a password on many accounts.

django-axes compares a single number with a single limit (the largest count over
``AXES_LOCKOUT_PARAMETERS``), so this handler reports the per-address count as "at the limit"
once it reaches its own, higher limit. A successful sign-in clears the failures of that e-mail
from that address only: signing in to one's own account must not wipe the address's count.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest


def _failures(attempts: QuerySet[Any]) -> int:
    return int(attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0)


class SignInLockout(AxesDatabaseHandler):
    """``AXES_HANDLER``, with ``AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"],
    "ip_address"]``: the counts come back in that order."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        per_account, per_address = self.get_user_attempts(request, credentials)
        failures = _failures(per_account)
        if _failures(per_address) >= settings.FILIFORM_LOGIN_FAILURE_LIMIT_PER_ADDRESS:
            return max(failures, get_failure_limit(request, credentials))
        return failures

    def reset_user_attempts(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> int:
        per_account = self.filter_user_attempts(request, credentials)[0]
        count, _ = per_account.delete()
        return int(count)
