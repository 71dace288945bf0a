"""Demo billing: Riverside's fee schedule, an invoice for every signed visit, payments at the
desk, insured and uninsured patients, a year of plan usage, and claims in every state — so that
the desk's invoice list, the claims queue, the coverage estimate and the reports have something
true-looking to show.

Everything goes through the product's own services (as the owner, Morgan), dated at the visits:
invoices take the visit's date of service, desk payments the hour after the visit. Claims move
"now" (the services stamp their steps when they run), which is how a clinic catching up on its
direct billing would look. Deterministic: the same visits give the same money.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from itertools import count
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from filiform.billing.close import daily_close
from filiform.billing.fees import fee_set
from filiform.billing.invoices import invoice_from_visit
from filiform.billing.models import (
    CreditNote,
    DailyClose,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    Payment,
    Service,
    WriteOff,
)
from filiform.billing.payments import credit_apply, payment_record, write_off
from filiform.billing.selectors import clinic_today, takings
from filiform.charting.codes import VisitStatus
from filiform.charting.models import Visit
from filiform.clinics.access import Access
from filiform.clinics.models import Clinic, Membership, Role
from filiform.insurance.claims import (
    claim_adjudicate,
    claim_close,
    claim_draft,
    claim_resubmit,
    claim_submit,
)
from filiform.insurance.coverage import policy_share
from filiform.insurance.models import (
    Claim,
    ClaimEvent,
    ClaimStatus,
    CoverageUsage,
    Insurer,
    InsurerConnection,
    Policy,
)
from filiform.insurance.policies import policy_add, usage_report
from filiform.insurance.specs import PolicyTermsSpec
from filiform.patients.models import Patient

FEES = (
    # code, name, kind, minutes, fee, taxable, rate
    ("assess", "Initial assessment", "assessment", 60, "120.00", False, "0"),
    ("treat", "Physiotherapy treatment", "treatment", 45, "95.00", False, "0"),
    ("ims", "Dry needling / IMS session", "needling", 30, "110.00", False, "0"),
    ("tape", "Kinesiology tape", "other", 5, "9.99", True, "13"),
)


@dataclass(frozen=True)
class Plan:
    """A demo policy's terms (clinical-reference §6 sample plans)."""

    insurer: str
    label: str
    terms: dict[str, Any]


PLANS = (
    Plan(
        "sun-life",
        "$500 a year at 80 %, $80 a visit",
        {"annual_maximum": "500.00", "per_visit_maximum": "80.00", "coinsurance_percent": "80"},
    ),
    Plan(
        "manulife",
        "$1,000 a year at 80 %, $25 deductible, policy year",
        {
            "annual_maximum": "1000.00",
            "coinsurance_percent": "80",
            "deductible": "25.00",
            "benefit_year": "policy",
        },
    ),
    Plan(
        "greenshield",
        "$1,500 combined paramedical at 100 %, progress report after 20 visits",
        {
            "annual_maximum": "1500.00",
            "maximum_scope": "combined",
            "coinsurance_percent": "100",
            "progress_report_after": 20,
        },
    ),
)
SECONDARY = Plan(
    "canada-life",
    "spouse's plan, 80 %, no maximum",
    {"coinsurance_percent": "80", "relationship": "spouse"},
)


def _owner_access(clinic: Clinic) -> Access:
    membership = (
        Membership.objects.select_related("user", "clinic")
        .filter(clinic=clinic, role=Role.OWNER)
        .order_by("pk")
        .first()
    )
    assert membership is not None
    return Access(user=membership.user, membership=membership, via="demo")


def _keys(prefix: str) -> Any:
    return (f"demo-{prefix}-{n}" for n in count(1))


def _fees(access: Access, since: dt.date) -> None:
    for code, name, kind, minutes, fee, taxable, rate in FEES:
        fee_set(
            access=access,
            code=code,
            name=name,
            kind=kind,
            duration_minutes=minutes,
            fee=fee,
            taxable=taxable,
            tax_rate=rate,
            effective_from=since,
        )


def _policy(
    access: Access, patient: Patient, plan: Plan, *, rank: int, effective_on: dt.date
) -> Policy:
    terms = dict(plan.terms)
    relationship = terms.pop("relationship", "subscriber")
    spouse: dict[str, Any] = {}
    if relationship != "subscriber":
        spouse = {
            "subscriber_name": f"Jordan {patient.family_name}",
            "subscriber_birth_date": patient.birth_date.replace(year=patient.birth_date.year - 2),
        }
    return policy_add(
        access=access,
        patient_id=patient.pk,
        terms=PolicyTermsSpec.parse(
            {
                "insurer_id": Insurer.objects.get(code=plan.insurer).pk,
                "rank": rank,
                "plan_name": plan.label,
                "group_number": f"G{40000 + patient.pk}",
                "member_id": f"M{7000000 + patient.pk * 13}",
                "relationship": relationship,
                "effective_on": effective_on,
                **spouse,
                **terms,
            }
        ),
    )


def _year_of_usage(access: Access, policy: Policy, today: dt.date) -> None:
    """Claims the plan paid elsewhere over the past year: massage therapy under a combined
    maximum, physiotherapy at another clinic before the patient came here."""
    discipline = "massage therapy" if policy.maximum_scope == "combined" else "physiotherapy"
    for months_ago, paid in ((12, "60.00"), (9, "45.00"), (6, "60.00")):
        usage_report(
            access=access,
            policy_id=policy.pk,
            date_of_service=today - dt.timedelta(days=30 * months_ago),
            insurer_paid=paid,
            discipline=discipline,
            note="Paid elsewhere (reported by the patient's plan statement)",
        )


def _pay(access: Access, invoice: Invoice, amount: Decimal, method: str, key: str) -> None:
    visit_at = invoice.visit.started_at if invoice.visit else timezone.now()
    payment_record(
        access=access,
        invoice_id=invoice.pk,
        amount=amount,
        method=method,
        idempotency_key=key,
        received_at=min(visit_at + dt.timedelta(hours=1), timezone.now()),
    )


def _answer(access: Access, claim: Claim, reference: str) -> None:
    """Record what the plan pays by its own terms (the coverage estimate's arithmetic)."""
    invoice = claim.invoice
    share = policy_share(
        claim.policy, claim.claimed_amount, invoice.date_of_service, exclude_invoice_id=invoice.pk
    )
    if share.insurer_pays == 0:
        claim_adjudicate(
            access=access,
            claim_id=claim.pk,
            paid_amount="0",
            outcome="denied",
            denial_reason="Annual maximum reached",
            insurer_reference=reference,
        )
        return
    claim_adjudicate(
        access=access,
        claim_id=claim.pk,
        paid_amount=share.insurer_pays,
        deductible_applied=share.deductible_applied,
        insurer_reference=reference,
        denial_reason=""
        if share.insurer_pays == claim.claimed_amount
        else "Paid by the plan's terms (coinsurance and maximums)",
    )


def _claim_through(access: Access, invoice: Invoice, state: str) -> None:
    """Draft, submit and answer a claim for the invoice as far as ``state``: draft, submitted,
    paid (closed, and the secondary plan claimed for the rest), denied (left to act on), or
    resubmitted (denied for a missing referral, resubmitted, paid)."""
    claim = claim_draft(access=access, invoice_id=invoice.pk)
    if state == "draft":
        return
    claim = claim_submit(access=access, claim_id=claim.pk)
    if state == "submitted":
        return
    reference = f"RC-{invoice.display_number}"
    if state in ("denied", "resubmitted"):
        claim_adjudicate(
            access=access,
            claim_id=claim.pk,
            paid_amount="0",
            outcome="denied",
            denial_reason="Physician referral not on file",
            insurer_reference=reference,
        )
        if state == "denied":
            return
        claim = claim_resubmit(
            access=access, claim_id=claim.pk, note="Referral faxed to the insurer"
        )
        claim = claim_submit(access=access, claim_id=claim.pk)
    if claim.status == ClaimStatus.SUBMITTED:
        _answer(access, claim, reference + "-1")
    for secondary in Claim.objects.filter(invoice=invoice, sequence=2, status=ClaimStatus.DRAFT):
        secondary = claim_submit(access=access, claim_id=secondary.pk)
        if secondary.status == ClaimStatus.SUBMITTED:
            _answer(access, secondary, reference + "-2")
    for answered in Claim.objects.filter(invoice=invoice, status=ClaimStatus.ADJUDICATED):
        claim_close(access=access, claim_id=answered.pk)  # (state "denied" stopped above)


def _states(number_of_visits: int) -> list[str]:
    """Oldest first: the insurer has answered the old visits; the newest wait."""
    recent = ["denied", "submitted", "submitted", "draft"]
    old = ["paid"] * max(0, number_of_visits - len(recent))
    if len(old) > 2:
        old[1] = "resubmitted"
    return (old + recent)[-number_of_visits:]


def demo_billing(clinic: Clinic) -> list[str]:
    """Bill Riverside's signed visits; returns lines for the demo's "patients to try" list."""
    access = _owner_access(clinic)
    today = clinic_today(clinic)
    _fees(access, today - dt.timedelta(days=400))
    visits = (
        Visit.objects.filter(clinic=clinic, status=VisitStatus.SIGNED)
        .select_related("patient")
        .order_by("started_at", "pk")
    )
    by_patient: dict[int, list[Visit]] = {}
    for visit in visits:
        by_patient.setdefault(visit.patient_id, []).append(visit)
    patients = sorted(by_patient, key=lambda pk: by_patient[pk][0].started_at)
    insured = patients[: max(0, len(patients) - 2)][: len(PLANS)]
    keys = _keys("pay")
    lines: list[str] = []
    for index, patient_id in enumerate(patients):
        patient = by_patient[patient_id][0].patient
        invoices = [
            invoice_from_visit(access=access, visit_id=visit.pk) for visit in by_patient[patient_id]
        ]
        if patient_id in insured:
            lines.append(_insured(access, patient, invoices, PLANS[index], keys, today))
            if index == 0:
                lines[-1] += "; secondary plan: " + SECONDARY.label
        else:
            lines.append(_uninsured(access, patient, invoices, keys, uninsured_index=index))
    _policies_without_visits(access, clinic, exclude=set(patients), today=today)
    desk_days = (
        Payment.objects.filter(clinic=clinic, business_date__lt=today)
        .exclude(method="insurer")
        .order_by("-business_date")
        .values_list("business_date", flat=True)
        .distinct()
    )
    for day in list(desk_days[:3]):  # the last three days with takings were closed
        daily_close(access=access, business_date=day, counted_cash=_counted(access, day))
    return lines


def _insured(
    access: Access,
    patient: Patient,
    invoices: list[Invoice],
    plan: Plan,
    keys: Any,
    today: dt.date,
) -> str:
    first_day = invoices[0].date_of_service
    primary = _policy(
        access, patient, plan, rank=1, effective_on=first_day - dt.timedelta(days=330)
    )
    _year_of_usage(access, primary, today)
    if plan is PLANS[0]:
        _policy(access, patient, SECONDARY, rank=2, effective_on=first_day - dt.timedelta(days=60))
    states = _states(len(invoices))
    if plan is PLANS[0]:  # the secondary plan's patient: every primary answer is a payment
        states = ["paid" if s in ("denied", "resubmitted") else s for s in states]
    for invoice, state in zip(invoices, states, strict=True):
        _claim_through(access, invoice, state)
        invoice.refresh_from_db()
        if state in ("paid", "resubmitted") and invoice.balance > 0:
            _pay(access, invoice, invoice.balance, "debit", next(keys))
    words = {
        "resubmitted": "one denied then resubmitted and paid",
        "denied": "one denied (to act on)",
        "submitted": "two awaiting the insurer",
        "draft": "one draft to submit",
    }
    waiting = "; ".join(words[s] for s in dict.fromkeys(states) if s in words)
    insurer = primary.insurer.name
    return f"{patient.display_name}: insured ({insurer}, {plan.label}); claims paid; {waiting}"


def _uninsured(
    access: Access, patient: Patient, invoices: list[Invoice], keys: Any, *, uninsured_index: int
) -> str:
    """Pays at the desk; the last few invoices show a partial payment, an unpaid balance, a
    goodwill credit and a small balance written off, for the receivables report."""
    methods = ("debit", "credit_card", "cash", "e_transfer")
    for number, invoice in enumerate(invoices[:-4]):
        _pay(access, invoice, invoice.balance, methods[number % len(methods)], next(keys))
    tail = invoices[-4:]
    if len(tail) == 4:
        half = (tail[0].balance / 2).quantize(Decimal("0.01"))
        _pay(access, tail[0], half, "cash", next(keys))
        credit_apply(
            access=access,
            invoice_id=tail[1].pk,
            amount="10.00",
            reason="Goodwill: the session started late",
            idempotency_key=next(keys),
        )
        _pay(access, tail[1], tail[1].balance - Decimal("10.00"), "debit", next(keys))
        write_off(
            access=access,
            invoice_id=tail[2].pk,
            amount="5.00",
            reason="Small balance not worth collecting",
            idempotency_key=next(keys),
        )
    return (
        f"{patient.display_name}: no insurance; pays at the desk, with a partly paid and an "
        "unpaid invoice"
    )


def _policies_without_visits(
    access: Access, clinic: Clinic, *, exclude: set[int], today: dt.date
) -> None:
    """A few more insured patients, so the insurance pages are not all empty."""
    others = Patient.objects.filter(clinic=clinic).exclude(pk__in=exclude).order_by("pk")[:4]
    for number, patient in enumerate(others):
        plan = PLANS[number % len(PLANS)]
        _policy(access, patient, plan, rank=1, effective_on=today - dt.timedelta(days=200))


def _counted(access: Access, day: dt.date) -> Decimal:
    """The till counted right: the cash the day's takings expect."""
    return takings(access=access, business_date=day, location_id=None).cash_expected


def demo_billing_reset(clinics: QuerySet[Clinic]) -> None:
    """Billing rows refuse ``delete()`` one by one; the demo removes them wholesale."""
    ClaimEvent.objects.filter(claim__clinic__in=clinics).delete()
    CoverageUsage.objects.filter(clinic__in=clinics).delete()
    Claim.objects.filter(clinic__in=clinics, resubmission_of__isnull=False).delete()
    Claim.objects.filter(clinic__in=clinics).delete()
    Policy.objects.filter(clinic__in=clinics).delete()
    InsurerConnection.objects.filter(clinic__in=clinics).delete()
    DailyClose.objects.filter(clinic__in=clinics).delete()
    Payment.objects.filter(clinic__in=clinics, refund_of__isnull=False).delete()
    Payment.objects.filter(clinic__in=clinics).delete()
    CreditNote.objects.filter(clinic__in=clinics).delete()
    WriteOff.objects.filter(clinic__in=clinics).delete()
    InvoiceLine.objects.filter(invoice__clinic__in=clinics).delete()
    Invoice.objects.filter(clinic__in=clinics).delete()
    InvoiceSequence.objects.filter(clinic__in=clinics).delete()
    Service.objects.filter(clinic__in=clinics).delete()
