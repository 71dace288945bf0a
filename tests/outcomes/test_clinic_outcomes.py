"""Clinic outcomes: share of episodes reaching the NPRS MCID by practitioner and region, change by
number of needling sessions, the CSV; numbers worked by hand from a small clinic's episodes.

The clinic (all NPRS, day 0 = a month ago at noon, clinic time):

====  =========  ==================================================  ======  ===  ========
ep.   who        what happens                                        change  MCID sessions
====  =========  ==================================================  ======  ===  ========
E1    Bob        8 on day 0; needled day 1 (upper trapezius) and     +4      yes  2
                 day 3 (upper trapezius, levator scapulae); 4 day 5
E2    Bob        6 on day 0; needled day 1 (gluteus medius); 5 on    +1      no   1
                 day 2; a 0 on day 4 entered in error
E3    Uma        5 on day 0; a visit without needling day 2; 3 day 4 +2      yes  0
E4    nobody     10 on day 0; 7 on day 6 (no visits)                 +3      yes  0
E5    Bob        one rating only: not counted
E6    Bob        4 on day 0; needled days 1, 2, 3 (gluteus medius);  +1      no   3
                 3 in the visit of day 4, needled after measuring
====  =========  ==================================================  ======  ===  ========
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from filiform.audit.models import AuditEntry
from filiform.charting.visits import visit_sign, visit_start
from filiform.clinics.access import Access, AccessDenied
from filiform.outcomes.clinic_outcomes import (
    NOT_NEEDLED,
    Bucket,
    EpisodeOutcome,
    Group,
    _by_sessions,
    change_by_needling_sessions,
    clinic_outcomes,
    clinic_outcomes_csv,
    csv_safe,
    nprs_mcid_share,
)
from filiform.outcomes.services import measurement_enter_in_error, measurement_record
from filiform.patients.models import Patient
from filiform.screening.services import screening_confirm_medications
from tests.aftercare.needled import cleared, needled_visit
from tests.clinical import access_for, screened
from tests.conftest import World
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

TORONTO = ZoneInfo("America/Toronto")
D = Decimal


def _day0() -> dt.datetime:
    today = dt.datetime.now(TORONTO).date() - dt.timedelta(days=30)
    return dt.datetime.combine(today, dt.time(12, 0), tzinfo=TORONTO)


class Clinic:
    """Builds the table above in time order, travelling to each day."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.day0 = _day0()
        self.patients: dict[str, Patient] = {}

    def at(self, day: int) -> dt.datetime:
        return self.day0 + dt.timedelta(days=day)

    def patient(self, name: str, *, needled: bool) -> Patient:
        patient = PatientFactory.create(clinic=self.world.clinic, family_name=f"Outcome{name}")
        if needled:
            cleared(self.world, patient)
        else:
            screened(patient, self.world.bob)
        self.patients[name] = patient
        return patient

    def nprs(self, name: str, rating: int, day: int, visit_id: int | None = None) -> int:
        m = measurement_record(
            access=access_for(self.world.bob, self.world.clinic),
            patient_id=self.patients[name].pk,
            instrument="nprs",
            answers={"rating": rating},
            taken_at=self.at(day),
            visit_id=visit_id,
        )
        return m.pk

    def needle(self, name: str, *muscles: str) -> int:
        # Needling needs the medications confirmed the same day.
        screening_confirm_medications(
            access=access_for(self.world.bob, self.world.clinic),
            patient_id=self.patients[name].pk,
        )
        return needled_visit(self.world, muscles, patient=self.patients[name]).pk


@pytest.fixture
def clinic(world: World) -> Clinic:
    c = Clinic(world)
    with time_machine.travel(c.day0, tick=False) as traveller:
        for name in ("E1", "E2", "E5", "E6"):
            c.patient(name, needled=True)
        for name in ("E3", "E4"):
            c.patient(name, needled=False)
        c.nprs("E1", 8, 0)
        c.nprs("E2", 6, 0)
        c.nprs("E3", 5, 0)
        c.nprs("E4", 10, 0)
        c.nprs("E5", 6, 0)
        c.nprs("E6", 4, 0)
        traveller.move_to(c.at(1))
        c.needle("E1", "upper_trapezius:left")
        c.needle("E2", "gluteus_medius:left")
        c.needle("E6", "gluteus_medius:right")
        traveller.move_to(c.at(2))
        c.nprs("E2", 5, 2)
        c.needle("E6", "gluteus_medius:right")
        uma = access_for(world.uma, world.clinic)
        episode = c.patients["E3"].episodes.get()
        visit = visit_start(
            access=uma,
            patient_id=c.patients["E3"].pk,
            episode_id=episode.pk,
            subjective="Sore",
            assessment="Active trigger points reproduce the pain",
        )
        visit_sign(access=uma, visit_id=visit.pk)
        traveller.move_to(c.at(3))
        c.needle("E1", "upper_trapezius:left", "levator_scapulae:left")
        c.needle("E6", "gluteus_medius:right")
        traveller.move_to(c.at(4))
        wrong = c.nprs("E2", 0, 4)
        measurement_enter_in_error(
            access=access_for(world.bob, world.clinic), measurement_id=wrong, reason="Typo"
        )
        c.nprs("E3", 3, 4)
        in_visit = c.needle("E6", "gluteus_medius:right")
        c.nprs("E6", 3, 4, visit_id=in_visit)
        traveller.move_to(c.at(5))
        c.nprs("E1", 4, 5)
        traveller.move_to(c.at(6))
        c.nprs("E4", 7, 6)
    return c


def owner(world: World) -> Access:
    return access_for(world.alice, world.clinic)


def _rows(groups: list[Group]) -> dict[str, tuple[int, int, Decimal, Decimal]]:
    return {g.label: (g.episodes, g.reached, g.share, g.mean_change) for g in groups}


def test_episodes_are_attributed_and_scored(clinic: Clinic, world: World) -> None:
    shares = nprs_mcid_share(access=owner(world))
    by_patient = {e.patient_id: e for e in shares.episodes}
    ids = {name: p.pk for name, p in clinic.patients.items()}
    assert set(by_patient) == {ids[n] for n in ("E1", "E2", "E3", "E4", "E6")}  # not E5
    e1, e2, e3, e4, e6 = (by_patient[ids[n]] for n in ("E1", "E2", "E3", "E4", "E6"))
    assert (e1.baseline, e1.latest, e1.change, e1.reached) == (D(8), D(4), D(4), True)
    assert (e2.baseline, e2.latest, e2.change, e2.reached) == (D(6), D(5), D(1), False)
    assert (e3.change, e3.reached, e4.change, e4.reached) == (D(2), True, D(3), True)
    assert (e6.change, e6.reached) == (D(1), False)  # 25 %: neither 2 points nor 30 %
    bob = world.bob.display_name
    assert [e.practitioner for e in (e1, e2, e3, e4, e6)] == [
        bob,
        bob,
        world.uma.display_name,
        "",
        bob,
    ]
    assert [e.region for e in (e1, e2, e3, e4, e6)] == [
        "head_neck",  # upper trapezius twice, levator scapulae once
        "pelvis_hip",
        NOT_NEEDLED,
        NOT_NEEDLED,
        "pelvis_hip",
    ]
    # E6: days 1, 2, 3 count; the day-4 visit needled after its rating was taken.
    assert [e.needling_sessions for e in (e1, e2, e3, e4, e6)] == [2, 1, 0, 0, 3]


def test_share_by_practitioner(clinic: Clinic, world: World) -> None:
    groups = nprs_mcid_share(access=owner(world)).by_practitioner
    assert groups[0].label == world.bob.display_name  # the most episodes first
    assert _rows(groups) == {
        # E1 +4 reached, E2 +1, E6 +1: 1 of 3, mean 6 / 3
        world.bob.display_name: (3, 1, D("33.3"), D("2.0")),
        world.uma.display_name: (1, 1, D("100.0"), D("2.0")),
        "No visits charted": (1, 1, D("100.0"), D("3.0")),
    }


def test_share_by_region(clinic: Clinic, world: World) -> None:
    groups = nprs_mcid_share(access=owner(world)).by_region
    assert _rows(groups) == {
        "Pelvis and hip": (2, 0, D("0.0"), D("1.0")),
        "Head and neck": (1, 1, D("100.0"), D("4.0")),
        "Not needled": (2, 2, D("100.0"), D("2.5")),  # E3 +2, E4 +3
    }
    assert groups[-1].key == NOT_NEEDLED


def test_change_by_needling_sessions(clinic: Clinic, world: World) -> None:
    buckets = change_by_needling_sessions(access=owner(world))
    assert [(b.sessions, b.episodes, b.mean_change) for b in buckets] == [
        ("0", 2, D("2.5")),  # E3, E4
        ("1", 1, D("1.0")),  # E2
        ("2", 1, D("4.0")),  # E1
        ("3", 1, D("1.0")),  # E6
        ("4", 0, None),
        ("5", 0, None),
        ("6+", 0, None),
    ]


def _outcome(sessions: int, change: int) -> EpisodeOutcome:
    at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    return EpisodeOutcome(
        episode_id=sessions,
        patient_id=1,
        practitioner_id=None,
        practitioner="",
        region=NOT_NEEDLED,
        region_label="Not needled",
        baseline_at=at,
        baseline=D(8),
        latest_at=at,
        latest=D(8 - change),
        change=D(change),
        reached=change >= 2,
        needling_sessions=sessions,
    )


def test_six_or_more_sessions_share_a_bucket_and_means_round_half_up() -> None:
    buckets = _by_sessions([_outcome(6, 3), _outcome(11, 4), _outcome(5, 1), _outcome(5, 2)])
    assert buckets[-1] == Bucket("6+", 2, D("3.5"))
    assert buckets[5] == Bucket("5", 2, D("1.5"))
    thirds = _by_sessions([_outcome(4, 1), _outcome(4, 1), _outcome(4, 2)])
    assert thirds[4] == Bucket("4", 3, D("1.3"))  # 4 / 3 = 1.333…


def test_the_period_reports_episodes_by_their_latest_rating(clinic: Clinic, world: World) -> None:
    day = clinic.at
    ids = {p.pk: name for name, p in clinic.patients.items()}
    # As of day 3 only E2 has two ratings (days 0 and 2); later ratings are not seen.
    early = clinic_outcomes(access=owner(world), until=day(3).date())
    assert [ids[e.patient_id] for e in early.episodes] == ["E2"]
    # From day 5: episodes whose latest rating is on day 5 or later.
    late = clinic_outcomes(access=owner(world), since=day(5).date())
    assert sorted(ids[e.patient_id] for e in late.episodes) == ["E1", "E4"]
    assert late.share == D("100.0")
    with pytest.raises(ValidationError):
        clinic_outcomes(access=owner(world), since=day(5).date(), until=day(3).date())


def test_only_the_owner_reads_clinic_outcomes(clinic: Clinic, world: World) -> None:
    for user in (world.bob, world.fran, world.bill):
        with pytest.raises(AccessDenied):
            clinic_outcomes(access=access_for(user, world.clinic))
        with pytest.raises(AccessDenied):
            clinic_outcomes_csv(access=access_for(user, world.clinic))


def test_reading_and_exporting_are_audited(clinic: Clinic, world: World) -> None:
    clinic_outcomes(access=owner(world))
    clinic_outcomes_csv(access=owner(world))
    entries = AuditEntry.objects.filter(object_type="clinic_outcomes").order_by("pk")
    assert [(e.action, e.object_id) for e in entries] == [("read", "report"), ("export", "csv")]
    assert entries[1].detail["episodes"] == 5


def test_another_clinic_sees_none_of_these_episodes(clinic: Clinic, world: World) -> None:
    from filiform.clinics.models import Role
    from tests.factories import MembershipFactory, UserFactory

    boss = UserFactory.create()
    MembershipFactory.create(user=boss, clinic=world.other_clinic, role=Role.OWNER)
    assert clinic_outcomes(access=access_for(boss, world.other_clinic)).episodes == []


def test_csv_has_one_row_per_episode_without_names(clinic: Clinic, world: World) -> None:
    text = clinic_outcomes_csv(access=owner(world))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 5
    e1 = next(r for r in rows if r["patient_id"] == str(clinic.patients["E1"].pk))
    assert e1 == {
        "episode_id": str(clinic.patients["E1"].episodes.get().pk),
        "patient_id": str(clinic.patients["E1"].pk),
        "practitioner": world.bob.display_name,
        "region": "Head and neck",
        "baseline_date": clinic.at(0).date().isoformat(),
        "baseline": "8",
        "latest_date": clinic.at(5).date().isoformat(),
        "latest": "4",
        "change": "4",
        "reached_mcid": "yes",
        "needling_sessions": "2",
    }
    for patient in clinic.patients.values():
        assert patient.family_name not in text


def test_csv_neutralises_formulas_in_text_cells(clinic: Clinic, world: World) -> None:
    world.bob.first_name, world.bob.last_name = '=HYPERLINK("http://x.invalid")', "-Evil"
    world.bob.save()
    text = clinic_outcomes_csv(access=owner(world))
    practitioners = {r["practitioner"] for r in csv.DictReader(io.StringIO(text))}
    assert '\'=HYPERLINK("http://x.invalid") -Evil' in practitioners
    assert not any(p[:1] in "=+-@" for p in practitioners if p)
    assert [csv_safe(t) for t in ("+1", "-2", "@a", "=b", "\tc", "ok", "")] == [
        "'+1",
        "'-2",
        "'@a",
        "'=b",
        "'\tc",
        "ok",
        "",
    ]


def test_the_page_shows_both_tables_and_downloads_the_csv(clinic: Clinic, world: World) -> None:
    from filiform.outcomes.views_clinic import clinic_outcomes_page

    def get(query: dict[str, str], user=world.alice):
        request = RequestFactory().get(f"/c/{world.clinic.slug}/outcomes/", query)
        request.user = user
        from django.contrib.messages.storage.fallback import FallbackStorage
        from django.contrib.sessions.backends.db import SessionStore

        request.session = SessionStore()
        request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
        return clinic_outcomes_page(request, clinic_slug=world.clinic.slug)

    page = get({}).content.decode()
    assert "1 of 3" not in page  # the summary counts all five episodes
    assert "3 of 5 episodes reached the MCID (60.0 %)." in page
    for shown in ("33.3 %", "Head and neck", "Not needled", "6+"):
        assert shown in page
    assert "format=csv" in page

    download = get({"since": clinic.at(5).date().isoformat(), "format": "csv"})
    assert download["Content-Type"].startswith("text/csv")
    assert "attachment" in download["Content-Disposition"]
    assert len(list(csv.DictReader(io.StringIO(download.content.decode())))) == 2

    bad = get({"since": clinic.at(5).date().isoformat(), "until": clinic.at(1).date().isoformat()})
    assert "The end date is before the start date." in bad.content.decode()

    with pytest.raises(AccessDenied):
        get({}, user=world.bob)


def test_queries_stay_bounded_with_twenty_episodes(
    world: World, django_assert_max_num_queries
) -> None:
    c = Clinic(world)
    with time_machine.travel(c.day0, tick=False) as traveller:
        for n in range(20):
            c.patient(f"Q{n}", needled=n % 2 == 0)
            c.nprs(f"Q{n}", 7, 0)
        traveller.move_to(c.at(1))
        for n in range(0, 20, 2):
            c.needle(f"Q{n}", "upper_trapezius:left", "gluteus_medius:left")
        traveller.move_to(c.at(2))
        for n in range(20):
            c.nprs(f"Q{n}", n % 8, 2)
    with django_assert_max_num_queries(12):
        report = clinic_outcomes(access=owner(world))
    assert len(report.episodes) == 20
    assert sum(b.episodes for b in report.by_sessions) == 20
    assert report.by_sessions[1].episodes == 10


def test_the_page_and_its_csv_are_served_to_owners_only(world: World) -> None:
    from tests.conftest import client_for

    url = f"/c/{world.clinic.slug}/outcomes/"
    owner = client_for(world.alice)
    page = owner.get(url)
    assert page.status_code == 200
    assert "Clinic outcomes" in page.content.decode()
    csv = owner.get(url, {"format": "csv"})
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    assert client_for(world.bob).get(url).status_code == 403
    assert client_for(world.olga).get(url).status_code == 404
