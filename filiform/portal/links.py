"""Patient links: issue, open, use once, revoke. Every opening, use and refusal is audited.

A token is ``<link id>.<nonce>`` signed with the server's secret (Django's signing). An altered
token fails the signature; a token of a revoked, expired or used link names a row that refuses
it. The token can be made again from the row, so a reprinted aftercare sheet carries the same QR
code; revoking the row kills every copy."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from filiform.audit.services import AuditAction, audit_access, audit_record
from filiform.clinics.access import Access, Permission
from filiform.portal.models import LinkPurpose, LinkStatus, PortalLink

SALT = "filiform.portal.link"
PATIENT_ACTOR = "patient (portal link)"
VIA_LINK = "portal-link"


@dataclass(frozen=True)
class LinkContext:
    """Where a link was opened from (for the audit log)."""

    ip: str | None
    user_agent: str


class LinkRefused(Exception):
    """The link cannot be used; ``reason`` is unknown, used, expired or revoked."""

    def __init__(self, reason: str, link: PortalLink | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.link = link


def link_issue(
    *,
    clinic_id: int,
    patient_id: int,
    purpose: LinkPurpose,
    target_id: int,
    valid_for: dt.timedelta,
    single_use: bool = False,
) -> PortalLink:
    return PortalLink.objects.create(
        clinic_id=clinic_id,
        patient_id=patient_id,
        purpose=purpose,
        target_id=target_id,
        nonce=secrets.token_urlsafe(16),
        single_use=single_use,
        expires_at=timezone.now() + valid_for,
    )


def link_token(link: PortalLink) -> str:
    return signing.Signer(salt=SALT).sign(f"{link.pk}.{link.nonce}")


def link_url(link: PortalLink) -> str:
    """The full address the patient opens (e-mail, QR code)."""
    return settings.SITE_URL + reverse("portal:open", kwargs={"token": link_token(link)})


def _audit_link(
    link: PortalLink | None, where: LinkContext, action: AuditAction, **detail: object
) -> None:
    audit_record(
        action=action,
        clinic_id=link.clinic_id if link else None,
        object_type=f"portal_link:{link.purpose}" if link else "portal_link",
        object_id=link.target_id if link else "",
        patient_id=link.patient_id if link else None,
        ip=where.ip,
        user_agent=where.user_agent,
        via=VIA_LINK,
        detail={"actor": PATIENT_ACTOR, "link": link.pk if link else None, **detail},
    )


def _link_of_token(token: str, *, for_update: bool = False) -> PortalLink:
    try:
        value = signing.Signer(salt=SALT).unsign(token)
        link_id, nonce = value.split(".", 1)
        pk = int(link_id)
    except (signing.BadSignature, ValueError):
        raise LinkRefused("unknown") from None
    links = PortalLink.objects.select_related("clinic", "patient")
    if for_update:
        links = links.select_for_update(of=("self",))
    link = links.filter(pk=pk).first()
    if link is None or not secrets.compare_digest(link.nonce, nonce):
        raise LinkRefused("unknown")
    if link.status != LinkStatus.ACTIVE:
        raise LinkRefused(link.status, link)
    return link


def link_open(*, token: str, where: LinkContext, purpose: LinkPurpose | None = None) -> PortalLink:
    """The link behind a token if it still works; opening it is audited, and so is a refusal."""
    try:
        link = _link_of_token(token)
        if purpose is not None and link.purpose != purpose:
            raise LinkRefused("unknown")
    except LinkRefused as refusal:
        _audit_link(refusal.link, where, AuditAction.PERMISSION_DENIED, refused=refusal.reason)
        raise
    PortalLink.objects.filter(pk=link.pk).update(
        opened_count=F("opened_count") + 1, last_opened_at=timezone.now()
    )
    _audit_link(link, where, AuditAction.READ)
    return link


def link_use(*, token: str, where: LinkContext, purpose: LinkPurpose) -> PortalLink:
    """Use up a single-use link inside the caller's transaction: a second submit, even at the
    same instant, is refused as used. A refusal rolls the caller back, so the caller audits it
    afterwards with ``link_refusal_audit``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("link_use must run inside the transaction that saves the answer")
    link = _link_of_token(token, for_update=True)
    if link.purpose != purpose:
        raise LinkRefused("unknown")
    used = PortalLink.objects.filter(pk=link.pk, used_at__isnull=True, revoked_at__isnull=True)
    if link.single_use and used.update(used_at=timezone.now()) != 1:
        raise LinkRefused(LinkStatus.USED, link)
    _audit_link(link, where, AuditAction.CREATE, used=True)
    return link


def link_refusal_audit(refusal: LinkRefused, where: LinkContext) -> None:
    """Audit a refusal raised while the caller's transaction rolled back."""
    _audit_link(refusal.link, where, AuditAction.PERMISSION_DENIED, refused=refusal.reason)


@transaction.atomic
def link_revoke(*, access: Access, link_id: int) -> PortalLink:
    """A staff member stops a link at once (lost phone, wrong address)."""
    link = (
        PortalLink.objects.select_for_update()
        .filter(pk=link_id, clinic_id=access.membership.clinic_id)
        .first()
    )
    if link is None:
        raise Http404("No such patient link in this clinic.")
    access.require(
        Permission.PATIENT_EDIT,
        object_type="portal_link",
        object_id=link.pk,
        patient_id=link.patient_id,
    )
    if link.revoked_at is None:
        link.revoked_at, link.revoked_by = timezone.now(), access.user
        link.save(update_fields=["revoked_at", "revoked_by"])
        audit_access(
            access,
            action=AuditAction.UPDATE,
            object_type="portal_link",
            object_id=link.pk,
            patient_id=link.patient_id,
            detail={"revoked": True, "purpose": link.purpose},
        )
    return link


def links_of_patient(*, access: Access, patient_id: int) -> list[PortalLink]:
    """The patient's links, newest first (the patient must be of the acting clinic; audited)."""
    from filiform.patients.selectors import patient_of_clinic

    patient = patient_of_clinic(access=access, patient_id=patient_id)
    access.require(Permission.PATIENT_VIEW, object_type="portal_link", patient_id=patient.pk)
    links = list(
        PortalLink.objects.filter(clinic_id=access.membership.clinic_id, patient_id=patient.pk)[
            :200
        ]
    )
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="portal_link",
        object_id="",
        patient_id=patient.pk,
        detail={"count": len(links)},
    )
    return links


def links_revoke_for_target(*, purpose: LinkPurpose, target_id: int) -> int:
    """Revoke every live link to a sheet or check-in (e.g. its visit was entered in error)."""
    return PortalLink.objects.filter(
        purpose=purpose, target_id=target_id, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
