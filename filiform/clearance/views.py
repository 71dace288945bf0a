"""The go / no-go panel on the patient page, and the muscle-by-muscle check.

The panel's headline is true for every muscle (see :mod:`filiform.clearance.headline`): the
clinician's clearance is asked once (permission checked, read audited) and then evaluated for
every muscle of the clinic's catalogue on each side, so that a muscle blocked anywhere — by the
screening, a consent without the chest risk or the practitioner's training — is named, and the
headline is never a plain "Go" over a blocked muscle."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.anatomy.catalogue import clinic_catalogue, muscle_catalogue
from filiform.anatomy.regions import Region, Side
from filiform.clearance.decision import (
    Clearance,
    MuscleClearance,
    Target,
    clearance_decide,
    clearance_evaluate,
)
from filiform.clearance.headline import clearance_headline, readiness_headline, region_rows
from filiform.clinics.access import CLINICIAN_ROLES, Access, Permission
from filiform.clinics.decorators import clinic_page
from filiform.clinics.models import Membership
from filiform.consent.records import consent_status
from filiform.patients.models import Patient
from filiform.patients.selectors import patient_get
from filiform.screening.selectors import screening_state


def _every_muscle(access: Access, patient: Patient, clearance: Clearance) -> Clearance:
    """The clearance asked for by :func:`clearance_decide` (which checked the permission and
    audited the read), with a verdict for every muscle of the clinic's catalogue on each side.
    Each side is evaluated on its own: "both sides of the chest in one session" is about a
    session, not about the patient."""
    catalogue = clinic_catalogue(access.membership.clinic_id).values()
    muscles: list[MuscleClearance] = []
    for side in (Side.LEFT, Side.RIGHT):
        targets = [
            Target(m, side if m.paired else None)
            for m in catalogue
            if m.paired or side == Side.LEFT
        ]
        muscles += clearance_evaluate(
            clinic=access.clinic,
            patient=patient,
            practitioner=clearance.practitioner,
            targets=targets,
            at=clearance.at,
        ).muscles
    return replace(clearance, muscles=muscles)


def clearance_panel(*, access: Access, patient: Patient) -> dict[str, Any]:
    """What the patient page shows. A clinician sees their own clearance: a headline true for
    every muscle, each cause once with the muscles it blocks, and the body regions; front desk
    and billing see whether consent and screening are in place and only the level of what the
    screening found, without health details."""
    if access.can(Permission.CLINICAL_RECORD) and access.is_clinician:
        clearance = clearance_decide(
            access=access, patient_id=patient.pk, practitioner_id=access.membership.pk
        )
        everywhere = _every_muscle(access, patient, clearance)
        rows = region_rows(everywhere)
        headline = clearance_headline(everywhere)
        consent = consent_status(patient=patient, on=timezone.localdate())
        return {
            "clearance": clearance,
            "headline": headline,
            "consent": consent,
            # said once: not again on the consent line when the headline's reasons say it
            "consent_said": any(r.text == consent.reason for r in headline.general),
            "rows": rows if clearance.screening_id or any(r.level for r in rows) else [],
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
        },
        "headline": readiness_headline(
            consent_in_force=consent.in_force,
            consent_reason=consent.reason,
            screening_problems=screening.problems[:1],
            regions=screening.regions() if screening.in_force else [],
            chest_not_consented=bool(
                consent.in_force and consent.record and not consent.record.thorax_acknowledged
            ),
        ),
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
        Membership.objects.of(access)
        .select_related("user")
        .filter(is_active=True, role__in=CLINICIAN_ROLES)
        .order_by("user__last_name", "id")
    )
    chosen = request.GET.get("practitioner") or (
        str(access.membership.pk) if access.is_clinician else ""
    )
    muscles = [m[:80] for m in request.GET.getlist("muscles")[:40]]
    clearance, error, hint = None, "", ""
    if not muscles:
        # No verdict before a muscle is chosen: a verdict for "no muscle" would read as a Go.
        if "practitioner" in request.GET:
            hint = _("Choose at least one muscle to check.")
    elif not chosen.isdigit():
        hint = _("Choose the practitioner who would needle.")
    else:
        try:
            clearance = clearance_decide(
                access=access,
                patient_id=patient.pk,
                practitioner_id=int(chosen),
                muscles=muscles,
            )
        except ValidationError as problem:
            error = " ".join(problem.messages)
    headline = clearance_headline(clearance) if clearance else None
    # With several muscles, a cause that reaches all of them is said once above the table.
    several = clearance is not None and len(clearance.muscles) > 1
    everywhere = headline.everywhere if headline and several else []
    named_once = {g.cause for g in everywhere}
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
            "headline": headline,
            "everywhere": everywhere,
            "rows": [
                (m, [r for r in m.reasons if r.text not in named_once])
                for m in (clearance.muscles if clearance else [])
            ],
            "error": error,
            "hint": hint,
        },
    )
