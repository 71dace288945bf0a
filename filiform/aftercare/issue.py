"""Signing a needling visit issues its aftercare: the sheet is frozen and sent (or marked for
handing over in person), a patient link to it is made for the QR code, and the check-in is
scheduled. All inside the signing transaction: a visit is never signed without its aftercare."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from filiform.aftercare.deliveries import delivery_to_patient, patient_email_or_reason
from filiform.aftercare.instructions import (
    needled_muscles,
    sheet_content,
    template_current_of_clinic,
)
from filiform.aftercare.models import (
    AftercareSheet,
    CheckIn,
    CheckInStatus,
    Delivery,
    DeliveryStatus,
    MessageKind,
)
from filiform.audit.services import AuditAction, audit_access
from filiform.charting.models import NeedlingSession, Visit
from filiform.clinics.access import Access
from filiform.links.models import LinkPurpose
from filiform.links.services import link_issue, links_revoke_for_target

SHEET_LINK_DAYS = 90  # the aftercare sheet's link (and QR code) works this long


def sheet_and_check_in_issue(
    *, visit: Visit, session: NeedlingSession, sheet: AftercareSheet, issued_at: dt.datetime
) -> tuple[AftercareSheet, CheckIn, str]:
    """Freeze the sheet, schedule the check-in and make the sheet's patient link; returns them
    with the address the patient may be e-mailed at ("" when they may not). Sends nothing."""
    clinic = visit.clinic
    _muscles, thorax = needled_muscles(session, clinic.pk)
    address, _why = patient_email_or_reason(visit.patient)
    performed = session.ended_at or issued_at
    check_in = CheckIn.objects.of_clinic(clinic.pk).create(
        clinic=clinic,
        patient=visit.patient,
        visit=visit,
        practitioner=visit.practitioner,
        thorax_needled=thorax,
        due_at=performed + dt.timedelta(hours=clinic.check_in_after_hours),
        status=CheckInStatus.SCHEDULED if address else CheckInStatus.CALL,
        created_at=issued_at,
    )
    template = template_current_of_clinic(clinic.pk)
    sheet.template = template
    sheet.content = sheet_content(
        sheet=sheet,
        session=session,
        template=template,
        check_in_due=check_in.due_at,
        check_in_by_email=bool(address),
    )
    sheet.issued_at = issued_at
    sheet.save()
    link_issue(
        clinic_id=clinic.pk,
        patient_id=visit.patient_id,
        purpose=LinkPurpose.AFTERCARE,
        target_id=sheet.pk,
        valid_for=dt.timedelta(days=SHEET_LINK_DAYS),
    )
    return sheet, check_in, address


def aftercare_issue_for_visit(*, access: Access, visit: Visit) -> AftercareSheet | None:
    """Issue the visit's aftercare when it has a needling session with insertions."""
    session = (
        NeedlingSession.objects.of(access)
        .filter(visit=visit)
        .prefetch_related("insertions")
        .first()
    )
    if session is None or not session.insertions.all():
        return None
    sheet = AftercareSheet.objects.of(access).select_for_update().filter(visit=visit).first()
    if sheet is None:
        sheet = AftercareSheet(
            visit=visit, clinic=visit.clinic, patient=visit.patient, updated_by=access.user
        )
    sheet, check_in, address = sheet_and_check_in_issue(
        visit=visit, session=session, sheet=sheet, issued_at=timezone.now()
    )
    delivery = delivery_to_patient(
        patient=visit.patient, kind=MessageKind.AFTERCARE, sheet_id=sheet.pk
    )
    if address:
        from filiform.aftercare.tasks import send_check_in

        # In this transaction, not on commit: a crash between the two would lose the task.
        send_check_in.using(run_after=check_in.due_at).enqueue(check_in_id=check_in.pk)
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="aftercare_sheet",
        object_id=sheet.pk,
        patient_id=visit.patient_id,
        detail={
            "visit": visit.pk,
            "template_version": sheet.content["template"]["version"] if sheet.content else None,
            "delivery": delivery.channel,
            "check_in_due": check_in.due_at.isoformat(),
            "thorax_needled": check_in.thorax_needled,
        },
    )
    return sheet


def aftercare_cancel_for_visit(*, access: Access, visit: Visit) -> None:
    """A visit entered in error: its check-in is cancelled and its patient links stop working."""
    check_in = CheckIn.objects.of(access).filter(visit=visit).first()
    if check_in is not None and check_in.status != CheckInStatus.ANSWERED:
        check_in.status = CheckInStatus.CANCELLED
        check_in.save(update_fields=["status"])
        links_revoke_for_target(
            clinic_id=check_in.clinic_id, purpose=LinkPurpose.CHECK_IN, target_id=check_in.pk
        )
    sheet = AftercareSheet.objects.of(access).filter(visit=visit).first()
    if sheet is not None:
        links_revoke_for_target(
            clinic_id=sheet.clinic_id, purpose=LinkPurpose.AFTERCARE, target_id=sheet.pk
        )
        Delivery.objects.of(access).filter(
            sheet=sheet, status__in=(DeliveryStatus.QUEUED, DeliveryStatus.RETRYING)
        ).update(status=DeliveryStatus.CANCELLED)
    if check_in is not None or sheet is not None:
        audit_access(
            access,
            action=AuditAction.UPDATE,
            object_type="aftercare_sheet",
            object_id=sheet.pk if sheet else "",
            patient_id=visit.patient_id,
            detail={"visit": visit.pk, "cancelled": "visit entered in error"},
        )
