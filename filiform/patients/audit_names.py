"""The family names the audit activity page shows beside patient ids (audit/subjects.py),
registered in PatientsConfig.ready. Only the access's own clinic's patients are named."""

from __future__ import annotations

from collections.abc import Collection

from filiform.clinics.access import Access
from filiform.patients.models import Patient


def patient_family_names(access: Access, patient_ids: Collection[int]) -> dict[int, str]:
    return dict(
        Patient.objects.of(access).filter(pk__in=set(patient_ids)).values_list("pk", "family_name")
    )
