"""Clinical set-up shared by the screening and clearance tests: credentials, consent in force,
a screening — each made through the same models or services the product uses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from filiform.accounts.models import User
from filiform.clinics.access import Access, membership_for
from filiform.clinics.models import Clinic, Membership
from filiform.consent.models import ConsentRecord, ConsentTemplate
from filiform.consent.templates_service import consent_template_current
from filiform.patients.models import Patient
from filiform.practitioners.models import NeedlingAuthorization, NeedlingTraining, Registration
from filiform.screening.answers import QUESTIONS
from filiform.screening.models import Screening
from filiform.screening.services import screening_record

SIGNATURE = [[[20, 100], [80, 60], [140, 120], [220, 70]], [[260, 90], [320, 95]]]


def access_for(user: User, clinic: Clinic) -> Access:
    return Access(user=user, membership=membership_for(user, clinic))


def membership(user: User, clinic: Clinic) -> Membership:
    return Membership.objects.get(user=user, clinic=clinic)


def credential(member: Membership, *, regions: list[str] | None = None) -> None:
    """Registered, rostered and trained (all regions unless some are named)."""
    Registration.objects.create(
        membership=member,
        province="ON",
        college="College of Physiotherapists of Ontario",
        number="T-100",
        status="general",
        expires_on=dt.date(2099, 1, 1),
    )
    NeedlingAuthorization.objects.create(
        membership=member, kind="on_roster", granted_on=dt.date(2020, 1, 1)
    )
    NeedlingTraining.objects.create(
        membership=member,
        provider="kinetacore",
        level="FDN 2",
        completed_on=dt.date(2020, 6, 1),
        regions=regions or [],
    )


def consent_given(
    patient: Patient,
    by: User,
    *,
    thorax: bool = True,
    decision: str = "permit",
    signed_at: dt.datetime | None = None,
    valid_until: dt.date | None = None,
) -> ConsentRecord:
    template: ConsentTemplate = consent_template_current(access=access_for(by, patient.clinic))
    signed_at = signed_at or timezone.now()
    return ConsentRecord.objects.create(
        clinic=patient.clinic,
        patient=patient,
        template=template,
        **template.snapshot(),
        risks_discussed=True,
        benefits_discussed=True,
        alternatives_discussed=True,
        questions_answered=True,
        thorax_acknowledged=thorax,
        discussed_by=by,
        decision=decision,
        signer_name=patient.display_name,
        signature_strokes=SIGNATURE,
        signed_at=signed_at,
        valid_until=valid_until or (signed_at + dt.timedelta(days=365)).date(),
    )


def all_answered(answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """A complete screening's answers: every question answered explicitly — "no" (epilepsy
    "none", medications "no": none) unless ``answers`` says otherwise. Shorthand kept for the
    tests: a list for a question that lists something is "yes" with that list, ``True`` is
    "yes", ``False`` is "no", and medications as free text are "yes" with that list."""
    full: dict[str, Any] = {name: "no" for name in QUESTIONS} | {"epilepsy": "none"}
    for name, value in (answers or {}).items():
        question = QUESTIONS.get(name)
        listed = question.listed if question else None
        shorthand = isinstance(value, list) or (
            name == "medications" and value not in ("yes", "no", "unsure")
        )
        if listed and shorthand:
            full[name], full[listed] = "yes", value
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        full[name] = value
    return full


def screened(patient: Patient, by: User, answers: dict[str, Any] | None = None) -> Screening:
    """A complete screening recorded through the service, every question answered (see
    :func:`all_answered` for the shorthand ``answers`` may use)."""
    return screening_record(
        access=access_for(by, patient.clinic),
        patient_id=patient.pk,
        answers=all_answered(answers),
        condition="Right-sided neck pain",
    )
