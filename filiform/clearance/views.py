"""The go / no-go panel on the patient page, and the muscle-by-muscle check."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from filiform.anatomy.catalogue import muscle_catalogue
from filiform.anatomy.regions import Region, Side
from filiform.clearance.decision import clearance_decide
from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page
from filiform.clinics.models import Membership, Role
from filiform.consent.records import consent_status
from filiform.patients.models import Patient
from filiform.patients.selectors import patient_get
from filiform.screening.selectors import screening_state

CLINICIAN_ROLES = (Role.OWNER, Role.PHYSIOTHERAPIST)


def clearance_panel(*, access: Access, patient: Patient) -> dict[str, Any]:
    """What the patient page shows. A clinician sees their own go / no-go with every reason and
    the screening's red/amber/green regions; front desk and billing see whether consent and
    screening are in place, without health details."""
    if access.can(Permission.CLINICAL_RECORD) and access.role in CLINICIAN_ROLES:
        clearance = clearance_decide(
            access=access, patient_id=patient.pk, practitioner_id=access.membership.pk
        )
        return {
            "clearance": clearance,
            "consent": consent_status(patient=patient, on=timezone.localdate()),
            "regions": clearance.screening.regions() if clearance.screening else [],
            "whole_body": clearance.screening.whole_body() if clearance.screening else [],
            "screening": clearance.screening,
        }
    today = timezone.localdate()
    consent = consent_status(patient=patient, on=today)
    screening = screening_state(patient=patient, clinic=access.clinic, today=today)
    return {
        "summary": {
            "consent": consent,
            "screening_in_force": screening.in_force,
            "screening_problem": screening.problems[0] if screening.problems else "",
            "cleared": consent.in_force and screening.in_force,
        }
    }


def _muscle_options() -> list[tuple[str, list[tuple[str, str]]]]:
    groups: dict[str, list[tuple[str, str]]] = {}
    for muscle in sorted(muscle_catalogue().values(), key=lambda m: m.name):
        label = str(Region(muscle.region).label)
        sides = [(f"{muscle.slug}:{s.value}", f"{muscle.name} — {s.label.lower()}") for s in Side]
        groups.setdefault(label, []).extend(
            sides if muscle.paired else [(muscle.slug, muscle.name)]
        )
    return [(str(r.label), groups.get(str(r.label), [])) for r in Region]


@clinic_page(Permission.PATIENT_VIEW)
def check(request: HttpRequest, access: Access, patient_id: int) -> HttpResponse:
    patient = patient_get(access=access, patient_id=patient_id)
    practitioners = list(
        Membership.objects.select_related("user")
        .filter(clinic_id=access.membership.clinic_id, is_active=True, role__in=CLINICIAN_ROLES)
        .order_by("user__last_name", "id")
    )
    chosen = request.GET.get("practitioner") or (
        str(access.membership.pk) if access.role in CLINICIAN_ROLES else ""
    )
    muscles = [m[:80] for m in request.GET.getlist("muscles")[:40]]
    clearance, error = None, ""
    if chosen.isdigit():
        try:
            clearance = clearance_decide(
                access=access,
                patient_id=patient.pk,
                practitioner_id=int(chosen),
                muscles=muscles,
            )
        except ValidationError as problem:
            error = " ".join(problem.messages)
    return render(
        request,
        "clearance/check.html",
        {
            "patient": patient,
            "practitioners": practitioners,
            "chosen": chosen,
            "muscles": muscles,
            "options": _muscle_options(),
            "clearance": clearance,
            "error": error,
        },
    )
