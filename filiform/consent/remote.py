"""Consent signed remotely: a clinician who has discussed needling with the patient (by phone,
video or in person) e-mails a single-use link; the patient reads the exact text on their own
device, confirms their questions were answered, decides and signs.

The link is a patient link (filiform/links, purpose ``consent_signing``): its token is made by
the worker as it sends the e-mail and only its SHA-256 is stored, so the token exists nowhere
but in the patient's inbox (consent/messages.py). The e-mail is an outbox message queued in the
same transaction as the request; its status (queued, retrying, sent, failed) is the link's
delivery status, and "send again" renews the link (the old token stops working). A link works
once, until it expires (SIGNING_LINK_HOURS), and not once cancelled; signing and using up the
link happen in one transaction under a lock on the link, so a double submit cannot make two
records. The refusals, and their audit, are the links app's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.consent.models import (
    ConsentRecord,
    ConsentSigningRequest,
    DiscussionMethod,
    SigningRequestStatus,
)
from filiform.consent.records import Discussion, consent_save
from filiform.consent.templates_service import consent_template_current
from filiform.links.models import LinkPurpose, PatientLink
from filiform.links.services import (
    LinkContext,
    LinkRefused,
    link_issue,
    link_open_target,
    link_renew,
    link_saved_audit,
    link_spend,
    link_stop,
    link_token_send,
)
from filiform.links.tokens import token_digest, token_new
from filiform.notices.models import OutboxMessage
from filiform.notices.outbox import IN_FLIGHT, StillOnItsWay, message_queue, messages_about
from filiform.patients.selectors import patient_of_clinic

SIGNING_LINK_HOURS = 72  # how long an e-mailed signing link works
# The patient's refusals (unknown, used, expired, cancelled) are the links app's.
SigningLinkRefused = LinkRefused
token_hash = token_digest  # what the link stores of its token


@transaction.atomic
def signing_request_create(
    *,
    access: Access,
    patient_id: int,
    risks_discussed: bool,
    benefits_discussed: bool,
    alternatives_discussed: bool,
    discussion_method: str,
    discussion_note: str = "",
) -> ConsentSigningRequest:
    """Send the patient a link to sign. The sender attests the discussion took place: a link is
    no substitute for it, so risks, benefits and alternatives must all have been covered."""
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    access.require(
        Permission.CLINICAL_RECORD, object_type="consent_signing_request", patient_id=patient.pk
    )
    if not patient.email:
        raise ValidationError(
            {"email": _("This patient has no e-mail address. Add one to send a signing link.")}
        )
    if not patient.email_ok:
        raise ValidationError(
            {
                "email": _(
                    "The patient has not agreed to e-mail from the clinic. With their permission, tick “may receive e-mail” on their record, or sign in the clinic."
                )
            }
        )
    if discussion_method not in DiscussionMethod.values:
        raise ValidationError(
            {"discussion_method": _("Say how the discussion took place (in person, phone, video).")}
        )
    missing = [
        label
        for label, done in (
            (_("risks"), risks_discussed),
            (_("expected benefits"), benefits_discussed),
            (_("alternatives"), alternatives_discussed),
        )
        if not done
    ]
    if missing:
        raise ValidationError(
            _(
                "Send a signing link only after discussing: %(items)s with the patient. Tick each once it is done."
            )
            % {"items": ", ".join(missing)}
        )
    template = consent_template_current(access=access)
    request = ConsentSigningRequest.objects.of(access).create(
        patient=patient,
        template=template,
        email=patient.email,
        risks_discussed=True,
        benefits_discussed=True,
        alternatives_discussed=True,
        discussion_method=discussion_method,
        discussion_note=discussion_note.strip()[:300],
        created_by=access.user,
    )
    request.link = link_issue(
        clinic_id=request.clinic_id,
        patient_id=patient.pk,
        purpose=LinkPurpose.CONSENT_SIGNING,
        target_id=request.pk,
        valid_for=dt.timedelta(hours=SIGNING_LINK_HOURS),
        single_use=True,
        kept=False,  # its token is made once, as the e-mail goes
    )
    request.save(update_fields=["link"])
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="consent_signing_request",
        object_id=request.pk,
        patient_id=patient.pk,
        detail={
            "template_version": template.version,
            "discussion_method": discussion_method,
            "expires_at": request.expires_at.isoformat(),
        },
    )
    _signing_link_queue(request)
    return request


def _signing_link_queue(request: ConsentSigningRequest) -> OutboxMessage:
    """The link's e-mail and its task, in the caller's transaction (never on commit: a crash
    between the two would lose the task)."""
    from filiform.consent.messages import ABOUT, PURPOSE, signing_link_subject

    return message_queue(
        clinic_id=request.clinic_id,
        purpose=PURPOSE,
        to=[request.email],
        subject=signing_link_subject(request),
        body="",
        object_type=ABOUT,
        object_id=request.pk,
    )


def signing_link_delivery(
    requests: Sequence[ConsentSigningRequest],
) -> dict[int, OutboxMessage]:
    """The latest e-mail of each signing request (by its id): its delivery status."""
    from filiform.consent.messages import ABOUT

    return messages_about(ABOUT, requests)


def _request_locked(
    access: Access, request_id: int, patient_id: int | None
) -> tuple[ConsentSigningRequest, PatientLink]:
    """The clinic's request (of that patient, when given) and its link, both locked: the link
    first, as the patient's signing locks it, so the two never wait on each other."""
    requests = ConsentSigningRequest.objects.of(access)
    if patient_id is not None:
        requests = requests.filter(patient_id=patient_id)
    request = clinic_get(
        access,
        requests,
        request_id,
        permission=Permission.CLINICAL_RECORD,
        object_type="consent_signing_request",
    )
    if request.link_id is None:
        raise Http404("This signing request has no link.")
    link = PatientLink.objects.of(access).select_for_update().get(pk=request.link_id)
    request = ConsentSigningRequest.objects.of(access).select_for_update().get(pk=request.pk)
    request.link = link
    return request, link


@transaction.atomic
def signing_request_send_again(
    *, access: Access, request_id: int, patient_id: int | None = None
) -> ConsentSigningRequest:
    """E-mail a fresh link (the old one stops working: its token was never stored, so it
    cannot be sent twice), valid SIGNING_LINK_HOURS from now. Not while an e-mail of it is
    still on its way, and not for a link signed or cancelled."""
    request, link = _request_locked(access, request_id, patient_id)
    if request.used_at is not None or request.cancelled_at is not None:
        raise ValidationError(
            _("This link can no longer be sent: it is %(status)s.")
            % {"status": request.get_status_display().lower()}
        )
    last = signing_link_delivery([request]).get(request.pk)
    if last is not None and last.status in IN_FLIGHT:
        raise StillOnItsWay(
            _("This link's e-mail is still on its way: %(status)s.")
            % {"status": last.get_status_display().lower()}
        )
    link_renew(link=link, valid_for=dt.timedelta(hours=SIGNING_LINK_HOURS))
    request.sent_at = None
    request.save(update_fields=["sent_at"])
    message = _signing_link_queue(request)
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="consent_signing_request",
        object_id=request.pk,
        patient_id=request.patient_id,
        detail={
            "sent_again": True,
            "message": message.pk,
            "expires_at": link.expires_at.isoformat(),
        },
    )
    return request


@transaction.atomic
def signing_request_cancel(
    *, access: Access, request_id: int, patient_id: int | None = None
) -> ConsentSigningRequest:
    """A pending link stops working at once (of that patient, when given)."""
    request, link = _request_locked(access, request_id, patient_id)
    if request.status != SigningRequestStatus.PENDING:
        raise ValidationError(
            _("This link can no longer be cancelled: it is %(status)s.")
            % {"status": request.get_status_display().lower()}
        )
    link_stop(link=link, by=access.user)
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="consent_signing_request",
        object_id=request.pk,
        patient_id=request.patient_id,
        detail={"cancelled": True},
    )
    return request


def signing_link_issue(*, request_id: int) -> str | None:
    """Make the link's token, store its SHA-256 and return it, once per request (as the worker
    does just before sending). None when the request was already sent, cancelled or expired."""
    from filiform.consent.tasks import requests_to_send

    request = requests_to_send().select_related("link").filter(pk=request_id).first()
    if request is None or request.link is None:
        return None
    token = token_new()
    if not link_token_send(link=request.link, token=token, replace=False):
        return None
    ConsentSigningRequest.objects.of_clinic(request.clinic_id).filter(pk=request.pk).update(
        sent_at=timezone.now()
    )
    return token


def signing_link_open(*, token: str, where: LinkContext) -> ConsentSigningRequest:
    """The request behind a link, if it can still be signed (opening it is audited)."""
    return link_open_target(
        token=token,
        where=where,
        purpose=LinkPurpose.CONSENT_SIGNING,
        model=ConsentSigningRequest,
        related=("clinic", "patient", "template", "created_by", "link"),
        detail=lambda request: {"template_version": request.template.version},
    ).target


def signing_link_sign(
    *,
    token: str,
    where: LinkContext,
    questions_answered: bool,
    thorax_acknowledged: bool,
    decision: str,
    signer_name: str,
    signature: Any,
) -> ConsentRecord:
    """The patient's decision through the link: validated by the same rules as in the clinic
    (consent_save), against the text version the link was sent with. A refusal of the link
    (used, expired, cancelled) is raised as SigningLinkRefused; bad input as ValidationError,
    leaving the link usable."""
    with link_spend(
        token=token,
        where=where,
        purpose=LinkPurpose.CONSENT_SIGNING,
        model=ConsentSigningRequest,
        related=("clinic", "patient", "template", "created_by"),
    ) as opened:
        request = opened.target
        record = consent_save(
            clinic=request.clinic,
            patient=request.patient,
            template=request.template,
            discussion=Discussion(
                risks=request.risks_discussed,
                benefits=request.benefits_discussed,
                alternatives=request.alternatives_discussed,
                questions_answered=questions_answered,
                thorax_acknowledged=thorax_acknowledged,
            ),
            discussed_by=request.created_by,
            decision=decision,
            signer_name=signer_name,
            signature=signature,
        )
        request.record = record
        request.save(update_fields=["record"])
        link_saved_audit(
            opened=opened,
            where=where,
            object_type="consent",
            object_id=record.pk,
            detail={
                "signing_request": request.pk,
                "decision": decision,
                "template_version": request.template.version,
                "signer_name": record.signer_name,
            },
        )
    return record
