"""The front desk's call list: check-ins that could not be sent by e-mail, and check-ins not
answered within the clinic's time (Clinic.check_in_no_answer_hours). A check-in leaves the list
when it is answered or when a call closes it (reached, wrong number, stopped trying); a call
with no answer keeps it on the list with the attempt recorded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.aftercare.alerts import alert_raise
from filiform.aftercare.check_ins import check_in_of_clinic
from filiform.aftercare.models import (
    CALL_CLOSES,
    AlertLevel,
    CallOutcome,
    CheckIn,
    CheckInStatus,
    FollowUpCall,
)
from filiform.aftercare.triage import TriageReason
from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission


@dataclass(frozen=True)
class CallItem:
    check_in: CheckIn
    why: str  # "no_email" | "no_answer"
    attempts: int
    last_call: FollowUpCall | None


def follow_up_queue(*, access: Access, now: dt.datetime | None = None) -> list[CallItem]:
    """Who to call, longest waiting first. The list shows names and phone numbers, not health
    details, so the front desk can work it."""
    access.require(Permission.PATIENT_EDIT)
    now = now or timezone.now()
    clinic = access.clinic
    waited = now - dt.timedelta(hours=clinic.check_in_no_answer_hours)
    check_ins = (
        CheckIn.objects.of(access)
        .filter(
            Q(status=CheckInStatus.CALL, due_at__lte=now)
            | Q(status__in=(CheckInStatus.SCHEDULED, CheckInStatus.SENT), due_at__lte=waited)
        )
        .exclude(calls__outcome__in=CALL_CLOSES)
        .select_related("patient", "practitioner__user")
        .annotate(attempts=Count("calls"))
        .prefetch_related(
            Prefetch(
                "calls", queryset=FollowUpCall.objects.of(access).order_by("-called_at", "-id")
            )
        )
        .order_by("due_at", "pk")
    )
    items = []
    for check_in in check_ins:
        calls = list(check_in.calls.all())
        items.append(
            CallItem(
                check_in=check_in,
                why="no_email" if check_in.status == CheckInStatus.CALL else "no_answer",
                attempts=check_in.attempts,
                last_call=calls[0] if calls else None,
            )
        )
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="follow_up_queue",
        object_id="",
        detail={"patients": sorted({i.check_in.patient_id for i in items})},
    )
    return items


@transaction.atomic
def follow_up_call_record(
    *, access: Access, check_in_id: int, outcome: str, note: str = ""
) -> FollowUpCall:
    """The outcome of a call. "Reached: concern" needs a note and raises an amber alert for the
    treating clinician."""
    check_in = check_in_of_clinic(access=access, check_in_id=check_in_id, for_update=True)
    access.require(
        Permission.PATIENT_EDIT,
        object_type="check_in",
        object_id=check_in.pk,
        patient_id=check_in.patient_id,
    )
    if outcome not in CallOutcome.values:
        raise ValidationError({"outcome": _("Choose how the call went.")})
    if check_in.status == CheckInStatus.CANCELLED:
        raise ValidationError(_("This check-in was cancelled; there is nothing to follow up."))
    note = str(note or "").replace("\x00", "").strip()[:500]
    if outcome == CallOutcome.REACHED_CONCERN and not note:
        raise ValidationError(
            {"note": _("Write the patient's concern so the clinician knows what to call about.")}
        )
    call = FollowUpCall.objects.of(access).create(
        check_in=check_in, outcome=outcome, note=note, called_by=access.user
    )
    if outcome == CallOutcome.REACHED_CONCERN:
        alert_raise(
            check_in=check_in, level=AlertLevel.AMBER, reasons=[str(TriageReason.CALL_CONCERN)]
        )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="follow_up_call",
        object_id=call.pk,
        patient_id=check_in.patient_id,
        detail={"check_in": check_in.pk, "outcome": outcome},
    )
    return call
