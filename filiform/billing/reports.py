"""Billing reports for owners and billing staff (Permission.BILLING): receivables aging (what
patients and insurers owe, by age), claims outstanding (drafts not sent, claims the insurer has
not answered) and revenue by service and by practitioner with a monthly series.

Definitions (docs/billing-reports.md explains them with examples):

* Age is counted from the **date of service** to the report's ``as_of`` day, in whole days:
  0-30, 31-60, 61-90 and over 90. The date of service is the one date every invoice and claim
  carries, never moves, and is the date insurers count their own limits from; the issue date
  would restart the clock whenever an invoice is corrected and reissued.
* Amounts are the stored running totals as they stand when the report runs (an invoice's balance,
  a claim's status); ``as_of`` is the day ages are counted to, and leaves out invoices and claims
  whose date of service (claims: whose drafting) is after it.
* Insurer receivable: the claimed amount of each **submitted** claim (sent, not yet adjudicated)
  on an invoice that is not void. Patient receivable: each issued (or paid) invoice's balance
  minus what is awaiting an insurer on it, never below $0.00.
* Revenue: invoice lines of issued or paid invoices (void and drafts left out) whose date of
  service falls in the period. Charges are before sales tax (tax is shown apart: it is the
  government's); collected is what was received on those same invoices, whenever it arrived:
  patients' payments less refunds, and insurers' payments. Collected is spread over an invoice's
  lines in proportion to each line's amount with tax, to the cent, by largest remainder so the
  parts add up exactly to the invoice's.

Money is ``Decimal`` throughout and totals are sums of stored cents (never rounded again). Each
report is a fixed handful of queries however many invoices there are, and each read is audited
as a report read (no patient id: a report covers many patients).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.billing.models import Invoice, InvoiceLine, InvoiceStatus
from filiform.billing.money import CENT, ZERO
from filiform.billing.selectors import business_date_of, clinic_today
from filiform.clinics.access import Access, Permission

BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0-30", 30),
    ("31-60", 60),
    ("61-90", 90),
    ("over-90", None),
)
BUCKET_KEYS = tuple(key for key, _upper in BUCKETS)
TOP_PATIENTS = 10
MAX_SPAN_DAYS = 5 * 366  # a revenue period of at most five years
LIVE = (InvoiceStatus.ISSUED, InvoiceStatus.PAID)
NO_PRACTITIONER = "none"

# Insurer claims are insurance's, the app above billing: it registers where these reports read
# them (``register_claims_source`` in InsuranceConfig.ready), so billing does not import it.
# A source gives the clinic's claims in the statuses asked for, on invoices that are not void,
# with their invoice, patient and policy's insurer loaded. The statuses are insurance's
# ClaimStatus values (tests/billing/test_reports_claims.py pins them).
DRAFT, SUBMITTED = "draft", "submitted"
ClaimsSource = Callable[[Access, tuple[str, ...]], Iterable[Any]]
_claims_source: list[ClaimsSource] = []


def register_claims_source(source: ClaimsSource) -> None:
    _claims_source[:] = [source]


def _claims(access: Access, statuses: tuple[str, ...]) -> Iterable[Any]:
    """The clinic's insurer claims in ``statuses`` (none when no source is registered)."""
    return _claims_source[0](access, statuses) if _claims_source else ()


def bucket_label(key: str) -> str:
    return {
        "0-30": _("0–30 days"),
        "31-60": _("31–60 days"),
        "61-90": _("61–90 days"),
        "over-90": _("Over 90 days"),
    }[key]


def bucket_of(age_days: int) -> str:
    """The bucket of an age in whole days: 30 is still 0-30, 31 is 31-60."""
    for key, upper in BUCKETS:
        if upper is None or age_days <= upper:
            return key
    raise AssertionError("unreachable")  # pragma: no cover


def _zeros() -> dict[str, Decimal]:
    return dict.fromkeys(BUCKET_KEYS, ZERO)


def _require(access: Access) -> None:
    access.require(Permission.BILLING)


def _audit(access: Access, report: str, action: AuditAction, **detail: object) -> None:
    audit_access(
        access,
        action=action,
        object_type="billing_report",
        object_id=report,
        detail={k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in detail.items()},
    )


# --- receivables aging ---------------------------------------------------------------------


@dataclass(frozen=True)
class AgingRow:
    """One bucket: what patients and insurers owe for services that old."""

    key: str
    label: str
    patient: Decimal
    insurer: Decimal

    @property
    def total(self) -> Decimal:
        return self.patient + self.insurer


@dataclass(frozen=True)
class Debtor:
    """One insurer (or patient) and what it owes per bucket."""

    id: int
    name: str
    buckets: dict[str, Decimal]
    count: int  # claims awaiting the insurer, or invoices with a patient balance

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


@dataclass(frozen=True)
class Receivables:
    as_of: dt.date
    rows: list[AgingRow]
    by_insurer: list[Debtor]
    top_patients: list[Debtor]  # the TOP_PATIENTS owing most
    patients_owing: int

    @property
    def patient_total(self) -> Decimal:
        return sum((r.patient for r in self.rows), ZERO)

    @property
    def insurer_total(self) -> Decimal:
        return sum((r.insurer for r in self.rows), ZERO)

    @property
    def total(self) -> Decimal:
        return self.patient_total + self.insurer_total


def _age(as_of: dt.date, day: dt.date) -> int:
    return max((as_of - day).days, 0)


def receivables_aging(*, access: Access, as_of: dt.date | None = None) -> Receivables:
    """What is owed on ``as_of`` (default: the clinic's today), split between patients and
    insurers, by age of the date of service. Two queries."""
    _require(access)
    as_of = as_of or clinic_today(access.clinic)
    awaiting = [
        claim for claim in _claims(access, (SUBMITTED,)) if claim.invoice.date_of_service <= as_of
    ]
    patient = _zeros()
    insurer = _zeros()
    insurers: dict[int, tuple[str, dict[str, Decimal], list[int]]] = {}
    awaiting_on: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for claim in awaiting:
        # an insurer never pays more than the invoice's balance (the patient may have paid
        # part at the desk already): what is awaited is the claim, up to what is still owed
        left = max(claim.invoice.balance - awaiting_on[claim.invoice_id], ZERO)
        due = min(claim.claimed_amount, left)
        bucket = bucket_of(_age(as_of, claim.invoice.date_of_service))
        insurer[bucket] += due
        awaiting_on[claim.invoice_id] += due
        who = claim.policy.insurer
        _name, buckets, count = insurers.setdefault(who.pk, (who.name, _zeros(), [0]))
        buckets[bucket] += due
        count[0] += 1
    invoices = (
        Invoice.objects.of(access)
        .filter(status__in=LIVE, date_of_service__lte=as_of, balance__gt=0)
        .select_related("patient")
    )
    patients: dict[int, tuple[str, dict[str, Decimal], list[int]]] = {}
    for invoice in invoices:
        owed = invoice.balance - awaiting_on.get(invoice.pk, ZERO)
        if owed <= 0:
            continue
        bucket = bucket_of(_age(as_of, invoice.date_of_service))
        patient[bucket] += owed
        _name, buckets, count = patients.setdefault(
            invoice.patient_id, (invoice.patient.display_name, _zeros(), [0])
        )
        buckets[bucket] += owed
        count[0] += 1
    rows = [AgingRow(k, bucket_label(k), patient[k], insurer[k]) for k in BUCKET_KEYS]
    by_insurer = sorted(
        (Debtor(pk, name, b, c[0]) for pk, (name, b, c) in insurers.items()),
        key=lambda d: (-d.total, d.name, d.id),
    )
    owing = sorted(
        (Debtor(pk, name, b, c[0]) for pk, (name, b, c) in patients.items()),
        key=lambda d: (-d.total, d.name, d.id),
    )
    report = Receivables(as_of, rows, by_insurer, owing[:TOP_PATIENTS], len(owing))
    _audit(
        access,
        "receivables",
        AuditAction.READ,
        as_of=as_of,
        patients=len(owing),
        total=str(report.total),
    )
    return report


# --- claims outstanding --------------------------------------------------------------------


@dataclass(frozen=True)
class OutstandingClaim:
    claim_id: int
    invoice_id: int
    invoice_number: str
    status: str  # draft or submitted
    insurer_id: int
    insurer: str
    patient_id: int
    patient: str
    date_of_service: dt.date
    amount: Decimal
    since: dt.date  # drafted (draft) or submitted (submitted), clinic's calendar day
    days_waiting: int


@dataclass(frozen=True)
class InsurerClaims:
    insurer_id: int
    insurer: str
    drafts: int
    drafts_amount: Decimal
    submitted: int
    submitted_amount: Decimal

    @property
    def count(self) -> int:
        return self.drafts + self.submitted

    @property
    def amount(self) -> Decimal:
        return self.drafts_amount + self.submitted_amount


@dataclass(frozen=True)
class ClaimsOutstanding:
    as_of: dt.date
    claims: list[OutstandingClaim]  # oldest first
    by_insurer: list[InsurerClaims]

    def _of(self, status: str) -> list[OutstandingClaim]:
        return [c for c in self.claims if c.status == status]

    @property
    def drafts(self) -> int:
        return len(self._of(DRAFT))

    @property
    def drafts_amount(self) -> Decimal:
        return sum((c.amount for c in self._of(DRAFT)), ZERO)

    @property
    def submitted(self) -> int:
        return len(self._of(SUBMITTED))

    @property
    def submitted_amount(self) -> Decimal:
        return sum((c.amount for c in self._of(SUBMITTED)), ZERO)

    @property
    def amount(self) -> Decimal:
        return self.drafts_amount + self.submitted_amount


def claims_outstanding(*, access: Access, as_of: dt.date | None = None) -> ClaimsOutstanding:
    """Drafts not yet submitted and submitted claims not yet adjudicated, oldest first: a draft
    waits since it was drafted, a submitted claim since it was sent (clinic's calendar days, to
    ``as_of``). Claims drafted after ``as_of`` and claims on void invoices are left out. One
    query."""
    _require(access)
    clinic = access.clinic
    as_of = as_of or clinic_today(clinic)
    rows = _claims(access, (DRAFT, SUBMITTED))
    claims: list[OutstandingClaim] = []
    for claim in rows:
        drafted = business_date_of(clinic, claim.created_at)
        if drafted > as_of:
            continue
        sent = claim.submitted_at if claim.status == SUBMITTED else None
        since = business_date_of(clinic, sent) if sent is not None else drafted
        claims.append(
            OutstandingClaim(
                claim_id=claim.pk,
                invoice_id=claim.invoice_id,
                invoice_number=claim.invoice.display_number,
                status=claim.status,
                insurer_id=claim.policy.insurer_id,
                insurer=claim.policy.insurer.name,
                patient_id=claim.patient_id,
                patient=claim.patient.display_name,
                date_of_service=claim.date_of_service,
                amount=claim.claimed_amount,
                since=since,
                days_waiting=_age(as_of, since),
            )
        )
    claims.sort(key=lambda c: (-c.days_waiting, c.date_of_service, c.claim_id))
    names: dict[int, str] = {}
    counts: dict[tuple[int, str], int] = defaultdict(int)
    amounts: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for c in claims:
        names[c.insurer_id] = c.insurer
        counts[(c.insurer_id, c.status)] += 1
        amounts[(c.insurer_id, c.status)] += c.amount
    draft, submitted = DRAFT, SUBMITTED
    by_insurer = [
        InsurerClaims(
            pk,
            name,
            counts[(pk, draft)],
            amounts[(pk, draft)],
            counts[(pk, submitted)],
            amounts[(pk, submitted)],
        )
        for pk, name in names.items()
    ]
    by_insurer.sort(key=lambda i: (-i.amount, i.insurer, i.insurer_id))
    report = ClaimsOutstanding(as_of, claims, by_insurer)
    _audit(
        access,
        "claims_outstanding",
        AuditAction.READ,
        as_of=as_of,
        claims=len(claims),
        amount=str(report.amount),
    )
    return report


# --- revenue ---------------------------------------------------------------------------------


@dataclass
class RevenueGroup:
    """Charges and what was collected on them, for one service, practitioner or month."""

    key: str
    label: str
    count: int = 0  # units (services), invoices (practitioners, months)
    charges: Decimal = ZERO  # before tax
    tax: Decimal = ZERO
    patient_collected: Decimal = ZERO  # payments less refunds
    insurer_collected: Decimal = ZERO

    @property
    def collected(self) -> Decimal:
        return self.patient_collected + self.insurer_collected


@dataclass(frozen=True)
class Revenue:
    start: dt.date
    end: dt.date
    invoices: int
    by_service: list[RevenueGroup]
    by_practitioner: list[RevenueGroup]
    monthly: list[RevenueGroup]  # every month of the period, empty ones included
    totals: RevenueGroup = field(default_factory=lambda: RevenueGroup("total", ""))
    outstanding: Decimal = ZERO  # the period's invoices' balances today


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``amount`` (whole cents) split in proportion to ``weights``: each part is floored to the
    cent, then the cents left over go one by one to the largest remainders (the first line on a
    tie), so the parts always add up to ``amount`` exactly. All-zero weights: evenly."""
    if not weights:
        return []
    total = sum(weights, ZERO)
    if total == 0:
        weights = [Decimal(1)] * len(weights)
        total = Decimal(len(weights))
    cents = int((amount / CENT).to_integral_value())
    exact = [Decimal(cents) * w / total for w in weights]
    floors = [int(e) if e >= 0 else -int(-e) for e in exact]  # toward zero
    left = cents - sum(floors)
    step = 1 if left >= 0 else -1
    order = sorted(range(len(weights)), key=lambda i: (-(abs(exact[i] - floors[i])), i))
    for i in order[: abs(left)]:
        floors[i] += step
    return [Decimal(f) * CENT for f in floors]


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve months: the first day of the month eleven months ago, to today."""
    months = max(today.year * 12 + today.month - 1 - 11, 12)  # never before year 1
    return dt.date(months // 12, months % 12 + 1, 1), today


def check_period(start: dt.date, end: dt.date) -> None:
    if start > end:
        raise ValidationError({"end": _("The end of the period is before its start.")})
    if (end - start).days >= MAX_SPAN_DAYS:
        raise ValidationError(
            {"start": _("A revenue report covers at most five years: choose a shorter period.")}
        )


def _months(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    first = start.year * 12 + start.month - 1
    last = end.year * 12 + end.month - 1
    return [(n // 12, n % 12 + 1) for n in range(first, last + 1)]


def _add(group: RevenueGroup, *, count: int, charges: Decimal, tax: Decimal) -> None:
    group.count += count
    group.charges += charges
    group.tax += tax


def _collect(group: RevenueGroup, patient: Decimal, insurer: Decimal) -> None:
    group.patient_collected += patient
    group.insurer_collected += insurer


def revenue(*, access: Access, start: dt.date | None = None, end: dt.date | None = None) -> Revenue:
    """Charges of issued and paid invoices whose date of service is in [start, end], by service,
    by practitioner (who charted the visit) and by month, with what was collected on them. One
    query."""
    _require(access)
    default_end = clinic_today(access.clinic)
    end = end or (max(default_end, start) if start else default_end)
    start = start or default_period(end)[0]
    check_period(start, end)
    lines: Iterable[InvoiceLine] = (
        InvoiceLine.objects.filter(
            invoice__in=Invoice.objects.of(access),
            invoice__status__in=LIVE,
            invoice__date_of_service__range=(start, end),
        )
        .select_related("service", "invoice__visit__practitioner__user")
        .order_by("invoice__date_of_service", "invoice_id", "order", "id")
    )
    by_invoice: dict[int, list[InvoiceLine]] = defaultdict(list)
    for line in lines:
        by_invoice[line.invoice_id].append(line)
    services: dict[str, RevenueGroup] = {}
    practitioners: dict[str, RevenueGroup] = {}
    months = {
        (y, m): RevenueGroup(f"{y:04d}-{m:02d}", f"{y:04d}-{m:02d}") for y, m in _months(start, end)
    }
    totals = RevenueGroup("total", _("Total"))
    outstanding = ZERO
    for invoice_lines in by_invoice.values():
        invoice = invoice_lines[0].invoice
        patient_paid = invoice.paid - invoice.refunded
        patient_parts = allocate(patient_paid, [x.amount + x.tax for x in invoice_lines])
        insurer_parts = allocate(invoice.insurer_paid, [x.amount + x.tax for x in invoice_lines])
        for line, from_patient, from_insurer in zip(
            invoice_lines, patient_parts, insurer_parts, strict=True
        ):
            service = services.setdefault(
                line.service.code, RevenueGroup(line.service.code, line.service.name)
            )
            service.label = line.service.name  # lines come by date: the latest version's name
            _add(service, count=line.quantity, charges=line.amount, tax=line.tax)
            _collect(service, from_patient, from_insurer)
        visit = invoice.visit
        if visit is not None:
            key, label = str(visit.practitioner_id), visit.practitioner.user.display_name
        else:
            key, label = NO_PRACTITIONER, _("Not from a visit")
        practitioner = practitioners.setdefault(key, RevenueGroup(key, label))
        month = months[(invoice.date_of_service.year, invoice.date_of_service.month)]
        for group in (practitioner, month, totals):
            _add(group, count=1, charges=invoice.subtotal, tax=invoice.tax)
            _collect(group, patient_paid, invoice.insurer_paid)
        outstanding += invoice.balance
    report = Revenue(
        start=start,
        end=end,
        invoices=len(by_invoice),
        by_service=sorted(services.values(), key=lambda g: (-g.charges, g.label, g.key)),
        by_practitioner=sorted(practitioners.values(), key=lambda g: (-g.charges, g.label, g.key)),
        monthly=list(months.values()),
        totals=totals,
        outstanding=outstanding,
    )
    _audit(
        access,
        "revenue",
        AuditAction.READ,
        start=start,
        end=end,
        invoices=report.invoices,
        charges=str(totals.charges),
    )
    return report
