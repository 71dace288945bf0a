"""The demo clinic: every state the product can show, built once, then reset to the same.

Building the demo takes seconds, so one test builds it once, checks each area's states
(``_check_...`` below, one per area), resets it once, and checks that the rebuild is the same.
"""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from filiform.accounts.models import User
from filiform.charting.codes import VisitStatus
from filiform.clinics.access import Access
from filiform.clinics.models import Clinic, Membership
from filiform.demo.clinic import DEMO_PASSWORD
from filiform.demo.people import synthetic_patients
from filiform.patients.models import Patient

pytestmark = pytest.mark.django_db


def _access(email: str) -> Access:
    member = Membership.objects.get(user__email=email, clinic__slug="riverside")
    return Access(user=member.user, membership=member)


def _patients() -> list[tuple]:
    return sorted(
        Patient.objects.filter(clinic__slug="riverside").values_list(
            "family_name", "given_names", "birth_date"
        )
    )


def _history() -> list[tuple]:
    from filiform.charting.models import Insertion

    return list(
        Insertion.objects.filter(session__visit__clinic__slug="riverside")
        # Two patients' visits can start at the same minute: break the tie by patient, so the
        # order is total (PostgreSQL returns tied rows in any order).
        .order_by(
            "session__visit__started_at",
            "session__visit__patient__family_name",
            "session__visit__patient__given_names",
            "session__visit__patient__birth_date",
            "order",
        )
        .values_list(
            "session__visit__patient__family_name",
            "muscle",
            "side",
            "needle_diameter_mm",
            "depth_mm",
        )
    )


def _measures() -> list[str]:
    from filiform.outcomes.models import Measurement

    return sorted(
        map(
            str,
            Measurement.objects.filter(clinic__slug="riverside").values_list("instrument", "value"),
        )
    )


def _money() -> list[tuple]:
    from filiform.billing.models import Invoice
    from filiform.insurance.models import Claim

    invoices = Invoice.objects.filter(clinic__slug="riverside").order_by("number")
    claims = Claim.objects.filter(clinic__slug="riverside").order_by("invoice__number", "id")
    return [
        *invoices.values_list("number", "total", "paid", "insurer_paid", "balance", "status"),
        *claims.values_list("invoice__number", "sequence", "status", "outcome", "paid_amount"),
    ]


def _check_clinic_and_staff(out: str) -> None:
    assert "owner@demo.filiform.test" in out
    assert DEMO_PASSWORD in out
    riverside = Clinic.objects.get(slug="riverside")
    assert Patient.objects.filter(clinic=riverside).count() == 50
    roles = sorted(Membership.objects.filter(clinic=riverside).values_list("role", flat=True))
    assert roles == [
        "billing",
        "front_desk",
        "owner",
        "physiotherapist",
        "physiotherapist",
        "physiotherapist",
    ]
    assert Membership.objects.filter(user__email="owner@demo.filiform.test").count() == 2


def _check_consent_states() -> None:
    from filiform.consent.records import consent_status

    reasons = [
        consent_status(patient=p, on=dt.date.today()).reason.split(" ")[0:2]
        for p in Patient.objects.filter(clinic__slug="riverside").order_by("id")[:5]
    ]
    assert reasons == [
        ["Consent", "in"],
        ["Consent", "expired"],
        ["The", "patient"],
        ["Consent", "withdrawn"],
        ["No", "consent"],
    ]


def _check_clearance_states(out: str) -> None:
    from filiform.clearance.decision import Verdict, clearance_decide

    assert "lymphoedema of the left arm" in out
    access = _access("physio@demo.filiform.test")
    physio = access.membership
    patients = list(Patient.objects.filter(clinic__slug="riverside").order_by("id")[:10])

    def verdicts(index: int, *muscles: str) -> list[Verdict]:
        result = clearance_decide(
            access=access,
            patient_id=patients[index].pk,
            practitioner_id=physio.pk,
            muscles=list(muscles),
        )
        return [result.verdict, *(m.verdict for m in result.muscles)]

    assert verdicts(0, "deltoid:left") == [Verdict.GO, Verdict.GO]
    assert verdicts(1)[0] == Verdict.NO_GO  # consent expired
    assert verdicts(5, "iliopsoas:left", "deltoid:left") == [
        Verdict.NO_GO,
        Verdict.NO_GO,
        Verdict.CAUTION,
    ]
    assert verdicts(6, "deltoid:left") == [Verdict.CAUTION, Verdict.CAUTION]
    assert verdicts(7, "deltoid:left", "deltoid:right")[1:] == [Verdict.NO_GO, Verdict.GO]
    assert verdicts(8, "rhomboids:left")[1] == Verdict.NO_GO
    assert verdicts(9)[0] == Verdict.NO_GO  # screening lapsed


def _check_charted_visits(out: str) -> None:
    from filiform.anatomy.catalogue import muscle_catalogue
    from filiform.charting.models import (
        AdverseEvent,
        Insertion,
        NeedleIncident,
        NeedlingSession,
        Visit,
    )
    from filiform.charting.visits import content_sha256, visit_content

    assert "visits charted since" in out
    visits = Visit.objects.filter(clinic__slug="riverside")
    first = visits.order_by("started_at").first()
    assert first is not None
    assert timezone.now() - first.started_at > dt.timedelta(days=90)
    patients = set(visits.values_list("patient__given_names", "patient__family_name"))
    assert len(patients) == 5  # the cleared and caution patients of the clearance demo
    signed = list(visits.filter(status="signed"))
    assert len(signed) >= 40
    for visit in signed:
        assert visit.signed_content == visit_content(visit)
        assert visit.content_sha256 == content_sha256(visit.signed_content)
    # One unsigned note older than the clinic's 24 hours, one being charted now.
    drafts = visits.filter(status="draft")
    overdue = [v for v in drafts if timezone.now() - v.started_at > dt.timedelta(hours=24)]
    assert len(overdue) == 1
    assert overdue[0].practitioner.user.email == "ims@demo.filiform.test"
    assert drafts.count() == 2
    assert visits.filter(status=VisitStatus.ENTERED_IN_ERROR).count() == 1
    # Brady 2014: mild events in about 19% of sessions; at most one significant, none serious.
    sessions = NeedlingSession.objects.filter(visit__clinic__slug="riverside")
    assert sessions.filter(mode="gunn_ims", performer__user__email__startswith="ims@").exists()
    with_mild = sessions.filter(visit__adverse_events__severity="mild").distinct().count()
    assert 0.12 <= with_mild / sessions.count() <= 0.28
    events = AdverseEvent.objects.filter(visit__clinic__slug="riverside")
    kinds = [k for k in events.filter(severity="mild").values_list("kind", flat=True)]
    assert max(set(kinds), key=kinds.count) == "bruising"
    assert events.filter(severity="significant").count() <= 1
    assert not events.filter(severity="serious").exists()
    assert NeedleIncident.objects.filter(session__visit__clinic__slug="riverside").count() == 1
    for session in sessions:
        counted = session.needles_opened - session.needles_removed
        assert counted == (1 if hasattr(session, "incident") else 0)
        assert session.needles_opened == sum(i.needle_count for i in session.insertions.all())
    catalogue = muscle_catalogue()
    for insertion in Insertion.objects.filter(session__visit__clinic__slug="riverside"):
        limit = catalogue[insertion.muscle].max_depth_mm or insertion.needle_length_mm
        assert 0 < insertion.depth_mm <= min(limit, insertion.needle_length_mm)


def _check_supplies(out: str) -> None:
    from filiform.charting.models import Insertion
    from filiform.supplies.models import LotStock, NeedleLot, SharpsContainer, StockMovement
    from filiform.supplies.sharps import container_alerts, container_state
    from filiform.supplies.stock import recall_report

    riverside = Clinic.objects.get(slug="riverside")
    charted = Insertion.objects.filter(session__visit__clinic=riverside)
    assert charted.exists()
    assert not charted.filter(lot__isnull=True).exists()  # every demo insertion names its lot
    # The ledger adds up: received minus used is what is on the shelf, lot by lot.
    for lot in NeedleLot.objects.filter(clinic=riverside):
        moved = StockMovement.objects.filter(lot=lot).aggregate(n=Sum("change"))["n"]
        assert moved == LotStock.objects.filter(lot=lot).aggregate(n=Sum("quantity"))["n"]
    recalled = NeedleLot.objects.get(clinic=riverside, recalled_at__isnull=False)
    _lot, lines = recall_report(access=_access("owner@demo.filiform.test"), lot_id=recalled.pk)
    assert len(lines) >= 2
    assert f"its report lists {len(lines)} patients" in out
    assert sum(line.contacted for line in lines) == 1
    # The demo never charts a lot after its recall: every session that used a recalled lot
    # started before the recall (and the recall still reached patients).
    for insertion in charted.filter(lot__recalled_at__isnull=False).select_related(
        "lot", "session"
    ):
        assert insertion.lot is not None
        assert insertion.lot.recalled_at is not None
        assert insertion.session.started_at < insertion.lot.recalled_at, insertion.session_id
    # The recall is an open safety alert on the dashboard.
    from filiform.notices.models import SafetyAlert

    alert = SafetyAlert.objects.get(clinic=riverside, kind="lot_recall")
    assert alert.acknowledged_at is None
    assert alert.object_id == str(recalled.pk)
    states = {container_state(c).value for c in SharpsContainer.objects.filter(clinic=riverside)}
    assert states == {"in_use", "sealed", "picked_up"}
    owner = _access("owner@demo.filiform.test")
    reasons = " ".join(a.reason for a in container_alerts(access=owner, max_age_days=90))
    assert "80 % full" in reasons
    assert "Open for" in reasons


def _check_aftercare(out: str) -> None:
    from filiform.aftercare.follow_up import follow_up_queue
    from filiform.aftercare.models import CheckIn, Delivery, RedFlagAlert
    from filiform.aftercare.triage import answers_of_response

    assert "RED FLAG open" in out
    riverside = Clinic.objects.get(slug="riverside")
    red = RedFlagAlert.objects.get(clinic=riverside, level="red", resolved_at__isnull=True)
    assert red.reasons == ["breathing_after_thorax"]
    assert red.check_in is not None
    assert red.check_in.thorax_needled
    assert RedFlagAlert.objects.filter(clinic=riverside, level="amber").exists()
    statuses = set(CheckIn.objects.filter(clinic=riverside).values_list("status", flat=True))
    assert {"answered", "sent", "call"} <= statuses
    for check_in in CheckIn.objects.filter(clinic=riverside, status="answered"):
        assert check_in.response is not None
        answers_of_response(check_in.response)  # a stored answer reads back
    assert Delivery.objects.filter(clinic=riverside, status="in_person").exists()
    queue = follow_up_queue(access=_access("frontdesk@demo.filiform.test"))
    assert {item.why for item in queue} == {"no_email", "no_answer"}


def _check_measures(out: str) -> None:
    from filiform.outcomes.models import Measurement
    from filiform.outcomes.selectors import patient_progress

    assert "not scorable (too many items skipped)" in out
    riverside = Clinic.objects.get(slug="riverside")
    access = _access("owner@demo.filiform.test")
    patients = set(Measurement.objects.filter(clinic=riverside).values_list("patient", flat=True))
    assert len(patients) >= 3
    reached: list[bool | None] = []
    questionnaires: set[str] = set()
    unscorable = 0
    for patient_id in sorted(patients):
        progress = patient_progress(access=access, patient_id=patient_id)
        series = {s.instrument.value: s for s in progress.series}
        nprs = series["nprs"]
        first, last = nprs.points[0].taken_at, nprs.points[-1].taken_at
        assert last - first > dt.timedelta(days=60)  # months of measures
        reached.append(nprs.reached_mcid)
        assert "rom" in series
        questionnaires |= set(series) & {"ndi", "odi", "quickdash", "lefs"}
        unscorable += sum(not p.scorable for s in progress.series for p in s.points)
        for s in progress.series:
            for p in s.points:
                assert p.scorable == (p.value is not None)
    assert True in reached
    assert False in reached
    assert {"ndi", "odi"} <= questionnaires  # by the episode's condition
    assert unscorable == 1
    assert not Measurement.objects.filter(clinic=riverside, visit__isnull=True).exists()


def _check_billing(out: str) -> None:
    from filiform.billing.models import DailyClose, Invoice
    from filiform.billing.selectors import invoice_check
    from filiform.charting.models import Visit
    from filiform.insurance.models import Claim, CoverageUsage, Policy

    assert "insured (" in out
    assert "no insurance" in out
    riverside = Clinic.objects.get(slug="riverside")
    signed = Visit.objects.filter(clinic=riverside, status="signed")
    invoices = Invoice.objects.filter(clinic=riverside).exclude(status="void")
    assert sorted(invoices.values_list("visit", flat=True)) == sorted(
        signed.values_list("pk", flat=True)
    )  # every signed visit is invoiced, once
    for invoice in invoices:
        assert invoice_check(invoice) == []  # every invoice balances
    assert {"paid", "issued"} <= set(invoices.values_list("status", flat=True))
    assert invoices.filter(insurer_paid__gt=0, balance=0).exists()  # insurer and patient paid
    assert invoices.filter(paid=0, insurer_paid=0, balance__gt=0).exists()  # unpaid
    billed = set(signed.values_list("patient", flat=True))
    insured = set(Policy.objects.filter(patient__in=billed).values_list("patient", flat=True))
    assert insured  # insured patients
    assert billed - insured  # and uninsured ones
    claims = Claim.objects.filter(clinic=riverside)
    assert set(claims.values_list("status", flat=True)) == {
        "draft",
        "submitted",
        "adjudicated",
        "closed",
    }
    assert {"paid", "partly_paid", "denied"} <= set(claims.values_list("outcome", flat=True))
    assert claims.filter(resubmission_of__isnull=False, outcome="paid").exists()
    assert claims.filter(sequence=2, status="closed").exists()  # coordination of benefits
    assert not claims.filter(registration_number="").exists()
    days = CoverageUsage.objects.filter(clinic=riverside).values_list("date_of_service", flat=True)
    assert max(days) - min(days) > dt.timedelta(days=300)  # a year of usage
    assert DailyClose.objects.filter(clinic=riverside).exists()


def test_demo_builds_every_state_and_resets_to_the_same(capsys) -> None:
    call_command("demo")
    out = capsys.readouterr().out
    _check_clinic_and_staff(out)
    _check_clearance_states(out)
    _check_charted_visits(out)
    _check_supplies(out)
    _check_aftercare(out)
    _check_measures(out)
    _check_billing(out)
    call_command("demo")
    assert "already present" in capsys.readouterr().out
    assert Patient.objects.filter(clinic__slug="riverside").count() == 50

    before = (_patients(), _history(), _measures(), _money())
    call_command("demo", "--reset")  # everything removed first, in order, then rebuilt
    out = capsys.readouterr().out
    assert (_patients(), _history(), _measures(), _money()) == before  # deterministic
    assert User.objects.get(email="owner@demo.filiform.test").check_password(DEMO_PASSWORD)
    _check_consent_states()  # the rebuild removed and recreated the consent records
    _check_clearance_states(out)  # and the screenings and episodes
    _check_supplies(out)
    _check_billing(out)


def test_synthetic_people_are_deterministic_and_fictional() -> None:
    people = synthetic_patients(200, seed=7)
    assert people == synthetic_patients(200, seed=7)
    assert sum(p.family_name == "Smith" for p in people) == 4
    assert all("-555-01" in p.phone and p.email.endswith(".test") for p in people)
