"""Patient links: issue, open, use once, expire, revoke. One mechanism for every purpose (an
aftercare sheet, a check-in, the questionnaires before a visit, a consent to sign; next the
booking links), one token scheme (filiform/links/tokens.py) and one refusal audit.

Every opening, use and refusal is audited, named as each purpose always was (``LinkKind``): a
portal link as ``portal_link:<purpose>`` via ``portal-link``, a consent signing link as the
``consent_signing_request`` via ``signing-link``. A single-use link is used inside the
transaction that saves what the patient sent, under a lock on the link: a second submit, even
at the same instant, waits, then finds it used, and is refused (issue 18, item 4)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from filiform.audit.services import AuditAction, audit_access, audit_record
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.links.models import LinkPurpose, LinkStatus, PatientLink
from filiform.links.tokens import link_of_token, token_digest, token_of_nonce
from filiform.patients.selectors import patient_of_clinic

_T = TypeVar("_T", bound=models.Model)


@dataclass(frozen=True)
class LinkKind:
    """How one purpose's links are named: the page they open and their audit entries."""

    page: str  # the URL name of the page, with the token as its one argument
    actor: str
    via: str
    object_type: str = ""  # "" names the link: ``portal_link:<purpose>``
    words: Mapping[str, str] = field(default_factory=dict)  # a refusal's name for this purpose
    names_link: bool = True  # the audit detail names the link row
    audits_use: bool = True  # using it is audited on the link itself


PORTAL = LinkKind(page="portal:open", actor="patient (portal link)", via="portal-link")
KINDS: dict[str, LinkKind] = {
    LinkPurpose.AFTERCARE: PORTAL,
    LinkPurpose.CHECK_IN: PORTAL,
    LinkPurpose.MEASURES: PORTAL,
    # Consent audits the record the patient signs (filiform/consent/remote.py), and its staff
    # cancel a link rather than revoke it.
    LinkPurpose.CONSENT_SIGNING: LinkKind(
        page="consent:sign",
        actor="patient (e-mailed signing link)",
        via="signing-link",
        object_type="consent_signing_request",
        words={LinkStatus.REVOKED: "cancelled"},
        names_link=False,
        audits_use=False,
    ),
}
# The links of the patient's portal: listed and revoked on the patient's links page and API. A
# consent signing link is listed, sent again and cancelled on the patient's consent page.
PORTAL_PURPOSES = (LinkPurpose.AFTERCARE, LinkPurpose.CHECK_IN, LinkPurpose.MEASURES)
PATIENT_ACTOR = PORTAL.actor
VIA_LINK = PORTAL.via


@dataclass(frozen=True)
class LinkContext:
    """Where a link was opened from (for the audit log)."""

    ip: str | None
    user_agent: str


class LinkRefused(Exception):
    """The link cannot be used; ``reason`` is unknown, used, expired or revoked (in the
    purpose's own word: a consent signing link is cancelled)."""

    def __init__(
        self, reason: str, link: PatientLink | None = None, *, purpose: str | None = None
    ) -> None:
        self.purpose = link.purpose if link is not None else purpose
        kind = KINDS.get(self.purpose or "", PORTAL)
        self.reason = kind.words.get(reason, reason)
        super().__init__(self.reason)
        self.link = link


@dataclass(frozen=True)
class Opened(Generic[_T]):
    """A link that works, and the record it opens."""

    link: PatientLink
    target: _T


def link_issue(
    *,
    clinic_id: int,
    patient_id: int,
    purpose: LinkPurpose,
    target_id: int,
    valid_for: dt.timedelta,
    single_use: bool = False,
    kept: bool = True,
) -> PatientLink:
    """A new link. ``kept``: it can be printed and sent again with the same token; otherwise
    its token is made once, when it is sent (``link_token_send``), and never again."""
    nonce = secrets.token_urlsafe(16) if kept else ""
    return PatientLink.objects.of_clinic(clinic_id).create(
        clinic_id=clinic_id,
        patient_id=patient_id,
        purpose=purpose,
        target_id=target_id,
        nonce=nonce,
        secret_sha256=token_digest(token_of_nonce(nonce)) if kept else None,
        single_use=single_use,
        expires_at=timezone.now() + valid_for,
    )


def link_token(link: PatientLink) -> str:
    """The token of a kept link, the same every time (a reprinted sheet's QR code)."""
    if not link.nonce:
        raise ValueError("This link's token was sent once and is not kept.")
    return token_of_nonce(link.nonce)


def link_url_of(purpose: str, token: str) -> str:
    """The full address the patient opens (e-mail, QR code)."""
    return settings.SITE_URL + reverse(KINDS[purpose].page, kwargs={"token": token})


def link_url(link: PatientLink) -> str:
    return link_url_of(link.purpose, link_token(link))


def link_token_send(*, link: PatientLink, token: str, replace: bool = True) -> bool:
    """Record the token of a link that is sent once, as its e-mail goes: only its SHA-256, and
    only while the link can still be used (and, unless ``replace``, has no token yet)."""
    links = PatientLink.objects.of_clinic(link.clinic_id).filter(
        pk=link.pk, nonce="", used_at__isnull=True, revoked_at__isnull=True
    )
    if not replace:
        links = links.filter(secret_sha256__isnull=True, expires_at__gt=timezone.now())
    return links.update(secret_sha256=token_digest(token)) == 1


def link_renew(*, link: PatientLink, valid_for: dt.timedelta) -> PatientLink:
    """A link sent once, to be sent again: its old token stops working at once, and the new
    one works ``valid_for`` from now. A kept link cannot be renewed: its token is printed."""
    if link.nonce:
        raise ValueError("A kept link's token is printed and cannot be renewed; revoke it.")
    link.secret_sha256, link.expires_at = None, timezone.now() + valid_for
    link.save(update_fields=["secret_sha256", "expires_at"])
    return link


def link_stop(*, link: PatientLink, by: Any) -> bool:
    """Revoke a link (the caller audits why); False when it was already stopped."""
    if link.revoked_at is not None:
        return False
    link.revoked_at, link.revoked_by = timezone.now(), by
    link.save(update_fields=["revoked_at", "revoked_by"])
    return True


def _audit_link(
    link: PatientLink | None,
    where: LinkContext,
    action: AuditAction,
    *,
    purpose: str | None = None,
    detail: Mapping[str, object] | None = None,
) -> None:
    purpose = link.purpose if link is not None else purpose
    kind = KINDS.get(purpose or "", PORTAL)
    portal_name = f"portal_link:{link.purpose}" if link else "portal_link"
    object_type = kind.object_type or portal_name
    named: dict[str, object] = {"actor": kind.actor}
    if kind.names_link:
        named["link"] = link.pk if link else None
    audit_record(
        action=action,
        clinic_id=link.clinic_id if link else None,
        object_type=object_type,
        object_id=link.target_id if link else "",
        patient_id=link.patient_id if link else None,
        ip=where.ip,
        user_agent=where.user_agent,
        via=kind.via,
        detail={**named, **(detail or {})},
    )


def link_refusal_audit(refusal: LinkRefused, where: LinkContext) -> None:
    """The one refusal audit (after the caller's transaction rolled back, for a submit)."""
    _audit_link(
        refusal.link,
        where,
        AuditAction.PERMISSION_DENIED,
        purpose=refusal.purpose,
        detail={"refused": refusal.reason},
    )


def _working(token: str, purpose: str | None, *, for_update: bool = False) -> PatientLink:
    link = link_of_token(token, for_update=for_update)
    if link is None or (purpose is not None and link.purpose != purpose):
        raise LinkRefused("unknown", purpose=purpose)
    if link.status != LinkStatus.ACTIVE:
        raise LinkRefused(link.status, link)
    return link


def _target(
    link: PatientLink,
    model: type[_T],
    related: tuple[str, ...],
    only: Mapping[str, object] | None = None,
    *,
    for_update: bool = False,
) -> _T:
    """The record a link opens: of the link's clinic and patient, or the link is unknown."""
    records = model._default_manager.of_clinic(link.clinic_id)  # type: ignore[attr-defined]
    records = records.select_related(*related).filter(**(only or {}))
    if for_update:
        records = records.select_for_update(of=("self",))
    target: _T | None = records.filter(pk=link.target_id, patient_id=link.patient_id).first()
    if target is None:  # a good link to a record that is gone
        raise LinkRefused("unknown", link)
    return target


def _opened(
    link: PatientLink, where: LinkContext, detail: Mapping[str, object] | None = None
) -> None:
    PatientLink.objects.of_clinic(link.clinic_id).filter(pk=link.pk).update(
        opened_count=F("opened_count") + 1, last_opened_at=timezone.now()
    )
    _audit_link(link, where, AuditAction.READ, detail=detail)


def link_open(*, token: str, where: LinkContext, purpose: str | None = None) -> PatientLink:
    """The link behind a token if it still works; opening it is audited, and so is a refusal."""
    try:
        link = _working(token, purpose)
    except LinkRefused as refusal:
        link_refusal_audit(refusal, where)
        raise
    _opened(link, where)
    return link


def link_open_target(
    *,
    token: str,
    where: LinkContext,
    purpose: LinkPurpose,
    model: type[_T],
    related: tuple[str, ...] = (),
    only: Mapping[str, object] | None = None,
    detail: Callable[[_T], Mapping[str, object]] | None = None,
) -> Opened[_T]:
    """The link and the record it opens, if both are there (opening or refusal audited).
    ``only``: what else the record must be (an issued sheet); ``detail``: what the opening's
    audit entry says of it."""
    try:
        link = _working(token, purpose)
        target = _target(link, model, related, only)
    except LinkRefused as refusal:
        link_refusal_audit(refusal, where)
        raise
    _opened(link, where, detail(target) if detail else None)
    return Opened(link, target)


@contextmanager
def link_spend(
    *,
    token: str,
    where: LinkContext,
    purpose: LinkPurpose,
    model: type[_T],
    related: tuple[str, ...] = (),
    refuse: Callable[[_T], str | None] | None = None,
) -> Iterator[Opened[_T]]:
    """Use a link to save what the patient sent, all or nothing: the body runs in the
    transaction that uses the link up (a single-use link) and locks the record it opens.
    ``refuse`` names a reason the record's own state refuses it (a check-in answered by
    phone: "used"). A refusal rolls everything back and is audited; any other error (bad
    input) rolls back too, and leaves the link usable."""
    try:
        with transaction.atomic():
            link = _working(token, purpose, for_update=True)
            target = _target(link, model, related, for_update=True)
            reason = refuse(target) if refuse else None
            if reason:
                raise LinkRefused(reason, link)
            if link.single_use:
                unused = PatientLink.objects.of_clinic(link.clinic_id).filter(
                    pk=link.pk, used_at__isnull=True, revoked_at__isnull=True
                )
                if unused.update(used_at=timezone.now()) != 1:  # lost the race
                    raise LinkRefused(LinkStatus.USED, link)
            if KINDS[link.purpose].audits_use:
                _audit_link(link, where, AuditAction.CREATE, detail={"used": True})
            yield Opened(link, target)
    except LinkRefused as refusal:
        link_refusal_audit(refusal, where)
        raise


def link_saved_audit(
    *,
    opened: Opened[Any],
    where: LinkContext,
    object_type: str,
    object_id: str | int,
    detail: Mapping[str, object],
) -> None:
    """Audit what the patient saved through a link (answers, a signed consent), in the name
    the link's purpose gives the patient (actor, via)."""
    link, kind = opened.link, KINDS[opened.link.purpose]
    audit_record(
        action=AuditAction.CREATE,
        clinic_id=link.clinic_id,
        object_type=object_type,
        object_id=object_id,
        patient_id=link.patient_id,
        ip=where.ip,
        user_agent=where.user_agent,
        via=kind.via,
        detail={"actor": kind.actor, **detail},
    )


def link_purpose_of(token: str) -> str | None:
    """Which page a token is for, to choose the service that opens (and audits) it."""
    link = link_of_token(token)
    return link.purpose if link is not None else None


@transaction.atomic
def link_revoke(*, access: Access, link_id: int) -> PatientLink:
    """A staff member stops a portal link at once (lost phone, wrong address)."""
    link = clinic_get(
        access,
        PatientLink.objects.of(access).filter(purpose__in=PORTAL_PURPOSES),
        link_id,
        permission=Permission.PATIENT_EDIT,
        object_type="portal_link",
        for_update=True,
    )
    if link_stop(link=link, by=access.user):
        audit_access(
            access,
            action=AuditAction.UPDATE,
            object_type="portal_link",
            object_id=link.pk,
            patient_id=link.patient_id,
            detail={"revoked": True, "purpose": link.purpose},
        )
    return link


def links_of_patient(*, access: Access, patient_id: int) -> list[PatientLink]:
    """The patient's portal links, newest first (the patient must be of the acting clinic;
    audited)."""
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    access.require(Permission.PATIENT_VIEW, object_type="portal_link", patient_id=patient.pk)
    links = list(
        PatientLink.objects.of(access).filter(patient_id=patient.pk, purpose__in=PORTAL_PURPOSES)[
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


def link_live(*, clinic_id: int, purpose: LinkPurpose, target_id: int) -> PatientLink | None:
    """The newest link to a record that has not been revoked (the worker composes its e-mail)."""
    return (
        PatientLink.objects.of_clinic(clinic_id)
        .filter(purpose=purpose, target_id=target_id, revoked_at__isnull=True)
        .first()
    )


def links_revoke_for_target(*, clinic_id: int, purpose: LinkPurpose, target_id: int) -> int:
    """Revoke every live link to a sheet or check-in (e.g. its visit was entered in error)."""
    return (
        PatientLink.objects.of_clinic(clinic_id)
        .filter(purpose=purpose, target_id=target_id, revoked_at__isnull=True)
        .update(revoked_at=timezone.now())
    )
