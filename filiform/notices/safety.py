"""Safety alerts: raised with the event they announce, shown on the dashboard of every clinician
and owner of the clinic until one of them acknowledges it with a note.

The rule (issue 16, "safety alerts are never lost"): a safety message (a needle unaccounted
for, a significant or serious adverse event, a recalled needle lot) is written in the same
transaction as the event, with its e-mail in the outbox (:mod:`filiform.notices.outbox`:
retried with backoff, its status visible); the e-mail going out, or failing for good, does not
close the alert. Only an acknowledgement does: who, when, and a note of what was done or
decided. A red-flag check-in alert is the aftercare app's own alert (closed by recording what
was done); its e-mail is carried by the same retry schedule.

The raising app writes the words (``summary``, the e-mail's subject and body): they name what
happened and link to it, never the patient, since e-mail is not a place for health records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access, audit_record
from filiform.clinics.access import OWNER_ROLES, Access, Permission, clinic_get
from filiform.clinics.models import Membership
from filiform.notices.models import AlertKind, OutboxMessage, SafetyAlert
from filiform.notices.outbox import message_queue, message_send_again

if TYPE_CHECKING:
    from filiform.accounts.models import User

NOTE_MIN = 5  # characters: "Seen." is not a note of what was done, but "Called" + a word is
NOTE_MAX = 2000
PURPOSE = "safety_alert"


class AlreadyAcknowledged(ValidationError):
    """The alert was acknowledged before (the API answers 409)."""


def staff_addresses(clinic_id: int, *, roles: Collection[str] = OWNER_ROLES) -> list[str]:
    """The e-mail addresses of the clinic's active staff in these roles (owners by default)."""
    return sorted(
        {
            email
            for email in Membership.objects.of_clinic(clinic_id)
            .filter(role__in=list(roles), is_active=True, user__is_active=True)
            .values_list("user__email", flat=True)
            if email
        }
    )


@transaction.atomic
def safety_alert_raise(
    *,
    clinic_id: int,
    kind: AlertKind,
    summary: str,
    object_type: str,
    object_id: int | str,
    subject: str,
    body: str,
    to: Sequence[str],
    link: str = "",
    patient_id: int | None = None,
    access: Access | None = None,
) -> SafetyAlert:
    """Raise an alert and queue its e-mail, inside the caller's transaction (so the event, the
    alert, the message and its worker task commit together or not at all)."""
    alert = SafetyAlert.objects.of_clinic(clinic_id).create(
        kind=kind,
        summary=" ".join(summary.split())[:300],
        link=link[:300],
        object_type=object_type[:40],
        object_id=str(object_id)[:40],
        patient_id=patient_id,
        raised_by=access.user if access else None,
    )
    message = message_queue(
        clinic_id=clinic_id, purpose=PURPOSE, to=to, subject=subject, body=body, alert=alert
    )
    detail = {"kind": str(kind), "about": f"{object_type}:{object_id}", "message": message.pk}
    if access is not None:
        audit_access(
            access,
            action=AuditAction.CREATE,
            object_type="safety_alert",
            object_id=alert.pk,
            patient_id=patient_id,
            detail=detail,
        )
    else:
        audit_record(
            action=AuditAction.CREATE,
            clinic_id=clinic_id,
            object_type="safety_alert",
            object_id=alert.pk,
            patient_id=patient_id,
            via="worker",
            detail=detail,
        )
    return alert


def closed_by(access: Access, who: User | None, at: dt.datetime) -> dict[str, str]:
    """Who closed an alert and when (in the clinic's time zone): the words of a second try's
    refusal, for a safety alert and a red-flag alert alike."""
    return {
        "who": who.display_name if who else "",
        "when": timezone.localtime(at, ZoneInfo(access.clinic.time_zone)).strftime(
            "%Y-%m-%d %H:%M"
        ),
    }


def note_of_what_was_done(note: object, *, field: str, ask: str) -> str:
    """The note that closes an alert (a safety alert, a red-flag alert): NUL-free, stripped, at
    most :data:`NOTE_MAX` characters; shorter than :data:`NOTE_MIN` it is refused, ``ask``
    (saying what to write) under ``field``."""
    cleaned = str(note or "").replace("\x00", "").strip()[:NOTE_MAX]
    if len(cleaned) < NOTE_MIN:
        raise ValidationError({field: ask})
    return cleaned


def _with_messages(access: Access, alerts: QuerySet[SafetyAlert]) -> QuerySet[SafetyAlert]:
    messages = OutboxMessage.objects.of(access).order_by("created_at", "id")
    return alerts.select_related("raised_by", "acknowledged_by").prefetch_related(
        Prefetch("messages", queryset=messages)
    )


def safety_alerts_of_clinic(*, access: Access, open_only: bool = True) -> QuerySet[SafetyAlert]:
    """The clinic's safety alerts for a clinician or owner: open ones oldest first (the longest
    waiting at the top), or all of them newest first. Not audited here: callers audit what
    they show."""
    access.require(Permission.CLINICAL_RECORD)
    alerts = SafetyAlert.objects.of(access)
    if open_only:
        return _with_messages(access, alerts.filter(acknowledged_at__isnull=True)).order_by(
            "raised_at", "id"
        )
    return _with_messages(access, alerts).order_by("-raised_at", "-id")


def safety_alerts_audit(access: Access, alerts: Sequence[SafetyAlert]) -> None:
    """Audit a list of alerts shown (the patients they concern, by id)."""
    if not alerts:
        return
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="safety_alert",
        detail={
            "alerts": [a.pk for a in alerts],
            "patients": sorted({a.patient_id for a in alerts if a.patient_id is not None}),
        },
    )


def safety_alert_of_clinic(
    *, access: Access, alert_id: int, for_update: bool = False
) -> SafetyAlert:
    """One alert of the acting person's clinic, for a clinician or owner: another clinic's is
    not found (404), a refusal names the alert and its patient."""
    return clinic_get(
        access,
        _with_messages(access, SafetyAlert.objects.of(access)),
        alert_id,
        permission=Permission.CLINICAL_RECORD,
        for_update=for_update,
    )


def safety_alert_get(*, access: Access, alert_id: int) -> SafetyAlert:
    alert = safety_alert_of_clinic(access=access, alert_id=alert_id)
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="safety_alert",
        object_id=alert.pk,
        patient_id=alert.patient_id,
    )
    return alert


@transaction.atomic
def safety_alert_acknowledge(*, access: Access, alert_id: int, note: str) -> SafetyAlert:
    """A clinician or owner of the clinic acknowledges the alert with a note of what was done or
    decided; only then does it leave the dashboard. Twice is refused, saying who did it."""
    alert = safety_alert_of_clinic(access=access, alert_id=alert_id, for_update=True)
    if alert.acknowledged_at is not None:
        raise AlreadyAcknowledged(
            _("%(who)s already acknowledged this alert at %(when)s.")
            % closed_by(access, alert.acknowledged_by, alert.acknowledged_at)
        )
    note = note_of_what_was_done(
        note,
        field="note",
        ask=_(
            "Write what was done or decided (e.g. “Room searched again, needle found in the sharps bin”)."
        ),
    )
    alert.acknowledged_at, alert.acknowledged_by, alert.acknowledgement_note = (
        timezone.now(),
        access.user,
        note,
    )
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement_note"])
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="safety_alert",
        object_id=alert.pk,
        patient_id=alert.patient_id,
        detail={"acknowledged": True, "kind": alert.kind},
    )
    return alert


@transaction.atomic
def safety_alert_send_again(*, access: Access, alert_id: int) -> OutboxMessage:
    """A clinician or owner e-mails the alert again (its last e-mail failed, or never arrived),
    to the clinic's owners as they are now: an owner added since, or an address corrected, is
    reached. Not while its last e-mail is still on its way (StillOnItsWay); audited."""
    alert = safety_alert_of_clinic(access=access, alert_id=alert_id, for_update=True)
    last = alert.messages.order_by("created_at", "id").last()
    if last is None:  # raised before alerts had e-mails: nothing to copy
        raise ValidationError(_("This alert has no e-mail to send again."))
    message = message_send_again(last, to=staff_addresses(alert.clinic_id))
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="safety_alert",
        object_id=alert.pk,
        patient_id=alert.patient_id,
        detail={"sent_again": True, "message": message.pk, "previous": last.pk},
    )
    return message
