"""A clinic's versioned texts (consent, aftercare sheet): when Filiform corrects a default, a
clinic whose current version is an unedited earlier default gets the corrected one as its next
version. One mechanism, used by each text's own ``*_default_upgrade``; a clinic's own text is
never replaced, and earlier versions are never touched."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models

from filiform.audit.services import AuditAction, audit_record

Version = TypeVar("Version", bound=models.Model)


def default_upgrade(
    model: type[Version],
    *,
    is_retired: Callable[[Version], bool],
    fields: dict[str, Any],
    object_type: str,
) -> list[Version]:
    """Add ``fields`` as the next version for every clinic whose latest version of ``model``
    ``is_retired``; audited as a system action. Call inside a transaction. Idempotent."""
    latest: dict[int, Version] = {}
    for version in model.objects.select_for_update().order_by("clinic_id", "-version"):  # type: ignore[attr-defined]
        latest.setdefault(version.clinic_id, version)
    added = []
    for current in latest.values():
        if not is_retired(current):
            continue
        created = model.objects.create(  # type: ignore[attr-defined]
            clinic_id=current.clinic_id,  # type: ignore[attr-defined]
            version=current.version + 1,  # type: ignore[attr-defined]
            **fields,
        )
        audit_record(
            action=AuditAction.CREATE,
            clinic_id=current.clinic_id,  # type: ignore[attr-defined]
            object_type=object_type,
            object_id=created.pk,
            via="system",
            detail={
                "version": created.version,
                "sha256": created.body_sha256,
                "replaces_default": current.body_sha256,  # type: ignore[attr-defined]
            },
        )
        added.append(created)
    return added
