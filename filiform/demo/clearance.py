"""Demo patients in every clearance state, so that a visitor sees each panel the product has.

Patients are taken in id order: the first five carry the consent states (in force, expired,
declined, withdrawn, none); the next five add screening states on top of consent in force."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from filiform.accounts.models import User
from filiform.clinics.models import Clinic
from filiform.consent.models import ConsentTemplate
from filiform.demo.consents import demo_consent
from filiform.patients.models import EpisodeOfCare, Patient
from filiform.screening.answers import ScreeningAnswers
from filiform.screening.models import Screening

# (what the demo shows, consent: (thorax acknowledged) or None to keep the consent step's,
#  screening answers or None for no screening, days since screening)
STATES: list[tuple[str, bool | None, dict[str, Any] | None, int]] = [
    ("cleared: consent and screening in place", None, {}, 0),
    ("consent expired, screening in place", None, {}, 0),
    ("consent declined", None, None, 0),
    ("consent withdrawn", None, None, 0),
    ("nothing on file yet", None, None, 0),
    (
        "anticoagulant: psoas, QL and tibialis posterior blocked, caution elsewhere",
        True,
        {"anticoagulants": ["apixaban"], "medications": "apixaban 5 mg twice daily"},
        0,
    ),
    (
        "caution: diabetes and controlled epilepsy need a justification",
        True,
        {"diabetes": True, "epilepsy": "controlled", "medications": "metformin; lamotrigine"},
        0,
    ),
    (
        "lymphoedema of the left arm: that arm blocked",
        True,
        {
            "lymphoedema": [{"limb": "upper", "side": "left"}],
            "lymph_node_removal": [{"limb": "upper", "side": "left"}],
        },
        0,
    ),
    ("consent without the chest risk: chest muscles blocked", False, {}, 0),
    ("screening older than six months: re-screen", True, {}, 200),
]

CONDITIONS = (
    "Right-sided neck pain",
    "Low back pain",
    "Lateral hip pain",
    "Shoulder impingement",
    "Plantar heel pain",
)


def demo_clearance_states(clinic: Clinic) -> list[str]:
    """Add consent and screenings to the demo patients; returns one line per state."""
    physio = User.objects.get(email__startswith="physio@", memberships__clinic=clinic)
    template = ConsentTemplate.objects.filter(clinic=clinic).first()
    assert template is not None, "the consent demo step runs first"
    now = timezone.now()
    patients = list(Patient.objects.filter(clinic=clinic).order_by("id")[: len(STATES)])
    lines = []
    for index, (patient, (label, thorax, answers, days_ago)) in enumerate(
        zip(patients, STATES, strict=False)
    ):
        when = now - dt.timedelta(days=days_ago)
        if thorax is not None:
            demo_consent(
                patient,
                template,
                physio,
                thorax=thorax,
                signed_at=when - dt.timedelta(minutes=10),
                valid_until=(now + dt.timedelta(days=300)).date(),
            )
        if answers is not None:
            episode = EpisodeOfCare.objects.create(
                clinic=clinic,
                patient=patient,
                condition=CONDITIONS[index % len(CONDITIONS)],
                started_on=when.date(),
                created_by=physio,
            )
            Screening.objects.create(
                clinic=clinic,
                patient=patient,
                episode=episode,
                answers=ScreeningAnswers.model_validate(answers).model_dump(mode="json"),
                screened_at=when,
                screened_by=physio,
            )
        lines.append(f"{patient.display_name}: {label}")
    return lines
