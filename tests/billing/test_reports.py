"""Billing reports: receivables aging, claims outstanding and revenue, checked to the cent on one
set of books built through the billing services (claims as rows: their services are another
helper's), with the buckets' edges, void and draft invoices left out, the roles, another clinic,
the page with its charts and CSV, and the API with its bad inputs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from filiform.audit.models import AuditEntry
from filiform.billing.invoices import invoice_from_visit, invoice_void
from filiform.billing.models import Invoice, Service
from filiform.billing.payments import payment_record, refund_record
from filiform.billing.reports import (
    allocate,
    bucket_of,
    claims_outstanding,
    receivables_aging,
    revenue,
)
from filiform.charting.visits import visit_sign, visit_start
from filiform.clinics.access import AccessDenied
from filiform.clinics.models import Role
from filiform.insurance.models import Claim, ClaimOutcome, ClaimStatus, Insurer, Policy
from filiform.patients.models import Patient
from tests.aftercare.needled import cleared
from tests.billing.conftest import acting, key
from tests.clinical import access_for, membership
from tests.conftest import World, bearer, client_for
from tests.factories import MembershipFactory, PatientFactory, UserFactory

AS_OF = dt.date(2031, 6, 30)
START, END = dt.date(2031, 3, 1), dt.date(2031, 6, 30)
D = Decimal


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(17), tzinfo=dt.UTC)  # midday in Toronto


@dataclass
class Books:
    quill: Patient
    casey: Patient
    x: Insurer
    y: Insurer
    invoices: dict[str, Invoice]


def _bill(
    world: World,
    who: str,
    patient: Patient,
    day: dt.date,
    codes: list[str] | None = None,
    issue: bool = True,
) -> Invoice:
    with time_machine.travel(at(day), tick=False):
        clinician = acting(world, who)
        episode = patient.episodes.get()
        visit = visit_start(
            access=clinician,
            patient_id=patient.pk,
            episode_id=episode.pk,
            subjective="Review",
            assessment="Active trigger points reproduce the pain",
        )
        visit_sign(access=clinician, visit_id=visit.pk)
        return invoice_from_visit(
            access=acting(world, "fran"),
            visit_id=visit.pk,
            service_codes=codes or ["treat"],
            issue=issue,
        )


def _pay(world: World, invoice: Invoice, amount: str, day: dt.date) -> int:
    with time_machine.travel(at(day), tick=False):
        return payment_record(
            access=acting(world, "fran"),
            invoice_id=invoice.pk,
            amount=amount,
            method="cash",
            idempotency_key=key(),
        ).pk


def _policy(world: World, patient: Patient, insurer: Insurer, rank: int) -> Policy:
    return Policy.objects.create(
        clinic=world.clinic,
        patient=patient,
        insurer=insurer,
        rank=rank,
        group_number="G-1",
        member_id=f"M-{patient.pk}-{rank}",
        relationship="subscriber",
        effective_on=dt.date(2030, 1, 1),
        created_by=world.alice,
        updated_by=world.alice,
    )


def _claim(
    world: World,
    invoice: Invoice,
    policy: Policy,
    amount: str,
    *,
    status: str,
    drafted: dt.date,
    submitted: dt.date | None = None,
) -> Claim:
    visit = invoice.visit
    assert visit is not None
    return Claim.objects.create(
        clinic=world.clinic,
        invoice=invoice,
        patient=invoice.patient,
        policy=policy,
        sequence=policy.rank,
        channel="portal",
        status=status,
        outcome=ClaimOutcome.PAID if status == ClaimStatus.ADJUDICATED else "",
        paid_amount=D(amount) if status == ClaimStatus.ADJUDICATED else None,
        date_of_service=invoice.date_of_service,
        practitioner=visit.practitioner,
        practitioner_name="Bob Test",
        practitioner_designation="Registered Physiotherapist",
        registration_number="T-100",
        claimed_amount=D(amount),
        created_by=world.bill,
        created_at=at(drafted),
        submitted_at=at(submitted) if submitted else None,
    )


@pytest.fixture
def books(world: World, fees: dict[str, Service]) -> Books:
    """Five live invoices aged 0, 30, 31, 90 and 91 days on 30 June 2031, a void one and a
    draft; claims submitted, drafted and adjudicated."""
    quill = cleared(world)
    casey = cleared(world, PatientFactory.create(clinic=world.clinic, family_name="Synthfam"))
    a = _bill(world, "bob", quill, dt.date(2031, 6, 30))  # 95.00, age 0
    b = _bill(world, "bob", casey, dt.date(2031, 5, 31), ["assess", "tape"])  # 131.29, age 30
    c = _bill(world, "uma", quill, dt.date(2031, 5, 30))  # age 31
    d = _bill(world, "bob", casey, dt.date(2031, 4, 1))  # age 90
    e = _bill(world, "uma", quill, dt.date(2031, 3, 31))  # age 91
    f = _bill(world, "bob", quill, dt.date(2031, 6, 1))
    g = _bill(world, "bob", quill, dt.date(2031, 6, 15), issue=False)
    _pay(world, a, "20", dt.date(2031, 6, 30))
    _pay(world, b, "50", dt.date(2031, 6, 5))
    paid_d = _pay(world, d, "95", dt.date(2031, 4, 1))
    with time_machine.travel(at(dt.date(2031, 4, 10)), tick=False):
        refund_record(
            access=acting(world, "bill"),
            payment_id=paid_d,
            amount="10",
            reason="Overcharged",
            idempotency_key=key(),
        )
        invoice_void(access=acting(world, "bill"), invoice_id=f.pk, reason="Wrong patient")
    x, y = Insurer.objects.order_by("code")[:2]
    casey_x = _policy(world, casey, x, 1)
    quill_y, quill_x = _policy(world, quill, y, 1), _policy(world, quill, x, 2)
    submitted = ClaimStatus.SUBMITTED
    _claim(
        world,
        b,
        casey_x,
        "100",
        status=submitted,
        drafted=b.date_of_service,
        submitted=dt.date(2031, 6, 2),
    )
    _claim(
        world,
        c,
        quill_y,
        "60",
        status=submitted,
        drafted=c.date_of_service,
        submitted=dt.date(2031, 5, 31),
    )
    _claim(world, c, quill_x, "35", status=ClaimStatus.DRAFT, drafted=dt.date(2031, 6, 20))
    _claim(
        world,
        e,
        quill_y,
        "40",
        status=ClaimStatus.ADJUDICATED,
        drafted=e.date_of_service,
        submitted=e.date_of_service,
    )
    _claim(
        world,
        f,
        quill_x,
        "50",
        status=submitted,
        drafted=f.date_of_service,
        submitted=f.date_of_service,
    )
    # drafted after the as-of day: left out of claims outstanding on 30 June
    _claim(world, a, quill_y, "70", status=ClaimStatus.DRAFT, drafted=dt.date(2031, 7, 2))
    for invoice in (a, b, c, d, e, f, g):
        invoice.refresh_from_db()
    return Books(quill, casey, x, y, dict(zip("abcdefg", (a, b, c, d, e, f, g), strict=True)))


def test_receivables_aging_to_the_cent(world: World, books: Books) -> None:
    bill = acting(world, "bill")
    report = receivables_aging(access=bill, as_of=AS_OF)
    rows = {r.key: (r.patient, r.insurer) for r in report.rows}
    # a: 95 - 20 = 75 (age 0); b: 131.29 - 50 = 81.29 owed, and insurer x is asked for 100:
    # x can pay no more than the 81.29 still owed, so x 81.29 (age 30: still 0-30) and the
    # patient 0; c: 95 of which 60 awaits
    # insurer y (the draft to x is not awaiting): patient 35, y 60 (age 31); d: 95 paid, 10
    # refunded: 10 (age 90); e: 95 (age 91; its claim is adjudicated). f void, g draft.
    assert rows == {
        "0-30": (D("75.00"), D("81.29")),
        "31-60": (D("35.00"), D("60.00")),
        "61-90": (D("10.00"), D("0.00")),
        "over-90": (D("95.00"), D("0.00")),
    }
    assert (report.patient_total, report.insurer_total, report.total) == (
        D("215.00"),
        D("141.29"),
        D("356.29"),
    )
    assert [
        (i.name, i.buckets["0-30"], i.buckets["31-60"], i.count) for i in report.by_insurer
    ] == [
        (books.x.name, D("81.29"), D("0.00"), 1),
        (books.y.name, D("0.00"), D("60.00"), 1),
    ]
    assert [(p.id, p.total, p.count) for p in report.top_patients] == [
        (books.quill.pk, D("205.00"), 3),
        (books.casey.pk, D("10.00"), 1),
    ]
    assert report.patients_owing == 2
    # one day later every age moves: a is 1 day, b 31, d 91
    later = receivables_aging(access=bill, as_of=AS_OF + dt.timedelta(days=1))
    assert {r.key: (r.patient, r.insurer) for r in later.rows} == {
        "0-30": (D("75.00"), D("0.00")),
        "31-60": (D("35.00"), D("141.29")),
        "61-90": (D("0.00"), D("0.00")),
        "over-90": (D("105.00"), D("0.00")),
    }
    # a day earlier, a (served on 30 June) is not owed yet
    earlier = receivables_aging(access=bill, as_of=AS_OF - dt.timedelta(days=1))
    assert earlier.patient_total == D("140.00")
    assert [bucket_of(n) for n in (0, 30, 31, 60, 61, 90, 91)] == [
        "0-30",
        "0-30",
        "31-60",
        "31-60",
        "61-90",
        "61-90",
        "over-90",
    ]
    entry = AuditEntry.objects.filter(object_type="billing_report").first()
    assert entry is not None
    assert (entry.action, entry.object_id, entry.actor_email) == (
        "read",
        "receivables",
        "bill@clinic.test",
    )


def test_claims_outstanding_oldest_first(world: World, books: Books) -> None:
    report = claims_outstanding(access=acting(world, "alice"), as_of=AS_OF)
    assert [(c.invoice_id, c.status, c.amount, c.since, c.days_waiting) for c in report.claims] == [
        (books.invoices["c"].pk, "submitted", D("60.00"), dt.date(2031, 5, 31), 30),
        (books.invoices["b"].pk, "submitted", D("100.00"), dt.date(2031, 6, 2), 28),
        (books.invoices["c"].pk, "draft", D("35.00"), dt.date(2031, 6, 20), 10),
    ]
    assert report.claims[0].patient == books.quill.display_name
    assert report.claims[0].insurer == books.y.name
    assert [
        (i.insurer, i.drafts, i.drafts_amount, i.submitted, i.submitted_amount, i.amount)
        for i in report.by_insurer
    ] == [
        (books.x.name, 1, D("35.00"), 1, D("100.00"), D("135.00")),
        (books.y.name, 0, D("0.00"), 1, D("60.00"), D("60.00")),
    ]
    assert (report.drafts, report.submitted, report.amount) == (1, 2, D("195.00"))
    # a week later the draft drafted on 2 July is outstanding too
    later = claims_outstanding(access=acting(world, "bill"), as_of=dt.date(2031, 7, 7))
    assert [c.days_waiting for c in later.claims] == [37, 35, 17, 5]


def test_revenue_by_service_practitioner_and_month(world: World, books: Books) -> None:
    report = revenue(access=acting(world, "bill"), start=START, end=END)
    assert report.invoices == 5
    t = report.totals
    assert (t.count, t.charges, t.tax, t.patient_collected, t.insurer_collected) == (
        5,
        D("509.99"),
        D("1.30"),
        D("155.00"),  # 20 + 50 + (95 - 10)
        D("0.00"),
    )
    assert report.outstanding == D("356.29")  # 75 + 81.29 + 95 + 10 + 95
    # b's $50 is spread over its lines by their amount with tax: 120.00 and 11.29 of 131.29
    assert [(g.key, g.count, g.charges, g.tax, g.collected) for g in report.by_service] == [
        ("treat", 4, D("380.00"), D("0.00"), D("105.00")),
        ("assess", 1, D("120.00"), D("0.00"), D("45.70")),
        ("tape", 1, D("9.99"), D("1.30"), D("4.30")),
    ]
    bob, uma = membership(world.bob, world.clinic), membership(world.uma, world.clinic)
    assert [(g.key, g.label, g.count, g.charges, g.collected) for g in report.by_practitioner] == [
        (str(bob.pk), world.bob.display_name, 3, D("319.99"), D("155.00")),
        (str(uma.pk), world.uma.display_name, 2, D("190.00"), D("0.00")),
    ]
    assert [(m.key, m.count, m.charges, m.collected) for m in report.monthly] == [
        ("2031-03", 1, D("95.00"), D("0.00")),
        ("2031-04", 1, D("95.00"), D("85.00")),
        ("2031-05", 2, D("224.99"), D("50.00")),
        ("2031-06", 1, D("95.00"), D("20.00")),
    ]
    # the parts always add up exactly, whatever the weights
    assert allocate(D("0.01"), [D("1"), D("1"), D("1")]) == [D("0.01"), D("0.00"), D("0.00")]
    assert sum(allocate(D("100.00"), [D("33.33"), D("33.33"), D("33.34")])) == D("100.00")
    assert allocate(D("5.00"), [D("0"), D("0")]) == [D("2.50"), D("2.50")]
    with pytest.raises(ValidationError) as backwards:
        revenue(access=acting(world, "bill"), start=END, end=START)
    assert "end" in backwards.value.message_dict
    with pytest.raises(ValidationError) as too_long:
        revenue(access=acting(world, "bill"), start=dt.date(2020, 1, 1), end=END)
    assert "five years" in too_long.value.message_dict["start"][0]


def test_queries_stay_bounded(world: World, books: Books, django_assert_max_num_queries) -> None:
    """A fixed handful of queries (the rows, then the audit entry) whatever the number of
    invoices, claims and lines."""
    bill = acting(world, "bill")
    with django_assert_max_num_queries(8):
        receivables_aging(access=bill, as_of=AS_OF)
    with django_assert_max_num_queries(8):
        claims_outstanding(access=bill, as_of=AS_OF)
    with django_assert_max_num_queries(8):
        revenue(access=bill, start=START, end=END)


def test_who_may_see_the_reports(world: World, books: Books) -> None:
    fran = acting(world, "fran")
    for report in (receivables_aging, claims_outstanding, revenue):
        with pytest.raises(AccessDenied):
            report(access=fran)
    # the owner of another clinic sees only that clinic's (empty) books
    owner = UserFactory.create(email="owen@elsewhere.test")
    MembershipFactory.create(user=owner, clinic=world.other_clinic, role=Role.OWNER)
    elsewhere = access_for(owner, world.other_clinic)
    assert receivables_aging(access=elsewhere, as_of=AS_OF).total == D("0.00")
    assert claims_outstanding(access=elsewhere, as_of=AS_OF).claims == []
    assert revenue(access=elsewhere, start=START, end=END).invoices == 0
    url = reverse("billing_reports:reports", args=[world.clinic.slug])
    assert client_for(world.fran).get(url).status_code == 403
    assert client_for(world.bob).get(url).status_code == 403
    assert client_for(world.olga).get(url).status_code == 404
    assert (
        client_for(world.fran).get(url.replace("/reports/", "/reports/aging.csv")).status_code
        == 403
    )
    headers = bearer(world.fran, world.clinic)
    assert client_for(world.fran).get("/api/v1/reports/revenue", **headers).status_code == 403


def test_the_page_its_charts_and_csv(world: World, books: Books) -> None:
    client = client_for(world.bill)
    url = reverse("billing_reports:reports", args=[world.clinic.slug])
    query = {"as_of": "2031-06-30", "start": "2031-03-01", "end": "2031-06-30"}
    page = client.get(url, query)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("<svg") == 4
    for chart in ("aging", "service", "practitioner", "monthly"):
        assert f'data-chart="{chart}"' in html
        assert f'<title id="{chart}-title">' in html
        assert f'<desc id="{chart}-desc">' in html
    assert "Receivables aging on 2031-06-30: $356.29 owed" in html
    assert "0–30 days, insurers: $81.29" in html  # a bar's own label
    assert "Dry needling" not in html  # no IMS line was billed
    assert "$509.99" in html
    assert books.quill.display_name in html
    csv = client.get(reverse("billing_reports:csv", args=[world.clinic.slug, "aging"]), query)
    assert csv.status_code == 200
    assert csv["Content-Disposition"] == 'attachment; filename="aging-2031-06-30.csv"'
    lines = csv.content.decode().splitlines()
    assert lines[1] == "0–30 days,75.00,81.29,156.29"
    assert lines[-1] == "Total,215.00,141.29,356.29"
    services = client.get(
        reverse("billing_reports:csv", args=[world.clinic.slug, "revenue-services"]), query
    ).content.decode()
    assert "Treatment,4,380.00,0.00,105.00,0.00,105.00" in services
    missing = client.get(reverse("billing_reports:csv", args=[world.clinic.slug, "nothing"]))
    assert missing.status_code == 404
    backwards = client.get(url, {"start": "2031-06-30", "end": "2031-03-01"})
    assert backwards.status_code == 200
    assert "The end of the period is before its start." in backwards.content.decode()


def test_the_api_and_its_bad_inputs(world: World, books: Books) -> None:
    client = client_for(world.bill)
    headers = bearer(world.bill, world.clinic)
    aging = client.get("/api/v1/reports/receivables?as_of=2031-06-30", **headers)
    assert aging.status_code == 200
    body = aging.json()
    assert (body["patient_total"], body["insurer_total"], body["total"]) == (
        "215.00",
        "141.29",
        "356.29",
    )
    assert body["buckets"][0] == {
        "bucket": "0-30",
        "label": "0–30 days",
        "patient": "75.00",
        "insurer": "81.29",
        "total": "156.29",
    }
    claims = client.get("/api/v1/reports/claims-outstanding?as_of=2031-06-30", **headers).json()
    assert [(c["amount"], c["days_waiting"]) for c in claims["claims"]] == [
        ("60.00", 30),
        ("100.00", 28),
        ("35.00", 10),
    ]
    money = client.get("/api/v1/reports/revenue?start=2031-03-01&end=2031-06-30", **headers)
    assert money.status_code == 200
    assert money.json()["totals"]["charges"] == "509.99"
    assert [m["key"] for m in money.json()["monthly"]] == [
        "2031-03",
        "2031-04",
        "2031-05",
        "2031-06",
    ]
    for bad, field in (
        ("start=2031-06-30&end=2031-03-01", "end"),
        ("start=2020-01-01&end=2031-06-30", "start"),
    ):
        refused = client.get(f"/api/v1/reports/revenue?{bad}", **headers)
        assert refused.status_code == 422, bad
        assert field in refused.json()["detail"], bad
    for bad in ("as_of=0", "as_of=2031-02-30", "as_of=yesterday"):
        assert client.get(f"/api/v1/reports/receivables?{bad}", **headers).status_code == 422
    assert client.get("/api/v1/reports/revenue?end=0001-01-01", **headers).status_code == 200
    assert client.get("/api/v1/reports/revenue?start=9999-12-31", **headers).status_code == 200
