"""Demo patients in every clearance state, so that a visitor sees each panel the product has.

Patients are taken in id order: the first five carry the consent states (in force, expired,
declined, withdrawn, none); the next five add screening states on top of consent in force.
Every screening answers each question explicitly (what the state names is "yes", everything
else "no"), as the questionnaire requires; one patient also has a draft re-screen in progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from filiform.accounts.models import User
from filiform.clinics.models import Clinic
from filiform.consent.models import ConsentTemplate
from filiform.demo.consents import demo_consent
from filiform.patients.models import EpisodeOfCare, Patient
from filiform.screening.answers import QUESTIONS
from filiform.screening.models import Screening, ScreeningStatus
from filiform.screening.services import answers_parse

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
        {
            "anticoagulants": "yes",
            "anticoagulant_drugs": ["apixaban"],
            "medications": "yes",
            "medication_list": "apixaban 5 mg twice daily",
        },
        0,
    ),
    (
        "caution: diabetes, controlled epilepsy and unsure about vascular disease need a "
        "justification; a pacemaker blocks electrical stimulation only",
        True,
        {
            "diabetes": "yes",
            "epilepsy": "controlled",
            "medications": "yes",
            "medication_list": "metformin; lamotrigine",
            "electrical_implant": "yes",
            "electrical_implant_kinds": ["pacemaker"],
            "vascular_disease": "unsure",
        },
        0,
    ),
    (
        "lymphoedema of the left arm: that arm blocked",
        True,
        {
            "lymphoedema": "yes",
            "lymphoedema_limbs": [{"limb": "upper", "side": "left"}],
            "lymph_node_removal": "yes",
            "lymph_node_removal_limbs": [{"limb": "upper", "side": "left"}],
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
                answers=explicit(answers),
                screened_at=when,
                screened_by=physio,
            )
            if days_ago:  # the lapsed screening: a re-screen was started, not finished
                Screening.objects.create(
                    clinic=clinic,
                    patient=patient,
                    episode=episode,
                    answers=explicit(answers, draft=True),
                    status=ScreeningStatus.DRAFT,
                    screened_at=now - dt.timedelta(hours=1),
                    screened_by=physio,
                )
                label += " (a draft re-screen is in progress)"
        lines.append(f"{patient.display_name}: {label}")
    return lines


def explicit(answers: dict[str, Any], *, draft: bool = False) -> dict[str, Any]:
    """Stored answers with every question answered: the given ones, "no" for the rest
    (epilepsy: none). A draft keeps only the first half of the questions answered."""
    full = {name: "no" for name in QUESTIONS} | {"epilepsy": "none"} | answers
    if draft:
        full = {k: v for k, v in full.items() if k not in list(QUESTIONS)[len(QUESTIONS) // 2 :]}
    parsed = answers_parse(full, complete=not draft)
    return parsed.model_dump(mode="json", exclude_defaults=True)
