"""A new clinic and its first owner, on a server that may host many clinics (`filiform clinic
create`). The owner gets the staff invitation (clinics/invitations.py): a new account has no
password and the e-mail carries a link to choose one; someone who already works at another clinic
on this server is told to sign in. The clinic, the owner's membership, the audit entry and the
invitation's outbox message are written in one transaction: a refusal writes none of them."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from filiform.accounts.models import User
from filiform.audit.services import AuditAction, audit_record
from filiform.clinics.models import Clinic, Membership, Role

VIA_COMMAND = "command-line"


@dataclass(frozen=True)
class NewClinic:
    clinic: Clinic
    owner: Membership
    new_account: bool


@transaction.atomic
def clinic_create(
    *,
    name: str,
    province: str,
    time_zone: str,
    owner_email: str,
    slug: str = "",
    owner_first_name: str = "",
    owner_last_name: str = "",
) -> NewClinic:
    """Create a clinic with one owner, who is invited by e-mail. Refused (ValidationError by
    field) for a taken short name, an unknown province or time zone, or a bad e-mail."""
    name = name.strip()
    slug = (slug or slugify(name)).strip().lower()
    owner_email = owner_email.strip().lower()
    try:
        validate_email(owner_email)
    except ValidationError:
        raise ValidationError({"owner_email": _("Enter the owner's e-mail address.")}) from None
    clinic = Clinic(name=name, slug=slug, province=province.strip().upper(), time_zone=time_zone)
    clinic.full_clean()  # name, short name (and that it is free), province, time zone
    clinic.save()
    user = User.objects.filter(email__iexact=owner_email).first()
    new_account = user is None
    if user is None:
        user = User(
            email=owner_email,
            first_name=owner_first_name.strip(),
            last_name=owner_last_name.strip(),
        )
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
    owner = Membership.objects.of_clinic(clinic.pk).create(user=user, role=Role.OWNER)
    audit_record(
        action=AuditAction.CREATE,
        clinic_id=clinic.pk,
        object_type="clinic",
        object_id=clinic.pk,
        via=VIA_COMMAND,
        detail={"slug": slug, "owner": owner_email, "new_account": new_account},
    )
    from filiform.clinics.invitations import invitation_queue

    invitation_queue(owner)  # in this transaction: a crash cannot lose the e-mail
    return NewClinic(clinic=clinic, owner=owner, new_account=new_account)
