"""Changing a clinic's details and policies (owner only, audited)."""

from __future__ import annotations

from django.db import transaction

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission
from filiform.clinics.forms import ClinicPolicyForm, LocationForm
from filiform.clinics.models import Clinic, Location


@transaction.atomic
def clinic_update(*, access: Access, form: ClinicPolicyForm) -> Clinic:
    access.require(Permission.CLINIC_MANAGE)
    clinic = form.save()
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="clinic",
        object_id=clinic.pk,
        detail={"changed": sorted(form.changed_data)},
    )
    return clinic


@transaction.atomic
def location_add(*, access: Access, form: LocationForm) -> Location:
    access.require(Permission.CLINIC_MANAGE)
    location = form.save()
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="location",
        object_id=location.pk,
        detail={"name": location.name},
    )
    return location


@transaction.atomic
def location_set_active(*, access: Access, location_id: int, active: bool) -> Location | None:
    access.require(Permission.CLINIC_MANAGE)
    location = Location.objects.of(access).filter(pk=location_id).first()
    if location is None:
        return None
    location.is_active = active
    location.save(update_fields=["is_active"])
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="location",
        object_id=location.pk,
        detail={"active": active},
    )
    return location
