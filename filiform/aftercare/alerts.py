"""Red-flag and amber alerts: raised by a check-in (or a follow-up call), shown on the treating
clinician's and the owners' dashboards until a clinician records what was done. A red alert also
e-mails them, with the patient's phone number: a safety message, so its delivery (and its
worker task) is written in the same transaction as the answer, retried while the mail server is
down, and its status shown with the alert; the e-mail failing never takes the alert away."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.aftercare.deliveries import delivery_to_staff
from filiform.aftercare.models import AlertLevel, CheckIn, Delivery, MessageKind, RedFlagAlert
from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import OWNER_ROLES, Access, Permission, clinic_get
from filiform.clinics.models import Membership
from filiform.notices.safety import closed_by, note_of_what_was_done


def alert_raise(*, check_in: CheckIn, level: str, reasons: list[str]) -> RedFlagAlert:
    """Inside the caller's transaction: the alert is on the dashboards the moment the answer is
    stored; the e-mail to the clinicians (red only) goes through the worker."""
    alert = RedFlagAlert.objects.of_clinic(check_in.clinic_id).create(
        patient_id=check_in.patient_id,
        check_in=check_in,
        practitioner_id=check_in.practitioner_id,
        level=level,
        reasons=reasons,
    )
    if level == AlertLevel.RED:
        recipients = (
            Membership.objects.of_clinic(check_in.clinic_id)
            .filter(is_active=True)
            .filter(Q(role__in=OWNER_ROLES) | Q(pk=check_in.practitioner_id))
        )
        delivery_to_staff(
            patient=check_in.patient,
            kind=MessageKind.RED_FLAG,
            to=list(recipients.values_list("user__email", flat=True)),
            alert_id=alert.pk,
        )
    return alert


def _emails(access: Access) -> Prefetch:
    """The e-mails about an alert (with their status), oldest first."""
    return Prefetch(
        "deliveries",
        queryset=Delivery.objects.of(access)
        .select_related("handed_over_by")
        .order_by("created_at", "id"),
    )


def alerts_open(*, access: Access) -> QuerySet[RedFlagAlert]:
    """Unresolved alerts for the acting clinician: their own patients' (all of the clinic's for
    an owner), red first, oldest first. Not audited here: pages that show them audit the read."""
    access.require(Permission.CLINICAL_RECORD)
    alerts = (
        RedFlagAlert.objects.of(access)
        .filter(resolved_at__isnull=True)
        .select_related("patient", "practitioner__user", "check_in")
        .prefetch_related(_emails(access))
    )
    if not access.is_owner:
        alerts = alerts.filter(practitioner=access.membership)
    return alerts.order_by("-level", "raised_at")  # "red" > "amber"


def alert_of_clinic(*, access: Access, alert_id: int, for_update: bool = False) -> RedFlagAlert:
    """The clinic's alert (404 otherwise), for clinicians: a refusal names it and its patient."""
    alerts = (
        RedFlagAlert.objects.of(access)
        .select_related("patient", "practitioner__user", "check_in", "resolved_by")
        .prefetch_related(_emails(access))
    )
    return clinic_get(
        access, alerts, alert_id, permission=Permission.CLINICAL_RECORD, for_update=for_update
    )


def alert_get(*, access: Access, alert_id: int) -> RedFlagAlert:
    alert = alert_of_clinic(access=access, alert_id=alert_id)
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="red_flag_alert",
        object_id=alert.pk,
        patient_id=alert.patient_id,
    )
    return alert


@transaction.atomic
def alert_resolve(*, access: Access, alert_id: int, action_taken: str) -> RedFlagAlert:
    """A clinician records what was done; only then does the alert leave the dashboards."""
    alert = alert_of_clinic(access=access, alert_id=alert_id, for_update=True)
    if alert.resolved_at is not None:
        raise ValidationError(
            _("%(who)s already recorded what was done at %(when)s.")
            % closed_by(access, alert.resolved_by, alert.resolved_at)
        )
    action_taken = note_of_what_was_done(
        action_taken,
        field="action_taken",
        ask=_(
            "Write what was done (e.g. “Called at 14:05, no breathlessness now, advised ER if it returns”)."
        ),
    )
    alert.resolved_at, alert.resolved_by, alert.action_taken = (
        timezone.now(),
        access.user,
        action_taken,
    )
    alert.save(update_fields=["resolved_at", "resolved_by", "action_taken"])
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="red_flag_alert",
        object_id=alert.pk,
        patient_id=alert.patient_id,
        detail={"resolved": True, "level": alert.level},
    )
    return alert
