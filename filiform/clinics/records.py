"""Kept records: never deleted, and a clinical record entered in error says so, once, with why.

Rule (docs/architecture.md, "Kept records and versioned texts"): clinical and financial records are
never deleted. A clinical record recorded by mistake (wrong patient, duplicate, typo) is marked
*entered in error* — FHIR's ``entered-in-error`` status — with who, when and why; it stays on
file and in the audit log, and no longer counts (in the clearance, the progress, the standing).

- :class:`NeverDeleted` is the one base of every kept row (visits and their parts, screenings,
  measurements, credentials, invoices, payments, claims…): ``delete()`` refuses, and so do a
  queryset's ``.delete()`` and a cascade, through a ``pre_delete`` receiver connected for each
  concrete subclass. Only :func:`kept_records_removed` lifts it: the demo rebuilding its clinics.
- :class:`ClinicalRecord` adds the entered-in-error mark: each model says how it stores the mark
  (a status ``entered_in_error``, or the credentials' ``entered_in_error_at/by/reason``), and
  :func:`enter_in_error` is the one service that checks the reason, refuses a second mark,
  stamps it, audits it and calls the record's hook (a visit's ``visit_entered_in_error`` signal).

This module lives in the platform layer (the clinics app, beside the door) so that every app may
build on it; it imports no model, so that every ``models.py`` can.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.signals import class_prepared, pre_delete
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from filiform.clinics.door import record_type

if TYPE_CHECKING:
    from filiform.accounts.models import User
    from filiform.clinics.access import Access

MAX_REASON = 300  # characters: a sentence a colleague reads, the same for every record


class RecordNeverDeleted(Exception):
    """A kept record was about to be deleted: a programming error, never a user's."""


_removal_allowed: contextvars.ContextVar[str] = contextvars.ContextVar("kept_removal", default="")


@contextlib.contextmanager
def kept_records_removed(why: str) -> Iterator[None]:
    """Let kept rows be deleted inside the block. For a whole clinic going away (the demo's
    reset), never for one record: that one is entered in error."""
    token = _removal_allowed.set(why)
    try:
        yield
    finally:
        _removal_allowed.reset(token)


class NeverDeleted(models.Model):
    """A row that is never deleted. ``delete_refused`` is the exception raised (an app may name
    its own, e.g. billing's ``FinancialRecordDeleted``, as a subclass of ``RecordNeverDeleted``)."""

    delete_refused: ClassVar[type[RecordNeverDeleted]] = RecordNeverDeleted
    # Whether a queryset's .delete() and a cascade are refused too (see _Credential for the one
    # kind that leaves with its membership).
    bulk_delete_refused: ClassVar[bool] = True

    class Meta:
        abstract = True

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if not _removal_allowed.get():
            raise self.delete_refused(f"{type(self).__name__} rows are never deleted")
        return super().delete(*args, **kwargs)


def _refuse_bulk_delete(sender: type[NeverDeleted], instance: NeverDeleted, **kwargs: Any) -> None:
    if not _removal_allowed.get():
        raise sender.delete_refused(f"{sender.__name__} rows are never deleted")


def _watch(sender: type[models.Model], **kwargs: Any) -> None:
    if (
        issubclass(sender, NeverDeleted)
        and not sender._meta.abstract
        and sender.bulk_delete_refused
    ):
        pre_delete.connect(
            _refuse_bulk_delete, sender=sender, weak=False, dispatch_uid=f"kept-{sender._meta}"
        )


class_prepared.connect(_watch, dispatch_uid="kept-records")


class ClinicalRecord(NeverDeleted):
    """A clinical record that can be marked entered in error. A model says how it stores the mark
    (:meth:`is_entered_in_error`, :meth:`mark_entered_in_error`), what to call it in the
    messages, and, if it needs one, what else happens (:meth:`entered_in_error_hook`)."""

    # "Say why this visit was entered in error." — the field error when no reason is given.
    reason_required: ClassVar[Any] = gettext_lazy("Say why this record was entered in error.")
    already_marked: ClassVar[Any] = gettext_lazy(
        "This record is already marked as entered in error."
    )
    # The error's field for "already marked" (None: about the whole record).
    already_marked_field: ClassVar[str | None] = None
    # A record whose ``status`` says it (visits, screenings, measurements): that status's value,
    # the reason kept in ``error_reason``. A record that stores the mark otherwise leaves it
    # empty and overrides the two methods below (credentials).
    entered_in_error_status: ClassVar[str] = ""

    class Meta:
        abstract = True

    @property
    def is_entered_in_error(self) -> bool:
        if not self.entered_in_error_status:
            raise NotImplementedError
        # The concrete model declares ``status`` and ``error_reason``; the base cannot.
        return bool(getattr(self, "status", None) == self.entered_in_error_status)

    def mark_entered_in_error(self, *, by: User, at: dt.datetime, reason: str) -> list[str]:
        """Store the mark on the instance; return the fields to save."""
        if not self.entered_in_error_status:
            raise NotImplementedError
        setattr(self, "status", self.entered_in_error_status)  # noqa: B010
        setattr(self, "error_reason", reason)  # noqa: B010
        return ["status", "error_reason"]

    def entered_in_error_detail(self) -> dict[str, Any]:
        """More for the audit entry than ``{"entered_in_error": True}``."""
        return {}

    def entered_in_error_object_type(self) -> str:
        """The audit log's name for the record (``visit``, ``measurement``…)."""
        return record_type(type(self))

    def entered_in_error_patient_id(self) -> int | None:
        patient_id = getattr(self, "patient_id", None)
        return None if patient_id is None else int(patient_id)

    def entered_in_error_hook(self, *, access: Access) -> None:
        """What else follows the mark, in the same transaction (signals, cancellations)."""


Record = TypeVar("Record", bound=ClinicalRecord)


def entered_in_error_reason(reason: object, *, required: Any = None) -> str:
    """The reason as kept: NUL characters removed, stripped; refused when empty or longer than
    :data:`MAX_REASON` (it is never cut: a clipped reason may say something else)."""
    text = str(reason or "").replace("\x00", "").strip()
    if not text:
        raise ValidationError(
            {"reason": str(required or _("Say why this record was entered in error."))}
        )
    if len(text) > MAX_REASON:
        raise ValidationError(
            {
                "reason": _("Say why in at most %(max)d characters (this is %(n)d).")
                % {"max": MAX_REASON, "n": len(text)}
            }
        )
    return text


def status_as_before(status: str) -> str:
    """A status as the API has always shown it: visits, screenings and measurements store FHIR's
    code (``entered-in-error``), and the API keeps its first spelling (``entered_in_error``)."""
    return "entered_in_error" if status == "entered-in-error" else status


@transaction.atomic
def enter_in_error(*, access: Access, record: Record, reason: str) -> Record:
    """Mark ``record`` entered in error. The caller has found it through the door (locked for
    update) and checked the permission; this checks the reason, refuses a second mark, stamps
    who, when and why, writes one audit entry and runs the record's hook."""
    reason = entered_in_error_reason(reason, required=record.reason_required)
    if record.is_entered_in_error:
        message = str(record.already_marked)
        field = record.already_marked_field
        raise ValidationError({field: message} if field else message)
    fields = record.mark_entered_in_error(by=access.user, at=timezone.now(), reason=reason)
    record.save(update_fields=fields)
    # Imported here: this module is imported by models.py files while the apps load, before
    # the audit app's models may be.
    from filiform.audit.services import AuditAction, audit_access

    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type=record.entered_in_error_object_type(),
        object_id=record.pk,
        patient_id=record.entered_in_error_patient_id(),
        detail={"entered_in_error": True, **record.entered_in_error_detail()},
    )
    record.entered_in_error_hook(access=access)
    return record
