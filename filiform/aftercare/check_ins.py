"""The check-in: sent by the worker when it is due, answered once by the patient through a
single-use link, triaged at once. A red answer raises an alert on the dashboards and e-mails
the clinicians in the same transaction that stores it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.aftercare.alerts import alert_raise
from filiform.aftercare.deliveries import delivery_to_patient, patient_email_or_reason
from filiform.aftercare.models import (
    CheckIn,
    CheckInStatus,
    Delivery,
    MessageKind,
    RedFlagAlert,
)
from filiform.aftercare.triage import (
    CheckInAnswers,
    TriageResult,
    questionnaire_response,
    triage,
)
from filiform.audit.services import AuditAction, audit_access, audit_record
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.links.models import LinkPurpose
from filiform.links.services import (
    VIA_LINK,
    LinkContext,
    link_issue,
    link_open_target,
    link_saved_audit,
    link_spend,
)

CHECK_IN_LINK_DAYS = 7  # the check-in link works this long after it is sent


def check_in_send(*, check_in_id: int) -> Delivery | None:
    """Send a due check-in (the worker's task): a single-use link by e-mail, or, when the
    patient can no longer be e-mailed, onto the front desk's call list."""
    from filiform.aftercare.tasks import check_ins_to_send

    with transaction.atomic():
        check_in = (
            check_ins_to_send()
            .select_for_update(of=("self",))
            .select_related("patient")
            .filter(pk=check_in_id)
            .first()
        )
        if check_in is None or check_in.status != CheckInStatus.SCHEDULED:
            return None
        if check_in.due_at > timezone.now():  # moved later: a task will come back for it
            return None
        address, _why = patient_email_or_reason(check_in.patient)
        if not address:
            check_in.status = CheckInStatus.CALL
            check_in.save(update_fields=["status"])
            return delivery_to_patient(
                patient=check_in.patient, kind=MessageKind.CHECK_IN, check_in_id=check_in.pk
            )
        link_issue(
            clinic_id=check_in.clinic_id,
            patient_id=check_in.patient_id,
            purpose=LinkPurpose.CHECK_IN,
            target_id=check_in.pk,
            valid_for=dt.timedelta(days=CHECK_IN_LINK_DAYS),
            single_use=True,
        )
        check_in.status, check_in.sent_at = CheckInStatus.SENT, timezone.now()
        check_in.save(update_fields=["status", "sent_at"])
        audit_record(
            action=AuditAction.CREATE,
            clinic_id=check_in.clinic_id,
            object_type="check_in",
            object_id=check_in.pk,
            patient_id=check_in.patient_id,
            via="worker",
            detail={"sent": True},
        )
        return delivery_to_patient(
            patient=check_in.patient, kind=MessageKind.CHECK_IN, check_in_id=check_in.pk
        )


def check_in_open(*, token: str, where: LinkContext) -> CheckIn:
    """The check-in behind a link, if the link still works (audited)."""
    return link_open_target(
        token=token,
        where=where,
        purpose=LinkPurpose.CHECK_IN,
        model=CheckIn,
        related=("clinic", "patient", "practitioner__user"),
    ).target


def _answered(check_in: CheckIn) -> str | None:
    """A check-in answered on the phone uses its link up; one cancelled with its visit is gone."""
    if check_in.status == CheckInStatus.CANCELLED:
        return "unknown"
    return "used" if check_in.status == CheckInStatus.ANSWERED else None


def _store_answers(
    check_in: CheckIn, answers: CheckInAnswers, *, via: str
) -> tuple[TriageResult, RedFlagAlert | None]:
    now = timezone.now()
    result = triage(answers, thorax_needled=check_in.thorax_needled)
    check_in.response = questionnaire_response(
        answers,
        authored=now,
        patient_ref=f"Patient/{check_in.patient_id}",
        visit_ref=f"Encounter/{check_in.visit_id}",
    )
    check_in.status, check_in.answered_at, check_in.answered_via = (
        CheckInStatus.ANSWERED,
        now,
        via,
    )
    check_in.triage, check_in.triage_reasons = result.level, [str(r) for r in result.reasons]
    check_in.save()
    alert = None
    if result.level != "green":
        alert = alert_raise(
            check_in=check_in, level=result.level, reasons=[str(r) for r in result.reasons]
        )
    return result, alert


def check_in_submit(
    *, token: str, where: LinkContext, answers: CheckInAnswers
) -> tuple[CheckIn, TriageResult]:
    """The patient's answers through the link: stored, triaged and (red or amber) alerted, all
    or nothing. A second submit, a used, expired, revoked or altered link is refused."""
    with link_spend(
        token=token,
        where=where,
        purpose=LinkPurpose.CHECK_IN,
        model=CheckIn,
        related=("clinic", "patient"),
        refuse=_answered,
    ) as opened:
        check_in = opened.target
        result, alert = _store_answers(check_in, answers, via=VIA_LINK)
        link_saved_audit(
            opened=opened,
            where=where,
            object_type="check_in",
            object_id=check_in.pk,
            detail={"triage": result.level, "alert": alert.pk if alert else None},
        )
    return check_in, result


def check_in_of_clinic(*, access: Access, check_in_id: int, for_update: bool = False) -> CheckIn:
    check_ins = CheckIn.objects.of(access).select_related("patient", "visit")
    return clinic_get(access, check_ins, check_in_id, for_update=for_update)


@transaction.atomic
def check_in_record_by_phone(
    *, access: Access, check_in_id: int, answers: CheckInAnswers
) -> tuple[CheckIn, TriageResult]:
    """The patient answered on the phone: staff enter the answers, triaged the same way."""
    check_in = check_in_of_clinic(access=access, check_in_id=check_in_id, for_update=True)
    access.require(
        Permission.PATIENT_EDIT,
        object_type="check_in",
        object_id=check_in.pk,
        patient_id=check_in.patient_id,
    )
    if check_in.status in (CheckInStatus.ANSWERED, CheckInStatus.CANCELLED):
        raise ValidationError(
            _("This check-in was already answered.")
            if check_in.status == CheckInStatus.ANSWERED
            else _("This check-in was cancelled.")
        )
    result, alert = _store_answers(check_in, answers, via="phone")
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="check_in",
        object_id=check_in.pk,
        patient_id=check_in.patient_id,
        detail={"via": "phone", "triage": result.level, "alert": alert.pk if alert else None},
    )
    return check_in, result
