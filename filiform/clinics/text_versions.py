"""A clinic's versioned texts (the consent text, the aftercare sheet): the one base.

Rule (consent/models.py, aftercare/models.py): a version is never changed once saved, nor
deleted; a change is a new version, published with :func:`version_publish`, and the records made
under a text name the version they used (a consent record keeps its snapshot, an aftercare sheet
points at its version), so what a patient was given can always be shown word for word.

- :class:`VersionedText`: the abstract model (``save()`` refuses a change, stores the text's
  SHA-256; never deleted, clinics/records.py). Each text keeps its own fields and fingerprint.
- :func:`version_current`: the clinic's latest version, seeded with Filiform's default.
- :func:`version_publish`: the next version, refused when nothing changed, audited.
- :func:`default_upgrade`: when Filiform corrects a default, a clinic whose current version is an
  unedited earlier default gets the corrected one as its next version; a clinic's own text is
  never replaced, and earlier versions are never touched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access, audit_record
from filiform.clinics.records import NeverDeleted

if TYPE_CHECKING:
    from filiform.clinics.access import Access


class VersionChanged(ValueError):
    """A saved version was about to change: a programming error, never a user's."""


class VersionedText(NeverDeleted):
    """One version of a clinic's text. The concrete model declares ``clinic``, ``version``,
    ``body_sha256``, ``created_by`` and its text fields, and names the latter in
    ``text_fields`` (what a new version must change)."""

    text_fields: ClassVar[tuple[str, ...]] = ("title", "body")

    class Meta:
        abstract = True

    def fingerprint(self) -> str:
        """The SHA-256 stored with the version (of the body unless a text says otherwise)."""
        return hashlib.sha256(str(getattr(self, "body", "")).encode("utf-8")).hexdigest()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise VersionChanged(
                f"A {self._meta.verbose_name} version is never changed; save a new version."
            )
        self.body_sha256 = self.fingerprint()
        super().save(*args, **kwargs)


Version = TypeVar("Version", bound=models.Model)
Text = TypeVar("Text", bound=VersionedText)


def version_current(model: type[Text], *, clinic_id: int, default: dict[str, Any]) -> Text:
    """The clinic's current version of ``model``'s text, seeded with ``default`` (version 1) on
    first use."""
    versions = model._default_manager.of_clinic(clinic_id)  # type: ignore[attr-defined]
    current: Text | None = versions.order_by("-version").first()
    if current is None:
        with transaction.atomic():
            current = versions.create(version=1, **default)
    assert current is not None
    return current


@transaction.atomic
def version_publish(
    model: type[Text],
    *,
    access: Access,
    fields: dict[str, Any],
    default: dict[str, Any],
    object_type: str,
) -> Text:
    """Publish ``fields`` as the clinic's next version of ``model``'s text; the earlier versions
    and the records made under them stay exactly as they were. Refused when the text fields are
    the same as the current version's. Audited with the version and its SHA-256."""
    clinic_id = access.membership.clinic_id
    current = version_current(model, clinic_id=clinic_id, default=default)
    # Two owners publishing at once: the second waits here, then collides on the version
    # number (the unique constraint) rather than silently reusing it.
    model._default_manager.select_for_update().filter(pk=current.pk).first()
    if all(
        str(fields.get(name, "")).strip() == str(getattr(current, name)).strip()
        for name in model.text_fields
    ):
        raise ValidationError(
            _("The text is the same as the current version %(v)d: nothing to save.")
            % {"v": current.version}  # type: ignore[attr-defined]
        )
    created: Text = model._default_manager.of(access).create(  # type: ignore[attr-defined]
        version=current.version + 1,  # type: ignore[attr-defined]
        created_by=access.user,
        **fields,
    )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type=object_type,
        object_id=created.pk,
        detail={"version": created.version, "sha256": created.body_sha256},  # type: ignore[attr-defined]
    )
    return created


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
    # Every clinic's versions, read across clinics: a system action after ``migrate``.
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
