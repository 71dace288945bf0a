"""Clearance's card on the patient page (clinics/cards.py), registered in ClearanceConfig.ready."""

from __future__ import annotations

from filiform.clearance.views import clearance_panel
from filiform.clinics.cards import register_card


def register() -> None:
    register_card(page="patient", name="clearance", order=20, context=clearance_panel)
