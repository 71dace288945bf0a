"""The door's scope-fetch-check call, and the queryset every clinic-scoped model uses.

A clinic's records are read in one step: scoped to the acting clinic, fetched (404 when the id
belongs to no record of this clinic — another clinic's record is simply not found, whatever the
role), then checked against the role's permission, the refusal audited naming the record and
its patient. Anchor: Zulip's ``access_stream_by_id`` (zerver/lib/streams.py), which scopes,
fetches and checks a stream in one tested call.

Every clinic-scoped model uses :class:`ClinicScopedQuerySet` as its default manager, so
``Model.objects.of(access)`` is the acting clinic's rows. A model scoped through a relation
(an insertion belongs to its session's visit's clinic) names the path in ``clinic_field``.
This module imports no model at run time, so that every app's ``models.py`` can use it;
``clinics/access.py`` re-exports it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.http import Http404

if TYPE_CHECKING:
    from filiform.clinics.access import Access, Permission

_M = TypeVar("_M", bound=models.Model)
# Covariant like Django's own QuerySet, so that querysets of different models join.
_M_co = TypeVar("_M_co", bound=models.Model, covariant=True)

# "The patient this record belongs to" is named by the record itself (``patient_id``), or is
# the record (a patient); ``clinic_get(patient=...)`` overrides it for other shapes.
_INFER: Any = object()


def clinic_path(model: type[models.Model]) -> str:
    """The lookup from ``model`` to its clinic: ``clinic`` unless the model names another."""
    return str(getattr(model, "clinic_field", "clinic"))


def clinic_lookup(model: type[models.Model], access: Access) -> dict[str, int]:
    """The filter that keeps ``model``'s rows of the acting clinic."""
    return {f"{clinic_path(model)}_id": access.membership.clinic_id}


class ClinicScopedQuerySet(models.QuerySet[_M_co]):
    """The default manager's queryset of every clinic-scoped model."""

    def of(self, access: Access) -> Self:
        """The rows of the acting clinic only."""
        return self.filter(**clinic_lookup(self.model, access))


def record_type(model: type[models.Model]) -> str:
    """The audit log's name for a model: its class name in snake case (``needling_session``)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", model.__name__).lower()


def _patient_of(record: models.Model) -> int | None:
    if record._meta.model_name == "patient":
        return int(record.pk)
    patient_id = getattr(record, "patient_id", None)
    return None if patient_id is None else int(patient_id)


def clinic_get(
    access: Access,
    model_or_queryset: type[_M] | models.QuerySet[_M],
    pk: Any,
    *,
    permission: Permission | None = None,
    object_type: str = "",
    patient: Callable[[_M], int | None] = _INFER,
    for_update: bool = False,
) -> _M:
    """The acting clinic's record ``pk``, or 404; with ``permission``, 403 (audited, naming the
    record and its patient) unless the role holds it.

    The record is found before the permission is asked for, so that another clinic's id is
    404 for every role and a refusal names a record that exists here."""
    if isinstance(model_or_queryset, models.QuerySet):
        records = model_or_queryset
    else:
        records = model_or_queryset._default_manager.all()
    model = records.model
    records = records.filter(**clinic_lookup(model, access))
    if for_update:
        records = records.select_for_update(of=("self",))  # not the rows joined in
    try:
        record = records.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404(f"No such {record_type(model)} in this clinic.") from None
    if permission is not None:
        patient_id = _patient_of(record) if patient is _INFER else patient(record)
        access.require(
            permission,
            object_type=object_type or record_type(model),
            object_id=record.pk,
            patient_id=patient_id,
        )
    return record
