"""The progress page, through the Django test client: a clinician sees each measure's chart,
baseline, latest, change and the "Reached MCID" / "Not yet" badge, with the measurements'
sources and why one was not scorable; front desk and billing are refused, another clinic finds
nothing, another patient's episode is not found, and the page's queries do not grow with the
number of measurements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest
from django.urls import reverse
from django.utils import timezone

from filiform.charting.models import Visit
from filiform.outcomes.services import measurement_record
from filiform.patients.models import EpisodeOfCare, Patient
from tests.aftercare.needled import cleared, needled_visit
from tests.clinical import access_for, screened
from tests.conftest import World, client_for
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def ndi_items(percent: int) -> list[int]:
    """Ten NDI answers summing to ``percent`` / 2 (the raw score out of 50)."""
    raw = percent // 2
    items = [min(5, max(0, raw - 5 * n)) for n in range(10)]
    assert sum(items) == raw
    return items


def progress_seed(
    world: World,
    *,
    patient: Patient | None = None,
    nprs: Sequence[int | None] = (7, 6, 5, 4),
    ndi: Sequence[int] = (),
    muscles: tuple[str, ...] = ("upper_trapezius:left", "levator_scapulae:left"),
    needling: bool = True,
) -> EpisodeOfCare:
    """One visit a week (needled and signed when ``needling``), NPRS (None: not scorable) and
    NDI (percent) taken at each, the episode started the week before the first visit."""
    patient = cleared(world, patient)
    episode = patient.episodes.get()
    weeks = max(len(nprs), len(ndi))
    start = timezone.now() - dt.timedelta(weeks=weeks, days=1)
    EpisodeOfCare.objects.filter(pk=episode.pk).update(started_on=start.date())
    bob = access_for(world.bob, world.clinic)
    for week in range(weeks):
        when = start + dt.timedelta(weeks=week, days=1)
        visit_id = None
        if needling:
            visit = needled_visit(world, muscles[: 1 + week % len(muscles)], patient=patient)
            Visit.objects.filter(pk=visit.pk).update(started_at=when)
            visit_id = visit.pk
        if week < len(nprs):
            measurement_record(
                access=bob,
                patient_id=patient.pk,
                instrument="nprs",
                answers={"rating": nprs[week]},
                episode_id=episode.pk,
                visit_id=visit_id,
                taken_at=when,
            )
        if week < len(ndi):
            measurement_record(
                access=bob,
                patient_id=patient.pk,
                instrument="ndi",
                answers={"items": ndi_items(ndi[week])},
                episode_id=episode.pk,
                visit_id=visit_id,
                taken_at=when + dt.timedelta(minutes=5),
            )
    return episode


def progress_url(world: World, patient: Patient, slug: str | None = None) -> str:
    return reverse(
        "outcomes:progress",
        kwargs={"clinic_slug": slug or world.clinic.slug, "patient_id": patient.pk},
    )


def test_a_clinician_sees_charts_badges_and_the_measurements(world: World) -> None:
    progress_seed(world, nprs=(7, None, 5, 4), ndi=(40, 38, 36, 34))
    response = client_for(world.bob).get(progress_url(world, world.patient))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Right-sided neck pain" in page  # the episode
    assert page.count('class="outcome-chart"') == 2
    assert 'data-instrument="nprs"' in page
    assert 'data-instrument="ndi"' in page
    assert 'class="baseline"' in page
    assert 'class="mcid-band"' in page
    # NPRS 7 -> 4: reached (3 points); NDI 40 -> 34 %: not yet (MCID 10 points)
    assert page.count('data-testid="mcid-badge"') == 2
    assert "Reached MCID" in page
    assert "Not yet" in page
    assert "3 points better" in page
    assert "6 percentage points better" in page
    assert "Moderate disability" in page  # the NDI band of the latest
    assert "Not scorable: No pain rating was given." in page
    assert "Taken by the clinician" in page
    assert 'data-testid="needling-sessions">4<' in page
    assert 'data-testid="visits">4<' in page
    report = reverse(
        "outcomes:progress_report",
        kwargs={"clinic_slug": world.clinic.slug, "patient_id": world.patient.pk},
    )
    assert report in page
    assert "Download progress report (PDF)" in page


def test_the_patient_page_links_to_progress_for_clinicians_only(world: World) -> None:
    detail = reverse(
        "patients:detail",
        kwargs={"clinic_slug": world.clinic.slug, "patient_id": world.patient.pk},
    )
    url = progress_url(world, world.patient)
    assert url in client_for(world.bob).get(detail).content.decode()
    assert url not in client_for(world.fran).get(detail).content.decode()


def test_no_badge_where_no_mcid_applies_and_none_before_a_second_measure(world: World) -> None:
    cleared(world)
    bob = access_for(world.bob, world.clinic)
    measurement_record(
        access=bob,
        patient_id=world.patient.pk,
        instrument="rom",
        answers={"joint": "cervical", "movement": "rotation", "side": "left", "mode": "active"}
        | {"degrees": 50},
        taken_at=timezone.now() - dt.timedelta(days=14),
    )
    measurement_record(
        access=bob,
        patient_id=world.patient.pk,
        instrument="rom",
        answers={"joint": "cervical", "movement": "rotation", "side": "left", "mode": "active"}
        | {"degrees": 70},
    )
    measurement_record(
        access=bob, patient_id=world.patient.pk, instrument="nprs", answers={"rating": 6}
    )
    page = client_for(world.bob).get(progress_url(world, world.patient)).content.decode()
    assert "Range of motion: Neck rotation (left, active)" in page
    assert "20° better" in page
    # ROM: no MCID, no badge; NPRS with only a baseline: "Not yet", decided at the next one
    assert page.count('data-testid="mcid-badge"') == 1
    assert "Reached MCID" not in page
    assert "decided once there are two scorable measurements" in page


def test_a_patient_without_an_episode_is_told_so(world: World) -> None:
    response = client_for(world.bob).get(progress_url(world, world.patient))
    assert response.status_code == 200
    assert 'data-testid="no-episode"' in response.content.decode()


@pytest.mark.parametrize("who", ["fran", "bill"])
def test_front_desk_and_billing_are_refused(world: World, who: str) -> None:
    progress_seed(world, nprs=(7, 4), needling=False)
    response = client_for(getattr(world, who)).get(progress_url(world, world.patient))
    assert response.status_code == 403
    assert "Reached MCID" not in response.content.decode()


def test_another_clinic_finds_nothing(world: World) -> None:
    progress_seed(world, nprs=(7, 4), needling=False)
    olga = client_for(world.olga)
    response = olga.get(progress_url(world, world.patient, slug=world.other_clinic.slug))
    assert response.status_code == 404
    assert olga.get(progress_url(world, world.patient)).status_code in (403, 404)


def test_an_episode_of_another_patient_or_not_a_number_is_not_found(world: World) -> None:
    progress_seed(world, nprs=(7, 4), needling=False)
    someone = PatientFactory.create(clinic=world.clinic)
    screened(someone, world.bob)
    theirs = someone.episodes.get()
    client = client_for(world.bob)
    url = progress_url(world, world.patient)
    assert client.get(url, {"episode": theirs.pk}).status_code == 404
    assert client.get(url, {"episode": "abc"}).status_code == 404
    assert client.get(url, {"episode": "-1"}).status_code == 404
    assert client.get(url, {"episode": "9" * 40}).status_code == 404
    own = world.patient.episodes.get()
    assert client.get(url, {"episode": own.pk}).status_code == 200


def test_an_earlier_episode_is_chosen_by_its_id(world: World) -> None:
    old = progress_seed(world, nprs=(8, 3), needling=False)
    EpisodeOfCare.objects.filter(pk=old.pk).update(
        started_on=dt.date(2025, 1, 6), ended_on=dt.date(2025, 3, 1)
    )
    EpisodeOfCare.objects.create(
        clinic=world.clinic,
        patient=world.patient,
        condition="Left knee pain",
        started_on=timezone.localdate(),
        created_by=world.bob,
    )
    client = client_for(world.bob)
    latest = client.get(progress_url(world, world.patient)).content.decode()
    assert "Left knee pain" in latest
    assert "No measures recorded in this episode yet." in latest
    assert 'name="episode"' in latest  # two episodes: a choice
    earlier = client.get(progress_url(world, world.patient), {"episode": old.pk}).content.decode()
    assert "5 points better" in earlier
    assert "Reached MCID" in earlier


def test_queries_do_not_grow_with_the_measurements(
    world: World, django_assert_max_num_queries
) -> None:
    progress_seed(world, nprs=[7 - n % 4 for n in range(30)], ndi=[40] * 30, needling=False)
    client = client_for(world.bob)
    client.get(progress_url(world, world.patient))  # session and caches warm
    # 18 today: session, user, two-factor, membership, patient, episodes, measurements, visits,
    # needling days and the audit entry; none per measurement
    with django_assert_max_num_queries(20):
        response = client.get(progress_url(world, world.patient))
    assert response.status_code == 200
    assert response.content.decode().count('class="point"') == 60
