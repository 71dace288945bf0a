"""Charting's cards on the dashboard and the patient page (clinics/cards.py), registered in
ChartingConfig.ready."""

from __future__ import annotations

from typing import Any

from filiform.charting.timeline import (
    patient_timeline,
    patient_visit_dates,
    safety_events,
    unsigned_notes,
)
from filiform.clinics.access import Access, Permission
from filiform.clinics.cards import register_card
from filiform.patients.models import Patient


def dashboard_card(*, access: Access) -> dict[str, Any]:
    return {"unsigned": unsigned_notes(access=access), "safety": safety_events(access=access)}


def patient_card(*, access: Access, patient: Patient) -> dict[str, Any]:
    # Clinicians see the clinical timeline; front desk and billing only when visits were.
    if access.can(Permission.CLINICAL_RECORD):
        return {"timeline": patient_timeline(access=access, patient_id=patient.pk)}
    return {"visit_dates": patient_visit_dates(access=access, patient_id=patient.pk)}


def register() -> None:
    # Orders: the cards' context (and audit entries) come in the order the pages had them.
    register_card(page="dashboard", name="charting", order=10, context=dashboard_card)
    register_card(page="patient", name="charting", order=10, context=patient_card)
