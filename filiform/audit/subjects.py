"""Names for the patients an audit page lists, from the app that keeps them.

The audit log stores a patient by id only. The activity page shows the family name beside it,
but audit is in the platform layer and must not import patients (docs/architecture.md, layers):
the patients app registers the lookup here in its ``AppConfig.ready``. Without one registered,
the page shows the ids alone.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from filiform.clinics.access import Access

PatientNames = Callable[[Access, Collection[int]], dict[int, str]]

_patient_names: list[PatientNames] = []


def register_patient_names(lookup: PatientNames) -> None:
    _patient_names[:] = [lookup]


def patient_names(access: Access, patient_ids: Collection[int]) -> dict[int, str]:
    """``{patient id: family name}`` for those of ``patient_ids`` in the access's clinic."""
    if not _patient_names or not patient_ids:
        return {}
    return _patient_names[0](access, patient_ids)
