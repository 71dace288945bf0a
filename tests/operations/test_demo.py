import pytest
from django.core.management import call_command

from filiform.accounts.models import User
from filiform.clinics.models import Clinic, Membership
from filiform.demo.clinic import DEMO_PASSWORD
from filiform.demo.people import synthetic_patients
from filiform.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_demo_builds_the_clinic_and_is_idempotent(capsys) -> None:
    call_command("demo")
    out = capsys.readouterr().out
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
    call_command("demo")
    assert "already present" in capsys.readouterr().out
    assert Patient.objects.filter(clinic=riverside).count() == 50


def test_demo_reset_rebuilds_the_same_patients() -> None:
    call_command("demo")
    first = sorted(
        Patient.objects.filter(clinic__slug="riverside").values_list(
            "family_name", "given_names", "birth_date"
        )
    )
    call_command("demo", "--reset")
    again = sorted(
        Patient.objects.filter(clinic__slug="riverside").values_list(
            "family_name", "given_names", "birth_date"
        )
    )
    assert first == again
    assert User.objects.get(email="owner@demo.filiform.test").check_password(DEMO_PASSWORD)


def test_synthetic_people_are_deterministic_and_fictional() -> None:
    people = synthetic_patients(200, seed=7)
    assert people == synthetic_patients(200, seed=7)
    assert sum(p.family_name == "Smith" for p in people) == 4
    assert all("-555-01" in p.phone and p.email.endswith(".test") for p in people)


def test_demo_has_patients_in_every_consent_state() -> None:
    import datetime as dt

    from filiform.consent.records import consent_status

    call_command("demo")
    call_command("demo", "--reset")  # a rebuild removes and recreates the consent records too
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


def test_demo_has_patients_in_every_clearance_state(capsys) -> None:
    from filiform.clearance.decision import Verdict, clearance_decide
    from filiform.clinics.access import Access

    call_command("demo")
    assert "lymphoedema of the left arm" in capsys.readouterr().out
    physio = Membership.objects.get(
        user__email="physio@demo.filiform.test", clinic__slug="riverside"
    )
    access = Access(user=physio.user, membership=physio)
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
    call_command("demo", "--reset")  # screenings and episodes are rebuilt too
    assert Patient.objects.filter(clinic__slug="riverside").count() == 50


def test_demo_has_months_of_charted_visits_signed_with_their_hash(capsys) -> None:
    import datetime as dt

    from django.utils import timezone

    from filiform.anatomy.catalogue import muscle_catalogue
    from filiform.charting.models import (
        AdverseEvent,
        Insertion,
        NeedleIncident,
        NeedlingSession,
        Visit,
    )
    from filiform.charting.visits import content_sha256, visit_content

    call_command("demo")
    assert "visits charted since" in capsys.readouterr().out
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
    assert visits.filter(status="entered_in_error").count() == 1
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


def test_demo_history_is_deterministic_keeps_clearance_and_resets() -> None:
    from filiform.charting.models import Insertion, Visit
    from filiform.clearance.decision import Verdict, clearance_decide
    from filiform.clinics.access import Access

    def history() -> list[tuple]:
        return list(
            Insertion.objects.filter(session__visit__clinic__slug="riverside")
            .order_by("session__visit__started_at", "order")
            .values_list(
                "session__visit__patient__family_name",
                "muscle",
                "side",
                "needle_diameter_mm",
                "depth_mm",
            )
        )

    call_command("demo")
    first = history()
    call_command("demo", "--reset")  # the charting rows go first, then the rest
    assert history() == first
    assert Visit.objects.filter(clinic__slug="riverside").count() > 40
    physio = Membership.objects.get(
        user__email="physio@demo.filiform.test", clinic__slug="riverside"
    )
    access = Access(user=physio.user, membership=physio)
    cleared = Patient.objects.filter(clinic__slug="riverside").order_by("id")[0]
    assert (
        clearance_decide(access=access, patient_id=cleared.pk, practitioner_id=physio.pk).verdict
        == Verdict.GO
    )


def test_demo_has_lots_a_recall_and_containers_in_every_state(capsys) -> None:
    from django.db.models import Sum

    from filiform.clinics.access import Access
    from filiform.supplies.models import LotStock, NeedleLot, SharpsContainer, StockMovement
    from filiform.supplies.sharps import container_alerts, container_state
    from filiform.supplies.stock import recall_report

    call_command("demo")
    riverside = Clinic.objects.get(slug="riverside")
    from filiform.charting.models import Insertion

    charted = Insertion.objects.filter(session__visit__clinic=riverside)
    assert charted.exists()
    assert not charted.filter(lot__isnull=True).exists()  # every demo insertion names its lot
    # The ledger adds up: received minus used is what is on the shelf, lot by lot.
    for lot in NeedleLot.objects.filter(clinic=riverside):
        moved = StockMovement.objects.filter(lot=lot).aggregate(n=Sum("change"))["n"]
        assert moved == LotStock.objects.filter(lot=lot).aggregate(n=Sum("quantity"))["n"]
    recalled = NeedleLot.objects.get(clinic=riverside, recalled_at__isnull=False)
    owner = Membership.objects.get(user__email="owner@demo.filiform.test", clinic=riverside)
    _lot, lines = recall_report(
        access=Access(user=owner.user, membership=owner), lot_id=recalled.pk
    )
    assert len(lines) >= 2
    assert f"its report lists {len(lines)} patients" in capsys.readouterr().out
    assert sum(line.contacted for line in lines) == 1
    states = {container_state(c).value for c in SharpsContainer.objects.filter(clinic=riverside)}
    assert states == {"in_use", "sealed", "picked_up"}
    reasons = " ".join(a.reason for a in container_alerts(clinic_id=riverside.pk, max_age_days=90))
    assert "80 % full" in reasons
    assert "Open for" in reasons
    call_command("demo", "--reset")
    assert (
        NeedleLot.objects.filter(clinic__slug="riverside", recalled_at__isnull=False).count() == 1
    )


def test_demo_has_aftercare_in_every_state(capsys) -> None:
    from filiform.aftercare.follow_up import follow_up_queue
    from filiform.aftercare.models import CheckIn, Delivery, RedFlagAlert
    from filiform.aftercare.triage import answers_of_response
    from filiform.clinics.access import Access

    call_command("demo")
    out = capsys.readouterr().out
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
    desk = Membership.objects.get(clinic=riverside, role="front_desk")
    queue = follow_up_queue(access=Access(user=desk.user, membership=desk))
    assert {item.why for item in queue} == {"no_email", "no_answer"}


def test_demo_has_months_of_measures_some_reaching_the_mcid(capsys) -> None:
    import datetime as dt

    from filiform.clinics.access import Access
    from filiform.outcomes.models import Measurement
    from filiform.outcomes.selectors import patient_progress

    call_command("demo")
    out = capsys.readouterr().out
    assert "not scorable (too many items skipped)" in out
    riverside = Clinic.objects.get(slug="riverside")
    owner = Membership.objects.get(user__email="owner@demo.filiform.test", clinic=riverside)
    access = Access(user=owner.user, membership=owner)
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

    before = sorted(
        map(str, Measurement.objects.filter(clinic=riverside).values_list("instrument", "value"))
    )
    call_command("demo", "--reset")
    riverside = Clinic.objects.get(slug="riverside")
    again = sorted(
        map(str, Measurement.objects.filter(clinic=riverside).values_list("instrument", "value"))
    )
    assert again == before  # deterministic, and the reset removed the old rows
