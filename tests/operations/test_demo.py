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
