"""May this practitioner needle at all today, and in which body regions? The clearance decision
(issue 3) combines this with the patient's screening and consent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from filiform.anatomy.regions import Region as BodyRegion
from filiform.clinics.models import Membership
from filiform.practitioners.models import (
    NeedlingAuthorization,
    NeedlingTraining,
    Registration,
    RegistrationStatus,
)

REMINDER_DAYS = (60, 30, 7)
# Credentials entered in error stay on file but count for nothing.
IN_FORCE = {"entered_in_error_at__isnull": True}


@dataclass(frozen=True)
class Expiring:
    what: str
    on: dt.date
    days_left: int


@dataclass(frozen=True)
class Standing:
    can_needle: bool
    reasons: list[str]  # why not, in words a clinician can act on
    regions: frozenset[str]  # regions covered by training (all when any course covers all)
    expiring: list[Expiring] = field(default_factory=list)


def practitioner_standing(*, membership: Membership, on: dt.date) -> Standing:
    reasons: list[str] = []
    expiring: list[Expiring] = []

    def watch(what: str, expires_on: dt.date | None) -> None:
        if expires_on is not None and 0 <= (expires_on - on).days <= max(REMINDER_DAYS):
            expiring.append(Expiring(what, expires_on, (expires_on - on).days))

    registration = Registration.objects.filter(membership=membership, **IN_FORCE).first()
    if registration is None:
        reasons.append(_("No professional registration on file."))
    else:
        watch(_("Registration"), registration.expires_on)
        if registration.expires_on < on:
            reasons.append(
                _("Registration expired on %(date)s.") % {"date": registration.expires_on}
            )
        if registration.status in (RegistrationStatus.PROVISIONAL, RegistrationStatus.INTERN):
            reasons.append(_("Provisional registrants and interns may not needle."))
        if registration.status == RegistrationStatus.INACTIVE:
            reasons.append(_("Registration is not active."))
    authorizations = list(NeedlingAuthorization.objects.filter(membership=membership, **IN_FORCE))
    current = [
        a
        for a in authorizations
        if a.granted_on <= on and (a.expires_on is None or a.expires_on >= on)
    ]
    if not authorizations:
        reasons.append(_("No needling authorization (college roster or permit) on file."))
    elif not current:
        reasons.append(_("Needling authorization is not in force (expired or not yet granted)."))
    for authorization in current:
        watch(_("Needling authorization"), authorization.expires_on)
    trainings = list(
        NeedlingTraining.objects.filter(membership=membership, completed_on__lte=on, **IN_FORCE)
    )
    if not trainings:
        reasons.append(_("No completed needling course on file."))
    regions: set[str] = set()
    for training in trainings:
        regions |= set(training.regions or BodyRegion.values)
    return Standing(
        can_needle=not reasons,
        reasons=reasons,
        regions=frozenset(regions),
        expiring=sorted(expiring, key=lambda e: e.on),
    )
