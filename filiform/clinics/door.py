"""The door's scope-fetch-check call, and the queryset every clinic-scoped model uses.

A clinic's records are read in one step: scoped to the acting clinic, fetched (404 when the id
belongs to no record of this clinic — another clinic's record is simply not found, whatever the
role), then checked against the role's permission, the refusal audited naming the record and
its patient. Anchor: Zulip's ``access_stream_by_id`` (zerver/lib/streams.py), which scopes,
fetches and checks a stream in one tested call.

Every clinic-scoped model uses :class:`ClinicScopedQuerySet` as its default manager, so
``Model.objects.of(access)`` is the acting clinic's rows. A model scoped through a relation
(an insertion belongs to its session's visit's clinic) names the path in ``clinic_field``.
Work no one acts for (the worker's task, a patient's link) names its clinic: ``.of_clinic(id)``.
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
    """The default manager's queryset of every clinic-scoped model.

    Scoped (``of``/``of_clinic``), it also creates rows of that clinic only: ``create`` fills
    in the clinic, and refuses a row of another, so a scoped create cannot land elsewhere."""

    _clinic_id: int | None = None

    def of(self, access: Access) -> Self:
        """The rows of the acting clinic only."""
        return self.of_clinic(access.membership.clinic_id)

    def of_clinic(self, clinic_id: int) -> Self:
        """The rows of one clinic, named by what the work is for rather than by a person acting:
        the worker's task row, the record in hand (a delivery's sheet), the clinic a patient's
        link belongs to, a clinic's own catalogue keyed by its id. A person acting: :meth:`of`."""
        scoped = self.filter(**{f"{clinic_path(self.model)}_id": clinic_id})
        scoped._clinic_id = clinic_id
        return scoped

    def _clone(self) -> Self:
        clone: Self = super()._clone()  # type: ignore[misc]  # not in the stubs
        clone._clinic_id = self._clinic_id
        return clone

    def create(self, **kwargs: Any) -> _M_co:
        if self._clinic_id is not None and clinic_path(self.model) == "clinic":
            given = kwargs["clinic"].pk if "clinic" in kwargs else kwargs.get("clinic_id")
            if given is None:
                kwargs["clinic_id"] = self._clinic_id
            elif given != self._clinic_id:
                raise ValueError(f"A {record_type(self.model)} of another clinic.")
        return super().create(**kwargs)


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
        raise Http404(f"No such {model._meta.verbose_name} in this clinic.") from None
    if permission is not None:
        patient_id = _patient_of(record) if patient is _INFER else patient(record)
        access.require(
            permission,
            object_type=object_type or record_type(model),
            object_id=record.pk,
            patient_id=patient_id,
        )
    return record
