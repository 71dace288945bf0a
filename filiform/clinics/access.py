"""The one door to patient data.

Every page and API endpoint that touches a clinic's information resolves an :class:`Access`
through this module (from the URL's clinic for pages, from the API token or the active clinic
for the API) and asks it for a permission. Nothing else decides who may see what.

Outsiders learn nothing: a clinic the user does not belong to looks exactly like a clinic that
does not exist (404). A member lacking a permission gets 403, and the refusal is audited with
what was asked for: a read or write of one patient's record first finds the record in the
acting clinic (another clinic's id is 404 whatever the role), then asks
``access.require(permission, object_type=..., object_id=..., patient_id=...)``, so the audit
entry names the record, its patient and, in its detail, the permission that was missing.

Both steps are one call, :func:`clinic_get` (``clinics/door.py``, re-exported here): scope,
fetch (404) and check (403, audited) — after Zulip's ``access_stream_by_id``. Lists are
``Model.objects.of(access)``: every clinic-scoped model's default manager is a
:class:`ClinicScopedQuerySet`.

The role rules live here and nowhere else: which permissions a role holds
(``ROLE_PERMISSIONS``), who counts as a clinician and who oversees the clinic
(``CLINICIAN_ROLES``/``is_clinician``, ``OWNER_ROLES``/``is_owner``), who may take a payment
at the desk (``Access.may_take_payment``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from filiform.client_address import client_ip
from filiform.clinics.door import ClinicScopedQuerySet as ClinicScopedQuerySet
from filiform.clinics.door import clinic_get as clinic_get
from filiform.clinics.models import Clinic, Membership, Role

if TYPE_CHECKING:
    from filiform.accounts.models import User


class Permission(StrEnum):
    PATIENT_VIEW = "patient.view"
    PATIENT_EDIT = "patient.edit"
    CLINICAL_RECORD = "clinical.record"
    BILLING = "billing.manage"
    AUDIT_VIEW = "audit.view"
    CLINIC_MANAGE = "clinic.manage"


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.PHYSIOTHERAPIST: frozenset(
        {Permission.PATIENT_VIEW, Permission.PATIENT_EDIT, Permission.CLINICAL_RECORD}
    ),
    Role.FRONT_DESK: frozenset({Permission.PATIENT_VIEW, Permission.PATIENT_EDIT}),
    Role.BILLING: frozenset({Permission.PATIENT_VIEW, Permission.BILLING}),
}


# The role rules, each defined here once. A clinician charts visits, may be cleared to needle
# and is listed with credentials; an owner sees the whole clinic's clinical follow-up (every
# unsigned note, every alert), shares note templates and receives the clinic's safety e-mails.
CLINICIAN_ROLES: frozenset[str] = frozenset({Role.OWNER, Role.PHYSIOTHERAPIST})
OWNER_ROLES: frozenset[str] = frozenset({Role.OWNER})


def is_clinician(role: str) -> bool:
    return role in CLINICIAN_ROLES


def is_owner(role: str) -> bool:
    return role in OWNER_ROLES


class ClinicNotFound(Http404):
    """The clinic does not exist, or the user is not an active member: the same answer for both."""


@dataclass(frozen=True)
class Asked:
    """What a refused request asked for: a record (its type and id) and its patient. Nothing
    named means a permission asked for in general (a settings page, a clinic-wide report)."""

    object_type: str = ""
    object_id: str | int = ""
    patient_id: int | None = None


class AccessDenied(PermissionDenied):
    def __init__(
        self, permission: Permission, access: Access | None = None, asked: Asked | None = None
    ) -> None:
        super().__init__(f"Your role does not allow this ({permission.value}).")
        self.permission = permission
        self.access = access
        self.asked = asked or Asked()
        self.audit_entry_id: int | None = None  # the refusal's entry, written when refused


def audit_refusal_kept(refusal: AccessDenied) -> None:
    """A refusal raised inside a service's transaction is audited there, and rolled back with
    it. The error handlers (pages and API) call this once the transaction is over: if the
    entry is gone, it is written again — naming the same record and patient — so no refusal
    goes unrecorded."""
    if refusal.access is None or refusal.audit_entry_id is None:
        return
    from filiform.audit.models import AuditEntry

    if not AuditEntry.objects.filter(pk=refusal.audit_entry_id).exists():
        refusal.audit_entry_id = _audit_refusal(refusal.access, refusal.permission, refusal.asked)


def _audit_refusal(access: Access, permission: Permission, asked: Asked) -> int:
    """``object_type``/``object_id``/``patient_id`` name the record asked for, and the detail
    the permission that was missing; without a record, the permission is the object."""
    from filiform.audit.services import AuditAction, audit_access

    if asked.object_type:
        object_type, object_id = asked.object_type, asked.object_id
    elif asked.patient_id is not None:
        object_type, object_id = "patient", asked.patient_id
    else:
        object_type, object_id = "permission", permission.value
    entry = audit_access(
        access,
        action=AuditAction.PERMISSION_DENIED,
        object_type=object_type,
        object_id=object_id,
        patient_id=asked.patient_id,
        detail={"permission": permission.value},
    )
    return int(entry.pk)


@dataclass(frozen=True)
class Access:
    """Who is acting, in which clinic, from where. Passed to every service and selector."""

    user: User
    membership: Membership
    ip: str | None = None
    user_agent: str = ""
    via: str = "web"

    @property
    def clinic(self) -> Clinic:
        return self.membership.clinic

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def is_clinician(self) -> bool:
        return is_clinician(self.membership.role)

    @property
    def is_owner(self) -> bool:
        return is_owner(self.membership.role)

    @property
    def may_take_payment(self) -> bool:
        """The desk's money work: invoicing a visit, taking a payment, billing an insurer and
        keeping a patient's policies. At the desk that is whoever edits patients (front desk,
        clinicians in a small clinic) as well as billing staff; giving money back, voiding and
        closing the till need ``BILLING`` itself."""
        return self.can(Permission.PATIENT_EDIT) or self.can(Permission.BILLING)

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS.get(self.membership.role, frozenset())

    def require(
        self,
        permission: Permission,
        *,
        object_type: str = "",
        object_id: str | int = "",
        patient_id: int | None = None,
    ) -> None:
        """Raise :class:`AccessDenied` (403) unless the role holds ``permission``. A check for
        one patient's record names it — found in this clinic first — so that the refusal's
        audit entry says what was asked for."""
        if not self.can(permission):
            asked = Asked(object_type, object_id, patient_id)
            refusal = AccessDenied(permission, self, asked)
            refusal.audit_entry_id = _audit_refusal(self, permission, asked)
            raise refusal


def api_access(request: HttpRequest) -> Access:
    """The acting :class:`Access` of an API request: the API's authentication
    (``filiform/api_auth.py``) resolves it from the token or the active clinic and puts it on
    ``request.auth`` before any endpoint runs."""
    access: Access = request.auth  # type: ignore[attr-defined]
    return access


def user_agent(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))[:500]


def membership_for(user: User, clinic: Clinic | str) -> Membership:
    """The user's active membership of a clinic (by object or slug), or :class:`ClinicNotFound`."""
    if not user.is_authenticated or not user.is_active:
        raise ClinicNotFound()
    memberships = Membership.objects.select_related("clinic", "user").filter(
        user=user, is_active=True
    )
    if isinstance(clinic, Clinic):
        memberships = memberships.filter(clinic=clinic)
    else:
        memberships = memberships.filter(clinic__slug=clinic)
    membership = memberships.first()
    if membership is None:
        raise ClinicNotFound()
    return membership


def access_for_request(request: HttpRequest, clinic: Clinic | str, *, via: str = "web") -> Access:
    user: User = request.user  # type: ignore[assignment]
    membership = membership_for(user, clinic)
    return Access(
        user=membership.user,
        membership=membership,
        ip=client_ip(request),
        user_agent=user_agent(request),
        via=via,
    )


def memberships_of(user: User) -> list[Membership]:
    if not user.is_authenticated:
        return []
    return list(Membership.objects.select_related("clinic").filter(user=user, is_active=True))
