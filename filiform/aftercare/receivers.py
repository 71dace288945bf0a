"""Aftercare follows the visit: issued when it is signed, cancelled when it is entered in error."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from filiform.aftercare.issue import aftercare_cancel_for_visit, aftercare_issue_for_visit
from filiform.charting.signals import visit_entered_in_error, visit_signed


@receiver(visit_signed, dispatch_uid="aftercare-issue")
def _issue(sender: Any, visit: Any, access: Any, **_kwargs: Any) -> None:
    aftercare_issue_for_visit(access=access, visit=visit)


@receiver(visit_entered_in_error, dispatch_uid="aftercare-cancel")
def _cancel(sender: Any, visit: Any, access: Any, **_kwargs: Any) -> None:
    aftercare_cancel_for_visit(access=access, visit=visit)
