"""Consent signed remotely: a clinician who has discussed needling with the patient (by phone,
video or in person) e-mails a single-use link; the patient reads the exact text on their own
device, confirms their questions were answered, decides and signs.

The link's secret is made by the worker as it sends the e-mail and only its SHA-256 is stored,
so the secret exists nowhere but in the patient's inbox (consent/messages.py). The e-mail is an
outbox message queued in the same transaction as the request; its status (queued, retrying,
sent, failed) is the link's delivery status, and "send again" issues a fresh link. A link works once, until it expires
(SIGNING_LINK_HOURS), and not once cancelled; signing and using up the link happen in one
transaction, guarded by a conditional update, so a double submit cannot make two records."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access, audit_record
from filiform.clinics.access import Access, Permission
from filiform.consent.models import (
    ConsentRecord,
    ConsentSigningRequest,
    DiscussionMethod,
    SigningRequestStatus,
)
from filiform.consent.records import Discussion, consent_save
from filiform.consent.templates_service import consent_template_current
from filiform.notices.models import OutboxMessage
from filiform.notices.outbox import IN_FLIGHT, StillOnItsWay, message_queue, messages_about
from filiform.patients.selectors import patient_of_clinic

SIGNING_LINK_HOURS = 72  # how long an e-mailed signing link works
PATIENT_ACTOR = "patient (e-mailed signing link)"
VIA_LINK = "signing-link"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


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
    request = ConsentSigningRequest.objects.create(
        clinic_id=access.membership.clinic_id,
        patient=patient,
        template=template,
        email=patient.email,
        risks_discussed=True,
        benefits_discussed=True,
        alternatives_discussed=True,
        discussion_method=discussion_method,
        discussion_note=discussion_note.strip()[:300],
        created_by=access.user,
        expires_at=timezone.now() + dt.timedelta(hours=SIGNING_LINK_HOURS),
    )
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


def signing_link_delivery(request_ids: list[int]) -> dict[int, OutboxMessage]:
    """The latest e-mail of each signing request: its delivery status."""
    from filiform.consent.messages import ABOUT

    return {int(k): m for k, m in messages_about(ABOUT, request_ids).items()}


@transaction.atomic
def signing_request_send_again(
    *, access: Access, request_id: int, patient_id: int | None = None
) -> ConsentSigningRequest:
    """E-mail a fresh link (the old one stops working: its secret was never stored, so it
    cannot be sent twice), valid SIGNING_LINK_HOURS from now. Not while an e-mail of it is
    still on its way, and not for a link signed or cancelled."""
    requests = ConsentSigningRequest.objects.select_for_update(of=("self",)).filter(
        pk=request_id, clinic_id=access.membership.clinic_id
    )
    if patient_id is not None:
        requests = requests.filter(patient_id=patient_id)
    request = requests.first()
    if request is None:
        raise Http404("No such signing request in this clinic.")
    access.require(
        Permission.CLINICAL_RECORD,
        object_type="consent_signing_request",
        object_id=request.pk,
        patient_id=request.patient_id,
    )
    if request.used_at is not None or request.cancelled_at is not None:
        raise ValidationError(
            _("This link can no longer be sent: it is %(status)s.")
            % {"status": request.get_status_display().lower()}
        )
    last = signing_link_delivery([request.pk]).get(request.pk)
    if last is not None and last.status in IN_FLIGHT:
        raise StillOnItsWay(
            _("This link's e-mail is still on its way: %(status)s.")
            % {"status": last.get_status_display().lower()}
        )
    request.token_hash, request.sent_at = None, None
    request.expires_at = timezone.now() + dt.timedelta(hours=SIGNING_LINK_HOURS)
    request.save(update_fields=["token_hash", "sent_at", "expires_at"])
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
            "expires_at": request.expires_at.isoformat(),
        },
    )
    return request


@transaction.atomic
def signing_request_cancel(
    *, access: Access, request_id: int, patient_id: int | None = None
) -> ConsentSigningRequest:
    """A pending link stops working at once (of that patient, when given)."""
    requests = ConsentSigningRequest.objects.select_for_update(of=("self",)).filter(
        pk=request_id, clinic_id=access.membership.clinic_id
    )
    if patient_id is not None:
        requests = requests.filter(patient_id=patient_id)
    request = requests.first()
    if request is None:
        raise Http404("No such signing request in this clinic.")
    access.require(
        Permission.CLINICAL_RECORD,
        object_type="consent_signing_request",
        object_id=request.pk,
        patient_id=request.patient_id,
    )
    if request.status != SigningRequestStatus.PENDING:
        raise ValidationError(
            _("This link can no longer be cancelled: it is %(status)s.")
            % {"status": request.get_status_display().lower()}
        )
    request.cancelled_at, request.cancelled_by = timezone.now(), access.user
    request.save(update_fields=["cancelled_at", "cancelled_by"])
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
    """Make the link's secret, store its hash and return it, once per request (the worker calls
    this just before sending). None when the request was already sent, cancelled or expired."""
    token = secrets.token_urlsafe(32)
    issued = ConsentSigningRequest.objects.filter(
        pk=request_id,
        token_hash__isnull=True,
        cancelled_at__isnull=True,
        used_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).update(token_hash=token_hash(token), sent_at=timezone.now())
    return token if issued else None


class SigningLinkRefused(Exception):
    """The link cannot be used; ``reason`` is one of unknown, used, expired, cancelled."""

    def __init__(self, reason: str, request: ConsentSigningRequest | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.request = request


@dataclass(frozen=True)
class LinkContext:
    ip: str | None
    user_agent: str


def _audit_refusal(refusal: SigningLinkRefused, where: LinkContext) -> None:
    request = refusal.request
    audit_record(
        action=AuditAction.PERMISSION_DENIED,
        clinic_id=request.clinic_id if request else None,
        object_type="consent_signing_request",
        object_id=request.pk if request else "",
        patient_id=request.patient_id if request else None,
        ip=where.ip,
        user_agent=where.user_agent,
        via=VIA_LINK,
        detail={"actor": PATIENT_ACTOR, "refused": refusal.reason},
    )


def _usable(request: ConsentSigningRequest | None) -> ConsentSigningRequest:
    if request is None or request.sent_at is None:
        raise SigningLinkRefused("unknown")
    status = request.status
    if status != SigningRequestStatus.PENDING:
        raise SigningLinkRefused(status, request)
    return request


def signing_link_open(*, token: str, where: LinkContext) -> ConsentSigningRequest:
    """The request behind a link, if it can still be signed (opening it is audited)."""
    try:
        request = _usable(
            ConsentSigningRequest.objects.select_related(
                "clinic", "patient", "template", "created_by"
            )
            .filter(token_hash=token_hash(token))
            .first()
        )
    except SigningLinkRefused as refusal:
        _audit_refusal(refusal, where)
        raise
    audit_record(
        action=AuditAction.READ,
        clinic_id=request.clinic_id,
        object_type="consent_signing_request",
        object_id=request.pk,
        patient_id=request.patient_id,
        ip=where.ip,
        user_agent=where.user_agent,
        via=VIA_LINK,
        detail={"actor": PATIENT_ACTOR, "template_version": request.template.version},
    )
    return request


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
    try:
        with transaction.atomic():
            request = _usable(
                ConsentSigningRequest.objects.select_for_update(of=("self",))
                .select_related("clinic", "patient", "template", "created_by")
                .filter(token_hash=token_hash(token))
                .first()
            )
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
            used = ConsentSigningRequest.objects.filter(
                pk=request.pk, used_at__isnull=True, cancelled_at__isnull=True
            ).update(used_at=timezone.now(), record=record)
            if used != 1:  # another submit won the race: this one rolls back
                raise SigningLinkRefused(SigningRequestStatus.USED, request)
            audit_record(
                action=AuditAction.CREATE,
                clinic_id=request.clinic_id,
                object_type="consent",
                object_id=record.pk,
                patient_id=request.patient_id,
                ip=where.ip,
                user_agent=where.user_agent,
                via=VIA_LINK,
                detail={
                    "actor": PATIENT_ACTOR,
                    "signing_request": request.pk,
                    "decision": decision,
                    "template_version": request.template.version,
                    "signer_name": record.signer_name,
                },
            )
    except SigningLinkRefused as refusal:
        _audit_refusal(refusal, where)
        raise
    return record
