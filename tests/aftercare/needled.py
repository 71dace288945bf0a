"""A needling visit charted and signed through the product's own services, for aftercare tests."""

from __future__ import annotations

from typing import Any

from filiform.aftercare.instructions import aftercare_advice_save
from filiform.charting.models import Visit
from filiform.charting.needling import insertion_add, needles_count, session_start
from filiform.charting.specs import InsertionSpec, SessionSpec
from filiform.charting.visits import visit_sign, visit_start
from filiform.patients.models import Patient
from filiform.practitioners.models import Registration
from tests.clinical import access_for, consent_given, credential, membership, screened
from tests.conftest import World

NEEDLE: dict[str, Any] = {
    "needle_diameter_mm": "0.25",
    "needle_length_mm": 30,
    "depth_mm": "10",
    "technique": "pistoning",
    "twitch": "few",
}


# How the tests aim at muscles over the lung, so the depth limits (anatomy/depth_limits.py)
# pass: a pincer grip where it lifts the cap, otherwise an angled insertion within the limit.
PINCER = {"upper_trapezius", "levator_scapulae", "latissimus_dorsi", "pectoralis_major"}


def approach_for(muscle: str) -> str:
    return "pincer" if muscle in PINCER else "oblique"


def cleared(world: World, patient: Patient | None = None) -> Patient:
    """Bob credentialed; the patient consented (thorax included) and screened."""
    patient = patient or world.patient
    member = membership(world.bob, world.clinic)
    if not Registration.objects.filter(membership=member).exists():
        credential(member)
    consent_given(patient, world.bob)
    screened(patient, world.bob)
    return patient


def needled_visit(
    world: World,
    muscles: tuple[str, ...] = ("gluteus_medius:left",),
    *,
    patient: Patient | None = None,
    advice: str = "",
    home_exercises: str = "",
    sign: bool = True,
) -> Visit:
    """A visit with one insertion per ``muscle:side``, needles counted, advice written, signed."""
    patient = patient or world.patient
    bob = access_for(world.bob, world.clinic)
    episode = patient.episodes.first()
    assert episode is not None, "screened() opens an episode"
    visit = visit_start(
        access=bob,
        patient_id=patient.pk,
        episode_id=episode.pk,
        subjective="Pain 6/10",
        assessment="Active trigger points reproduce the pain",
    )
    session = session_start(
        access=bob, visit_id=visit.pk, session=SessionSpec.parse({"position": "prone"})
    )
    for entry in muscles:
        muscle, _, side = entry.partition(":")
        insertion_add(
            access=bob,
            session_id=session.pk,
            insertion=InsertionSpec.parse(
                {"muscle": muscle, "side": side, "approach": approach_for(muscle), **NEEDLE}
            ),
        )
    needles_count(access=bob, session_id=session.pk, opened=len(muscles), removed=len(muscles))
    if advice or home_exercises:
        aftercare_advice_save(
            access=bob, visit_id=visit.pk, advice=advice, home_exercises=home_exercises
        )
    if sign:
        visit = visit_sign(access=bob, visit_id=visit.pk)
    return visit
