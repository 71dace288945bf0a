"""Recording credentials: the owner, or the practitioner for themselves. Audited."""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model
from django.forms import ModelForm
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission
from filiform.clinics.models import Membership

MAX_CERTIFICATE_BYTES = 5 * 1024 * 1024
# What a certificate may be, told by its first bytes rather than by its name.
CERTIFICATE_SIGNATURES = {b"%PDF-": "PDF", b"\x89PNG\r\n\x1a\n": "PNG", b"\xff\xd8\xff": "JPEG"}


def credentials_member(*, access: Access, membership_id: int, change: bool = False) -> Membership:
    """The staff member whose credentials are asked for: owners see everyone's, a practitioner
    their own."""
    membership = (
        Membership.objects.select_related("user")
        .filter(pk=membership_id, clinic_id=access.membership.clinic_id)
        .first()
    )
    if membership is None:
        from django.http import Http404

        raise Http404("No such staff member in this clinic.")
    if membership.pk != access.membership.pk:
        access.require(Permission.CLINIC_MANAGE)
    elif change and not (
        access.can(Permission.CLINICAL_RECORD) or access.can(Permission.CLINIC_MANAGE)
    ):
        raise PermissionDenied(_("Only clinicians record needling credentials."))
    return membership


def certificate_check(upload: UploadedFile) -> str:
    """Refuse anything but a PDF, PNG or JPEG of at most 5 MB; return its SHA-256."""
    if upload.size is not None and upload.size > MAX_CERTIFICATE_BYTES:
        raise ValidationError({"certificate": _("The certificate is larger than 5 MB.")})
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in CERTIFICATE_SIGNATURES):
        raise ValidationError(
            {"certificate": _("The certificate must be a PDF, PNG or JPEG file; this file is not.")}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def credential_add(*, access: Access, membership: Membership, form: ModelForm) -> Model:
    record = form.save(commit=False)
    record.membership = membership
    record.created_by = access.user
    certificate = form.cleaned_data.get("certificate")
    if certificate:
        record.certificate_sha256 = certificate_check(certificate)
    record.save()
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type=record._meta.model_name or "credential",
        object_id=record.pk,
        detail={"practitioner": membership.user.email},
    )
    return record
