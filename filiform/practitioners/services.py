"""Recording credentials: the owner, or the practitioner for themselves. Audited.

One service per credential type, shared by the pages and the API: the forms and the API schemas
only parse input; every rule about what may be recorded lives here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.anatomy.regions import Region as BodyRegion
from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission
from filiform.clinics.models import Membership
from filiform.clinics.records import enter_in_error
from filiform.practitioners.models import (
    NeedlingAuthorization,
    NeedlingTraining,
    Registration,
    TrainingProvider,
)

MAX_CERTIFICATE_BYTES = 5 * 1024 * 1024
# What a certificate may be, told by its first bytes rather than by its name.
CERTIFICATE_SIGNATURES = {b"%PDF-": "PDF", b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}
CERTIFICATE_MEDIA_TYPES = {"PDF": "application/pdf", "PNG": "image/png", "JPEG": "image/jpeg"}
# A typo guard (0202 for 2022, 2202 for 2022), not a clinical rule: nobody in practice today
# qualified before 1950, and no college issues a registration or permit running past 2099.
EARLIEST = dt.date(1950, 1, 1)
LATEST = dt.date(2099, 12, 31)

Problems = dict[str, list[str]]


def credentials_member(*, access: Access, membership_id: int, change: bool = False) -> Membership:
    """The staff member whose credentials are asked for: owners see everyone's, a practitioner
    their own."""
    membership = (
        Membership.objects.of(access).select_related("user").filter(pk=membership_id).first()
    )
    if membership is None:
        raise Http404("No such staff member in this clinic.")
    if membership.pk != access.membership.pk:
        access.require(Permission.CLINIC_MANAGE)
    elif change and not credentials_may_change(access=access, membership=membership):
        raise PermissionDenied(_("Only clinicians record needling credentials."))
    return membership


def credentials_may_change(*, access: Access, membership: Membership) -> bool:
    """Owners record anyone's credentials; a clinician their own; front desk and billing none."""
    if access.can(Permission.CLINIC_MANAGE):
        return True
    return membership.pk == access.membership.pk and access.can(Permission.CLINICAL_RECORD)


def certificate_kind(head: bytes) -> str | None:
    """PDF, PNG or JPEG from a file's first bytes; ``None`` for anything else."""
    for signature, kind in CERTIFICATE_SIGNATURES.items():
        if head.startswith(signature):
            return kind
    return None


def certificate_check(upload: UploadedFile) -> str:
    """Refuse anything but a PDF, PNG or JPEG of at most 5 MB; return its SHA-256."""
    if upload.size is not None and upload.size > MAX_CERTIFICATE_BYTES:
        raise ValidationError({"certificate": _("The certificate is larger than 5 MB.")})
    head = upload.read(8)
    upload.seek(0)
    if certificate_kind(head) is None:
        raise ValidationError(
            {"certificate": _("The certificate must be a PDF, PNG or JPEG file; this file is not.")}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _problems_of(record: Registration | NeedlingAuthorization | NeedlingTraining) -> Problems:
    """The model's own field checks (choices, lengths, required text), as field → messages."""
    try:
        record.full_clean(exclude=["membership", "created_by"], validate_unique=False)
    except ValidationError as error:
        return dict(error.message_dict)
    return {}


def _add(problems: Problems, field: str, message: str) -> None:
    problems.setdefault(field, []).append(message)


def _plausible(problems: Problems, field: str, value: dt.date | None) -> None:
    if value is not None and not EARLIEST <= value <= LATEST:
        _add(
            problems,
            field,
            _("Check the year: give a date between %(earliest)s and %(latest)s.")
            % {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )


def _save(access: Access, record: Registration | NeedlingAuthorization | NeedlingTraining) -> None:
    record.save()
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type=record._meta.model_name or "credential",
        object_id=record.pk,
        detail={"practitioner": record.membership.user.email},
    )


@transaction.atomic
def registration_add(
    *,
    access: Access,
    membership_id: int,
    province: str,
    college: str,
    number: str,
    status: str,
    expires_on: dt.date,
) -> Registration:
    """Record a college registration. Provisional and intern registrations are recorded as they
    are; the standing (not this service) decides that they do not allow needling."""
    membership = credentials_member(access=access, membership_id=membership_id, change=True)
    record = Registration(
        membership=membership,
        created_by=access.user,
        province=province,
        college=college.strip(),
        number=number.strip(),
        status=status,
        expires_on=expires_on,
    )
    problems = _problems_of(record)
    _plausible(problems, "expires_on", expires_on)
    if problems:
        raise ValidationError(problems)
    _save(access, record)
    return record


@transaction.atomic
def authorization_add(
    *,
    access: Access,
    membership_id: int,
    kind: str,
    granted_on: dt.date,
    expires_on: dt.date | None = None,
    reference: str = "",
) -> NeedlingAuthorization:
    """Record a needling authorization (college roster, restricted activity, permit)."""
    membership = credentials_member(access=access, membership_id=membership_id, change=True)
    record = NeedlingAuthorization(
        membership=membership,
        created_by=access.user,
        kind=kind,
        granted_on=granted_on,
        expires_on=expires_on,
        reference=reference.strip(),
    )
    problems = _problems_of(record)
    _plausible(problems, "granted_on", granted_on)
    _plausible(problems, "expires_on", expires_on)
    if granted_on and expires_on and expires_on < granted_on:
        _add(problems, "expires_on", _("The expiry date is before the date it was granted."))
    if problems:
        raise ValidationError(problems)
    _save(access, record)
    return record


@transaction.atomic
def training_add(
    *,
    access: Access,
    membership_id: int,
    provider: str,
    level: str,
    completed_on: dt.date,
    provider_name: str = "",
    regions: Iterable[str] = (),
    certificate: UploadedFile | None = None,
) -> NeedlingTraining:
    """Record a completed needling course. No regions means the course covers the whole body.
    A course cannot be completed in the future: a booked course is not a qualification yet."""
    membership = credentials_member(access=access, membership_id=membership_id, change=True)
    chosen = list(dict.fromkeys(str(region) for region in regions))
    record = NeedlingTraining(
        membership=membership,
        created_by=access.user,
        provider=provider,
        provider_name=provider_name.strip(),
        level=level.strip(),
        completed_on=completed_on,
        regions=chosen,
    )
    problems = _problems_of(record)
    _plausible(problems, "completed_on", completed_on)
    if completed_on and completed_on > timezone.localdate():
        _add(problems, "completed_on", _("A course cannot be completed in the future."))
    if provider == TrainingProvider.OTHER and not record.provider_name:
        _add(problems, "provider_name", _("Name the course provider."))
    unknown = [r for r in chosen if r not in BodyRegion.values]
    if unknown:
        _add(
            problems,
            "regions",
            _("Unknown body regions: %(regions)s.") % {"regions": ", ".join(map(str, unknown))},
        )
    if certificate:
        try:
            record.certificate_sha256 = certificate_check(certificate)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                problems.setdefault(field, []).extend(messages)
    if problems:
        raise ValidationError(problems)
    if certificate:
        # Stored under its digest and true type, not under the name the uploader chose.
        head = certificate.read(8)
        certificate.seek(0)
        kind = certificate_kind(head) or "PDF"
        extension = {"PDF": "pdf", "PNG": "png", "JPEG": "jpg"}[kind]
        certificate.name = f"training-{record.certificate_sha256[:16]}.{extension}"
        record.certificate = certificate
    try:
        _save(access, record)
    except Exception:
        # The row rolls back with the transaction; the stored file would not, so remove it.
        if record.certificate:
            record.certificate.delete(save=False)
        raise
    return record


CREDENTIAL_KINDS: dict[str, type[Registration | NeedlingAuthorization | NeedlingTraining]] = {
    "registrations": Registration,
    "authorizations": NeedlingAuthorization,
    "trainings": NeedlingTraining,
}


@transaction.atomic
def credential_enter_in_error(
    *, access: Access, membership_id: int, kind: str, credential_id: int, reason: str
) -> Registration | NeedlingAuthorization | NeedlingTraining:
    """Credentials are never deleted. One recorded by mistake is marked entered-in-error with the
    reason, by whom and when; it stays on file (and in the audit log) but no longer counts towards
    the practitioner's standing. The mark is final: record the right credential anew."""
    membership = credentials_member(access=access, membership_id=membership_id, change=True)
    model = CREDENTIAL_KINDS.get(kind)
    record = (
        model.objects.select_for_update().filter(pk=credential_id, membership=membership).first()
        if model is not None
        else None
    )
    if record is None:
        raise Http404("No such credential.")
    return enter_in_error(access=access, record=record, reason=reason)
