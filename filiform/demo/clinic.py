"""Build (or rebuild) the demo clinics. Later features add their own demo steps to DEMO_STEPS."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from filiform.accounts.models import ApiToken, User
from filiform.clinics.models import Clinic, Location, Membership, Province, Role
from filiform.clinics.records import kept_records_removed
from filiform.demo.people import synthetic_patients
from filiform.patients.models import Patient

DEMO_PASSWORD = "needling-demo-2026"  # noqa: S105  (printed for the demo; never a real account)
DEMO_DOMAIN = "demo.filiform.test"
DEMO_PATIENTS = 50
DEMO_SLUGS = ("riverside", "lakeshore")


@dataclass(frozen=True)
class DemoStaff:
    key: str
    given: str
    family: str
    role: Role
    note: str = ""
    also_at_lakeshore: bool = False

    @property
    def email(self) -> str:
        return f"{self.key}@{DEMO_DOMAIN}"


DEMO_STAFF = (
    DemoStaff(
        "owner", "Morgan", "Reyes", Role.OWNER, "clinic owner, also works at Lakeshore", True
    ),
    DemoStaff(
        "physio",
        "Sam",
        "Tremblay",
        Role.PHYSIOTHERAPIST,
        "needling certified (Kinetacore level 2)",
        True,
    ),
    DemoStaff("ims", "Priya", "Natarajan", Role.PHYSIOTHERAPIST, "needling certified (Gunn IMS)"),
    DemoStaff("newgrad", "Jordan", "Lee", Role.PHYSIOTHERAPIST, "no needling credentials yet"),
    DemoStaff("frontdesk", "Alex", "Martin", Role.FRONT_DESK, "front desk"),
    DemoStaff("billing", "Casey", "Nguyen", Role.BILLING, "billing"),
)


@dataclass
class DemoResult:
    created: bool
    staff: tuple[DemoStaff, ...] = DEMO_STAFF
    patients: int = 0
    notes: list[str] = field(default_factory=list)


Progress = Callable[[str, int, int], None]
DemoStep = Callable[[Clinic, Progress], None]
DEMO_STEPS: list[DemoStep] = []


def _quiet(label: str, done: int, total: int) -> None:
    return None


@kept_records_removed("the demo clinics are rebuilt from scratch")
def demo_reset() -> None:
    """Remove the demo clinics and people. The audit log keeps its entries: it is append-only."""
    clinics = Clinic.objects.filter(slug__in=DEMO_SLUGS)
    from filiform.consent.models import ConsentRecord, ConsentTemplate
    from filiform.demo.aftercare import demo_aftercare_reset
    from filiform.demo.billing import demo_billing_reset
    from filiform.demo.outcomes import demo_outcomes_reset
    from filiform.demo.supplies import demo_ledger_reset, demo_supplies_reset
    from filiform.demo.visits import demo_visits_reset
    from filiform.patients.models import EpisodeOfCare
    from filiform.screening.models import MedicationCheck, RuleChoice, Screening

    demo_ledger_reset(clinics)  # the stock ledger points at insertions
    demo_billing_reset(clinics)  # invoices and claims point at visits and patients
    demo_aftercare_reset(clinics)  # aftercare points at visits and patients
    demo_outcomes_reset(clinics)  # measurements point at visits and episodes
    demo_visits_reset(clinics)  # charting rows hold consent records and screenings
    demo_supplies_reset(clinics)  # lots and containers hold locations
    MedicationCheck.objects.filter(screening__clinic__in=clinics).delete()
    Screening.objects.filter(clinic__in=clinics).delete()
    EpisodeOfCare.objects.filter(clinic__in=clinics).delete()
    RuleChoice.objects.filter(clinic__in=clinics).delete()
    ConsentRecord.objects.filter(clinic__in=clinics).delete()
    ConsentTemplate.objects.filter(clinic__in=clinics).delete()
    Patient.objects.filter(clinic__in=clinics).delete()
    ApiToken.objects.filter(clinic__in=clinics).delete()
    Membership.objects.filter(clinic__in=clinics).delete()
    Location.objects.filter(clinic__in=clinics).delete()
    clinics.delete()
    User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").delete()


@transaction.atomic
def demo_build(*, reset: bool = False, seed: int = 2026, progress: Progress = _quiet) -> DemoResult:
    if Clinic.objects.filter(slug=DEMO_SLUGS[0]).exists():
        if not reset:
            return DemoResult(
                created=False, patients=Patient.objects.filter(clinic__slug=DEMO_SLUGS[0]).count()
            )
        demo_reset()
    riverside = Clinic.objects.create(
        name="Riverside Physiotherapy (demo)",
        slug="riverside",
        street="100 Example Street",
        city="Ottawa",
        province=Province.ON,
        postal_code="K1A 0B1",
        phone="+1-613-555-0100",
        time_zone="America/Toronto",
        require_staff_two_factor=False,
    )
    Location.objects.create(
        clinic=riverside, name="Main clinic", city="Ottawa", province=Province.ON
    )
    Location.objects.create(
        clinic=riverside, name="Westboro satellite", city="Ottawa", province=Province.ON
    )
    lakeshore = Clinic.objects.create(
        name="Lakeshore Sports Physio (demo)",
        slug="lakeshore",
        city="Kingston",
        province=Province.ON,
        phone="+1-613-555-0150",
        time_zone="America/Toronto",
        require_staff_two_factor=False,
    )
    Location.objects.create(
        clinic=lakeshore, name="Lakeshore", city="Kingston", province=Province.ON
    )
    for person in DEMO_STAFF:
        user = User.objects.create_user(
            person.email, DEMO_PASSWORD, first_name=person.given, last_name=person.family
        )
        Membership.objects.create(user=user, clinic=riverside, role=person.role)
        if person.also_at_lakeshore:
            Membership.objects.create(user=user, clinic=lakeshore, role=person.role)
    owner = User.objects.get(email=DEMO_STAFF[0].email)
    people = synthetic_patients(DEMO_PATIENTS, seed=seed)
    Patient.objects.bulk_create(
        Patient(clinic=riverside, created_by=owner, **vars(p)) for p in people
    )
    progress("patients", len(people), len(people))
    for lakeshore_patient in synthetic_patients(8, seed=seed + 1):
        Patient.objects.create(clinic=lakeshore, created_by=owner, **vars(lakeshore_patient))
    notes = demo_records(riverside, seed=seed, progress=progress)
    return DemoResult(created=True, patients=len(people), notes=notes)


def demo_records(clinic: Clinic, *, seed: int = 2026, progress: Progress = _quiet) -> list[str]:
    """Every kind of record the demo shows, for ``clinic``'s patients: the demo staff's
    credentials, consents, clearance states, visits, aftercare, outcomes and billing. The demo
    staff must work at ``clinic`` and its patients exist. The clinic isolation test builds a
    second clinic like Riverside with it."""
    _demo_credentials(clinic)
    _demo_consents(clinic)
    from filiform.demo.clearance import demo_clearance_states

    notes = demo_clearance_states(clinic)
    from filiform.demo.visits import demo_visits

    notes += demo_visits(clinic, seed=seed, progress=progress)
    from filiform.demo.aftercare import demo_aftercare

    notes += demo_aftercare(clinic)
    from filiform.demo.outcomes import demo_outcomes

    notes += demo_outcomes(clinic, seed=seed)
    from filiform.demo.billing import demo_billing

    notes += demo_billing(clinic)
    for step in DEMO_STEPS:
        step(clinic, progress)
    return notes


def _demo_credentials(clinic: Clinic) -> None:
    """Sam (Kinetacore) and Priya (Gunn IMS) may needle; Jordan is registered but not rostered."""
    import datetime as dt

    from filiform.practitioners.models import (
        NeedlingAuthorization,
        NeedlingTraining,
        Registration,
        RegistrationStatus,
    )

    college = "College of Physiotherapists of Ontario"
    people = {
        "physio": ("KINETACORE", "kinetacore", "Functional Dry Needling level 2", "DEMO-1001"),
        "ims": ("GUNN", "ubc_gunn_ims", "Gunn IMS certificate", "DEMO-1002"),
        "newgrad": (None, "", "", "DEMO-1003"),
    }
    for key, (authorized, provider, level, number) in people.items():
        membership = Membership.objects.get(clinic=clinic, user__email=f"{key}@{DEMO_DOMAIN}")
        Registration.objects.create(
            membership=membership,
            province=Province.ON,
            college=college,
            number=number,
            status=RegistrationStatus.GENERAL,
            expires_on=dt.date(2027, 5, 31),
        )
        if authorized:
            NeedlingAuthorization.objects.create(
                membership=membership,
                kind="on_roster",
                granted_on=dt.date(2023, 3, 1),
                reference=f"roster {number}",
            )
            NeedlingTraining.objects.create(
                membership=membership,
                provider=provider,
                level=level,
                completed_on=dt.date(2022, 11, 5),
            )


def _demo_consents(clinic: Clinic) -> None:
    """The first demo patients in each consent state: in force, expired, declined, withdrawn;
    the rest have none yet."""
    import datetime as dt

    from django.utils import timezone

    from filiform.consent.models import ConsentTemplate
    from filiform.consent.templates_service import DEFAULT_BODY, DEFAULT_TITLE
    from filiform.demo.consents import demo_consent

    template = ConsentTemplate.objects.create(
        clinic=clinic,
        version=1,
        title=DEFAULT_TITLE,
        body=DEFAULT_BODY,
        change_note="Filiform's default text",
    )
    physio = User.objects.get(email=f"physio@{DEMO_DOMAIN}")
    now = timezone.now()
    states = [
        ("permit", now - dt.timedelta(days=30), 335, None),
        ("permit", now - dt.timedelta(days=400), -35, None),
        ("deny", now - dt.timedelta(days=10), 355, None),
        ("permit", now - dt.timedelta(days=60), 305, now - dt.timedelta(days=5)),
    ]
    patients = Patient.objects.filter(clinic=clinic).order_by("id")[: len(states)]
    for patient, (decision, signed_at, days_valid, withdrawn_at) in zip(
        patients, states, strict=False
    ):
        demo_consent(
            patient,
            template,
            physio,
            decision=decision,
            thorax=decision == "permit",
            signed_at=signed_at,
            valid_until=(now + dt.timedelta(days=days_valid)).date(),
            withdrawn_at=withdrawn_at,
        )
