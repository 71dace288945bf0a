"""Sharps containers: opened, filled, sealed, picked up. Alerts when more than three quarters
full or older than the clinic's maximum age."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.supplies.models import SharpsContainer
from filiform.supplies.stock import clean_text, clinic_location

FULL_ALERT_PERCENT = 75


class ContainerState(StrEnum):
    IN_USE = "in_use"
    SEALED = "sealed"
    PICKED_UP = "picked_up"


def container_state(container: SharpsContainer) -> ContainerState:
    if container.picked_up_on:
        return ContainerState.PICKED_UP
    if container.sealed_on:
        return ContainerState.SEALED
    return ContainerState.IN_USE


def _container(access: Access, container_id: int) -> SharpsContainer:
    return clinic_get(access, SharpsContainer, container_id, for_update=True)


def _audit(access: Access, container: SharpsContainer, **detail: object) -> None:
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="sharps_container",
        object_id=container.pk,
        detail=detail or None,
    )


@transaction.atomic
def container_open(*, access: Access, location_id: int, room: str, label: str) -> SharpsContainer:
    access.require(Permission.PATIENT_EDIT)
    location = clinic_location(access, location_id)
    room, label = clean_text(room, 60), clean_text(label, 60)
    if not room or not label:
        raise ValidationError(_("Name the room and the container's label."))
    container = SharpsContainer.objects.of(access).create(
        clinic_id=location.clinic_id, location=location, room=room, label=label
    )
    _audit(access, container, opened=True)
    return container


@transaction.atomic
def container_fill(*, access: Access, container_id: int, percent: int) -> SharpsContainer:
    access.require(Permission.PATIENT_EDIT)
    container = _container(access, container_id)
    if container_state(container) != ContainerState.IN_USE:
        raise ValidationError(_("This container is sealed: open a new one."))
    if not isinstance(percent, int) or isinstance(percent, bool) or not 0 <= percent <= 100:
        raise ValidationError({"percent": _("Fill level is 0 to 100 %.")})
    if percent < container.fill_percent:
        raise ValidationError(
            {
                "percent": _("A container does not empty itself: it was %(p)d %% full.")
                % {"p": container.fill_percent}
            }
        )
    container.fill_percent, container.fill_updated_at = percent, timezone.now()
    container.save(update_fields=["fill_percent", "fill_updated_at"])
    _audit(access, container, fill=percent)
    return container


@transaction.atomic
def container_seal(*, access: Access, container_id: int) -> SharpsContainer:
    access.require(Permission.PATIENT_EDIT)
    container = _container(access, container_id)
    if container_state(container) != ContainerState.IN_USE:
        raise ValidationError(_("This container is already sealed."))
    container.sealed_on = timezone.localdate()
    container.save(update_fields=["sealed_on"])
    _audit(access, container, sealed=True)
    return container


@transaction.atomic
def container_pickup(
    *,
    access: Access,
    container_id: int,
    hauler: str,
    manifest_number: str,
    on: dt.date | None = None,
) -> SharpsContainer:
    access.require(Permission.PATIENT_EDIT)
    container = _container(access, container_id)
    if container_state(container) != ContainerState.SEALED:
        raise ValidationError(_("Seal the container before it is picked up."))
    hauler, manifest_number = clean_text(hauler, 120), clean_text(manifest_number, 60)
    if not hauler or not manifest_number:
        raise ValidationError(_("Record the hauler and the manifest number from the pickup slip."))
    on = on or timezone.localdate()
    if container.sealed_on and on < container.sealed_on:
        raise ValidationError({"on": _("Pickup cannot come before sealing.")})
    container.picked_up_on, container.hauler, container.manifest_number = (
        on,
        hauler,
        manifest_number,
    )
    container.save(update_fields=["picked_up_on", "hauler", "manifest_number"])
    _audit(access, container, picked_up=True)
    return container


@dataclass(frozen=True)
class ContainerAlert:
    container: SharpsContainer
    reason: str


def container_alerts(
    *, access: Access, max_age_days: int, today: dt.date | None = None
) -> list[ContainerAlert]:
    today = today or timezone.localdate()
    alerts = []
    open_containers = SharpsContainer.objects.of(access).filter(sealed_on__isnull=True)
    for container in open_containers.select_related("location"):
        if container.fill_percent > FULL_ALERT_PERCENT:
            alerts.append(
                ContainerAlert(
                    container,
                    str(
                        _("%(p)d %% full: seal it and open a new one.")
                        % {"p": container.fill_percent}
                    ),
                )
            )
        age = (today - container.opened_on).days
        if age > max_age_days:
            alerts.append(
                ContainerAlert(
                    container,
                    str(
                        _("Open for %(d)d days (limit %(m)d): seal it.")
                        % {"d": age, "m": max_age_days}
                    ),
                )
            )
    return alerts
