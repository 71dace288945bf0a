"""How a practitioner is named on receipts and insurer claims: name, designation and
registration number, as extended health insurers require (clinical-reference §6). A
physiotherapist who needles is a physiotherapist, never an "acupuncturist": insurers pay dry
needling / IMS as physiotherapy, under the physiotherapist's own registration."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from filiform.clinics.models import Membership
from filiform.practitioners.models import Registration
from filiform.practitioners.standing import IN_FORCE


@dataclass(frozen=True)
class BillingIdentity:
    name: str
    designation: str  # "Registered Physiotherapist"
    registration_number: str  # "" when none is on file: insurers reject such claims
    college: str
    province: str


def billing_identity(membership: Membership, *, on: dt.date, province: str = "") -> BillingIdentity:
    """The practitioner as a receipt or claim names them on the date of service: the
    registration in force that day (the visit's province first), else the latest on file."""
    registrations = Registration.objects.filter(membership=membership, **IN_FORCE).order_by(
        "-expires_on", "-id"
    )
    in_force = [r for r in registrations if r.expires_on >= on]
    chosen = next((r for r in in_force if province and r.province == province), None)
    chosen = chosen or (in_force[0] if in_force else registrations.first())
    user = membership.user
    name = user.get_full_name() or user.get_username()
    return BillingIdentity(
        name=name,
        designation=_("Registered Physiotherapist"),
        registration_number=chosen.number if chosen else "",
        college=chosen.college if chosen else "",
        province=chosen.province if chosen else "",
    )
