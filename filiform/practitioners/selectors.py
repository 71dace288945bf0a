"""Reading credentials: the same door as writing them (owners: everyone's; others: their own),
and every read audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files import File
from django.http import Http404
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access
from filiform.clinics.models import Membership
from filiform.practitioners.models import NeedlingAuthorization, NeedlingTraining, Registration
from filiform.practitioners.services import (
    CERTIFICATE_MEDIA_TYPES,
    certificate_kind,
    credentials_member,
)


@dataclass(frozen=True)
class Credentials:
    member: Membership
    registrations: list[Registration]
    authorizations: list[NeedlingAuthorization]
    trainings: list[NeedlingTraining]


def credentials_get(*, access: Access, membership_id: int) -> Credentials:
    member = credentials_member(access=access, membership_id=membership_id)
    audit_access(access, action=AuditAction.READ, object_type="credentials", object_id=member.pk)
    return Credentials(
        member=member,
        registrations=list(Registration.objects.filter(membership=member)),
        authorizations=list(NeedlingAuthorization.objects.filter(membership=member)),
        trainings=list(NeedlingTraining.objects.filter(membership=member)),
    )


@dataclass(frozen=True)
class Certificate:
    file: File
    media_type: str
    filename: str


class CertificateFileMissing(Http404):
    """The course names a certificate file that the storage does not have (lost with a disk, or
    a restore from a backup that did not hold the uploaded files)."""


def certificate_open(*, access: Access, membership_id: int, training_id: int) -> Certificate:
    """A course certificate, opened for reading, with its media type told by its bytes."""
    member = credentials_member(access=access, membership_id=membership_id)
    training = NeedlingTraining.objects.filter(pk=training_id, membership=member).first()
    if training is None or not training.certificate:
        raise Http404("No certificate.")
    try:
        handle = training.certificate.open("rb")
    except FileNotFoundError as missing:
        raise CertificateFileMissing(
            _(
                "The certificate file of this course is missing from the server's storage. "
                "Upload it again, or ask whoever looks after the server to restore the "
                "uploaded files from a backup."
            )
        ) from missing
    audit_access(access, action=AuditAction.READ, object_type="certificate", object_id=training.pk)
    head = handle.read(8)
    handle.seek(0)
    kind = certificate_kind(head)
    return Certificate(
        file=handle,
        media_type=CERTIFICATE_MEDIA_TYPES.get(kind or "", "application/octet-stream"),
        filename=training.certificate.name.rsplit("/", 1)[-1],
    )
