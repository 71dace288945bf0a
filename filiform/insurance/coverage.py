"""What a plan pays toward a visit: its benefit year, what it has paid in that year (usage),
and the coverage estimate ("insurer pays $X, you pay $Y") with the arithmetic shown.

The arithmetic (:func:`plan_share`) is a pure function of the plan's terms, the fee and the
year's usage, so the property tests can throw any terms and amounts at it. The order is the
order plans apply their rules in (clinical-reference §6):

1. the deductible still to meet this benefit year comes off the fee (the patient pays it);
2. the plan pays its coinsurance share of the rest: the ONE rounding point
   (:func:`filiform.billing.money.to_cents`, half up, to the cent);
3. that share is capped by the per-visit maximum,
4. then by what is left of the annual maximum (never below $0.00);
5. the patient pays the rest of the fee, so insurer + patient = fee exactly.

Every step except step 2 is exact (minimums and differences of whole cents).

Coordination of benefits (primary, then secondary): the secondary plan's share is computed on
the SAME fee by its own terms (its deductible, coinsurance and maxima), then capped at what the
primary left (fee - primary's share). That is the usual "standard" coordination in Canadian
group plans: together the plans never pay more than the fee.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.billing.insured import insured_amount
from filiform.billing.models import Invoice
from filiform.billing.money import ZERO, format_cad, parse_amount, to_cents
from filiform.billing.selectors import clinic_today, invoice_of_clinic
from filiform.clinics.access import Access, Permission
from filiform.insurance.models import (
    BenefitYear,
    MaximumScope,
    Policy,
    Rank,
    Relationship,
    UsageSource,
)
from filiform.patients.selectors import patient_of_clinic

PHYSIOTHERAPY = "physiotherapy"
HUNDRED = Decimal(100)
FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2999, 12, 31)  # estimates' dates of service


# --- the benefit year --------------------------------------------------------------------------


def anniversary(anchor: dt.date, year: int) -> dt.date:
    """``anchor``'s month and day in ``year``. February 29 falls on February 28 in a year that
    has no February 29 (the day before March 1, so the benefit year stays 365 days long and
    does not spill into March)."""
    if anchor.month == 2 and anchor.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return anchor.replace(year=year)


def year_around(anchor: dt.date, on: dt.date) -> tuple[dt.date, dt.date]:
    """The year that starts on an anniversary of ``anchor`` and contains ``on``: (first day,
    last day), both inclusive."""
    start = anniversary(anchor, on.year)
    if start > on:
        start = anniversary(anchor, on.year - 1)
    end = anniversary(anchor, start.year + 1) - dt.timedelta(days=1)
    return start, end


def birthday_anchor(policy: Policy) -> dt.date | None:
    """The plan member's date of birth: the patient's own when the patient is the member,
    otherwise the subscriber's as entered on the policy."""
    if policy.relationship == Relationship.SUBSCRIBER:
        return policy.subscriber_birth_date or policy.patient.birth_date
    return policy.subscriber_birth_date


def benefit_year_of(policy: Policy, on: dt.date) -> tuple[dt.date, dt.date]:
    """The benefit year of ``policy`` that ``on`` falls in: calendar (January 1 to
    December 31), policy year (from each anniversary of the effective date) or member year
    (from each birthday of the plan member). A birthday year without a known birth date falls
    back to the calendar year (the policy services refuse that case for spouses and
    dependants)."""
    if policy.benefit_year == BenefitYear.POLICY:
        return year_around(policy.effective_on, on)
    if policy.benefit_year == BenefitYear.BIRTHDAY:
        anchor = birthday_anchor(policy)
        if anchor is not None:
            return year_around(anchor, on)
    return dt.date(on.year, 1, 1), dt.date(on.year, 12, 31)


# --- usage -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """What a plan has paid in one benefit year, as counted against its annual maximum."""

    start: dt.date
    end: dt.date
    paid: Decimal  # toward the annual maximum (the scope's disciplines)
    deductible_met: Decimal  # every discipline: a plan has one deductible
    visits: int  # physiotherapy visits claimed this year (the progress-report count)


def _total(rows: Any, name: str) -> Decimal:
    value = rows.aggregate(s=Sum(name))["s"]
    return Decimal(value if value is not None else ZERO).quantize(Decimal("0.01"))


def usage_of(policy: Policy, on: dt.date, *, exclude_invoice_id: int | None = None) -> Usage:
    """The plan's usage in the benefit year containing ``on``: paid by the plan (every
    discipline under a combined maximum, physiotherapy only under a discipline maximum), the
    deductible met (all disciplines) and the visits claimed from this clinic. Usage of claims
    for ``exclude_invoice_id`` is left out, so an invoice's own estimate does not count its own
    claim twice. Not audited: callers audit."""
    start, end = benefit_year_of(policy, on)
    # through the policy's own relation: its caller found the policy in the acting clinic
    rows = policy.usage.filter(date_of_service__gte=start, date_of_service__lte=end)
    if exclude_invoice_id is not None:
        rows = rows.exclude(claim__invoice_id=exclude_invoice_id)
    counted = rows
    if policy.maximum_scope != MaximumScope.COMBINED:
        counted = rows.filter(discipline=PHYSIOTHERAPY)
    visits = rows.filter(source=UsageSource.CLAIM, discipline=PHYSIOTHERAPY).filter(
        Q(insurer_paid__gt=0) | Q(deductible_applied__gt=0)
    )
    return Usage(
        start=start,
        end=end,
        paid=_total(counted, "insurer_paid"),
        deductible_met=_total(rows, "deductible_applied"),
        visits=visits.count(),
    )


# --- the arithmetic (pure) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """A plan's coverage terms for physiotherapy, and whether it is in force on the day
    (``not_in_force`` is the reason it is not, or "")."""

    coinsurance_percent: Decimal
    deductible: Decimal = ZERO
    annual_maximum: Decimal | None = None
    per_visit_maximum: Decimal | None = None
    referral_required: bool = False
    progress_report_after: int | None = None
    not_in_force: str = ""
    label: str = ""


@dataclass(frozen=True)
class PlanShare:
    insurer_pays: Decimal
    patient_pays: Decimal
    deductible_applied: Decimal
    steps: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    label: str = ""


def _percent(value: Decimal) -> str:
    text = f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def plan_share(
    terms: Terms,
    fee: Decimal,
    used: Decimal,
    deductible_met: Decimal,
    visits_this_year: int,
    referral_on_file: bool,
) -> PlanShare:
    """What one plan pays toward ``fee``, and the steps in words. Pure: no database."""
    if fee < 0:
        raise ValueError("a fee is not negative")
    steps = [_("Fee %(fee)s") % {"fee": format_cad(fee)}]
    warnings: list[str] = []

    def nothing(reason: str) -> PlanShare:
        steps.append(reason)
        steps.append(
            _("Insurer pays %(i)s, you pay %(p)s") % {"i": format_cad(ZERO), "p": format_cad(fee)}
        )
        return PlanShare(ZERO, fee, ZERO, steps, warnings, terms.label)

    if terms.not_in_force:
        return nothing(terms.not_in_force)
    if terms.referral_required and not referral_on_file:
        return nothing(
            _("This plan pays only with a physician's referral, and none is on file → $0.00")
        )
    if terms.progress_report_after is not None and visits_this_year + 1 > (
        terms.progress_report_after
    ):
        warnings.append(
            _(
                "A progress report is due: the plan asks for one after %(n)d visits, and this is visit %(v)d this benefit year."
            )
            % {"n": terms.progress_report_after, "v": visits_this_year + 1}
        )

    deductible_left = max(ZERO, terms.deductible - max(deductible_met, ZERO))
    applied = min(deductible_left, fee)
    eligible = fee - applied
    if terms.deductible > 0:
        steps.append(
            _("Deductible left %(left)s → %(eligible)s eligible")
            % {"left": format_cad(deductible_left), "eligible": format_cad(eligible)}
        )

    share = to_cents(eligible * terms.coinsurance_percent / HUNDRED)  # the one rounding point
    steps.append(
        _("%(pct)s %% coinsurance → %(share)s")
        % {"pct": _percent(terms.coinsurance_percent), "share": format_cad(share)}
    )
    if terms.per_visit_maximum is not None:
        share = min(share, terms.per_visit_maximum)
        steps.append(
            _("Per-visit maximum %(max)s → %(share)s")
            % {"max": format_cad(terms.per_visit_maximum), "share": format_cad(share)}
        )
    if terms.annual_maximum is not None:
        left = max(ZERO, terms.annual_maximum - max(used, ZERO))
        share = min(share, left)
        steps.append(
            _("Annual maximum %(max)s, used %(used)s, left %(left)s → %(share)s")
            % {
                "max": format_cad(terms.annual_maximum),
                "used": format_cad(used),
                "left": format_cad(left),
                "share": format_cad(share),
            }
        )
        if left == 0:
            warnings.append(_("The annual maximum is used up for this benefit year."))
    share = max(share, ZERO)
    patient = fee - share
    steps.append(
        _("Insurer pays %(i)s, you pay %(p)s") % {"i": format_cad(share), "p": format_cad(patient)}
    )
    return PlanShare(share, patient, applied, steps, warnings, terms.label)


def coordinate(fee: Decimal, primary: PlanShare | None, secondary: PlanShare | None) -> Estimate:
    """Primary, then secondary: the secondary's own share capped at what the primary left."""
    steps: list[str] = []
    first = primary.insurer_pays if primary is not None else ZERO
    second = ZERO
    if secondary is not None:
        left = fee - first
        second = min(secondary.insurer_pays, left)
        if primary is not None:
            steps.append(
                _(
                    "Secondary plan: its share %(own)s, capped at what the primary left %(left)s → %(s)s"
                )
                % {
                    "own": format_cad(secondary.insurer_pays),
                    "left": format_cad(left),
                    "s": format_cad(second),
                }
            )
    insurer = first + second
    patient = fee - insurer
    steps.append(
        _("Insurer pays %(i)s, you pay %(p)s")
        % {"i": format_cad(insurer), "p": format_cad(patient)}
    )
    return Estimate(
        fee=fee,
        primary=primary,
        secondary=secondary,
        secondary_pays=second,
        insurer_pays=insurer,
        patient_pays=patient,
        steps=steps,
    )


@dataclass(frozen=True)
class Estimate:
    fee: Decimal
    primary: PlanShare | None
    secondary: PlanShare | None
    secondary_pays: Decimal  # the secondary's share after coordination
    insurer_pays: Decimal
    patient_pays: Decimal
    steps: list[str]
    on: dt.date | None = None
    invoice_id: int | None = None
    patient_id: int | None = None
    # An invoice's supplies and tax: never claimed, the patient's on top of ``patient_pays``.
    supplies_and_tax: Decimal = ZERO

    @property
    def patient_owes(self) -> Decimal:
        return self.patient_pays + self.supplies_and_tax


# --- from a policy to its terms ----------------------------------------------------------------


def terms_of(policy: Policy, on: dt.date) -> Terms:
    """The policy's terms, and whether it is in force on ``on``."""
    reason = ""
    if not policy.is_active:
        reason = _("This policy has ended → $0.00")
    elif on < policy.effective_on:
        reason = _("Coverage starts on %(d)s, after the date of service → $0.00") % {
            "d": policy.effective_on.isoformat()
        }
    elif policy.ends_on is not None and on > policy.ends_on:
        reason = _("Coverage ended on %(d)s, before the date of service → $0.00") % {
            "d": policy.ends_on.isoformat()
        }
    return Terms(
        coinsurance_percent=policy.coinsurance_percent,
        deductible=policy.deductible,
        annual_maximum=policy.annual_maximum,
        per_visit_maximum=policy.per_visit_maximum,
        referral_required=policy.referral_required,
        progress_report_after=policy.progress_report_after,
        not_in_force=reason,
        label=f"{policy.insurer.name} ({Rank(policy.rank).label})",
    )


def referral_on_file(policy: Policy, on: dt.date) -> bool:
    return policy.referral_on_file_on is not None and policy.referral_on_file_on <= on


def policy_share(
    policy: Policy, fee: Decimal, on: dt.date, *, exclude_invoice_id: int | None = None
) -> PlanShare:
    usage = usage_of(policy, on, exclude_invoice_id=exclude_invoice_id)
    return plan_share(
        terms_of(policy, on),
        fee,
        usage.paid,
        usage.deductible_met,
        usage.visits,
        referral_on_file(policy, on),
    )


def coverage_estimate(
    *,
    access: Access,
    patient_id: int | None = None,
    fee: Any = None,
    invoice_id: int | None = None,
    on: dt.date | None = None,
) -> Estimate:
    """The estimate for a patient's active policies: for an invoice (its insured services on
    its date of service; its supplies and tax are shown apart, the patient's: see
    ``billing.insured``), or for a fee on a day (today by default). Audited read of the
    patient's coverage."""
    access.require(Permission.PATIENT_VIEW)
    invoice: Invoice | None = None
    apart = ZERO
    if invoice_id is not None:
        invoice = invoice_of_clinic(access=access, invoice_id=invoice_id)
        patient_id = invoice.patient_id
        amount = insured_amount(invoice)
        apart = invoice.total - amount
        on = invoice.date_of_service
    else:
        if patient_id is None:
            raise ValidationError({"patient_id": _("Choose the patient.")})
        amount = parse_amount(fee, field="fee", allow_zero=True)
        on = on or clinic_today(access.clinic)
        if not FIRST_DAY <= on <= LAST_DAY:
            raise ValidationError({"on": _("Choose a date of service between 1900 and 2999.")})
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    policies = {
        p.rank: p
        for p in Policy.objects.of(access)
        .select_related("insurer", "patient")
        .filter(patient=patient, is_active=True)
    }
    exclude = invoice.pk if invoice is not None else None
    shares = {
        rank: policy_share(p, amount, on, exclude_invoice_id=exclude)
        for rank, p in policies.items()
    }
    estimate = coordinate(amount, shares.get(Rank.PRIMARY), shares.get(Rank.SECONDARY))
    steps = estimate.steps
    if apart:
        steps = [
            *steps,
            _("Supplies and tax, not claimed: %(a)s → you pay %(p)s in all")
            % {"a": format_cad(apart), "p": format_cad(estimate.patient_pays + apart)},
        ]
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="coverage_estimate",
        object_id=invoice.pk if invoice is not None else patient.pk,
        patient_id=patient.pk,
        detail={
            "fee": str(amount),
            "supplies_and_tax": str(apart),
            "on": on.isoformat(),
            "policies": len(policies),
        },
    )
    return Estimate(
        fee=estimate.fee,
        primary=estimate.primary,
        secondary=estimate.secondary,
        secondary_pays=estimate.secondary_pays,
        insurer_pays=estimate.insurer_pays,
        patient_pays=estimate.patient_pays,
        steps=steps,
        on=on,
        invoice_id=invoice.pk if invoice is not None else None,
        patient_id=patient.pk,
        supplies_and_tax=apart,
    )
