"""Clinic outcomes: how often episodes of care reach the minimal clinically important change on
pain (NPRS), by practitioner and by body region, and the average change by the number of
needling sessions. For the clinic owner (Permission.CLINIC_MANAGE); every read is audited.

An episode counts when it has at least two scorable NPRS measurements in final status: the
first is the baseline, the last the latest, and "reached" is ``mcid_reached`` (2 points or 30 %
less pain, Farrar 2001). The rules that attribute an episode:

* practitioner: the clinician who performed most of the episode's signed needling sessions; if
  it has none, who charted most of its visits (visits entered in error aside). A tie goes to the
  one who treated first.
* body region: the catalogue region of the muscle with the most insertions in the episode's
  signed sessions (a tie goes to the muscle needled first); "not needled" when none.
* needling sessions: the signed sessions that could have changed the latest score, those of
  visits that started from the baseline's visit (or the baseline, if taken outside a visit) up
  to before the latest's visit (or the latest, if taken outside a visit): a visit measures
  before it needles.

The date range keeps the clinic's reports reproducible: measurements taken after ``until`` are
ignored (the report is "as of" that day) and an episode is reported when its latest NPRS falls
within the range. Dates are the clinic's own calendar days.

The work is a fixed handful of queries whatever the number of episodes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.anatomy.catalogue import clinic_catalogue
from filiform.anatomy.regions import Region
from filiform.audit.services import AuditAction, audit_access
from filiform.charting.codes import VisitStatus
from filiform.charting.models import Insertion, NeedlingSession, Visit
from filiform.clinics.access import Access, Permission
from filiform.clinics.models import Membership
from filiform.outcomes.instruments import Instrument, change, mcid_reached, round_half_up
from filiform.outcomes.models import Measurement, MeasurementStatus

NOT_NEEDLED = "not_needled"
UNKNOWN_REGION = "unknown"
BUCKETS: tuple[tuple[int, str], ...] = (
    (0, "0"),
    (1, "1"),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, "5"),
    (6, "6+"),
)


@dataclass(frozen=True)
class EpisodeOutcome:
    episode_id: int
    patient_id: int
    practitioner_id: int | None  # a Membership
    practitioner: str
    region: str  # a Region code, NOT_NEEDLED or UNKNOWN_REGION
    region_label: str
    baseline_at: dt.datetime
    baseline: Decimal
    latest_at: dt.datetime
    latest: Decimal
    change: Decimal  # positive = less pain
    reached: bool
    needling_sessions: int  # between the baseline and the latest


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    episodes: int
    reached: int
    share: Decimal  # percent of episodes reaching the MCID, to 0.1
    mean_change: Decimal  # points, to 0.1


@dataclass(frozen=True)
class Bucket:
    sessions: str  # "0" … "5", "6+"
    episodes: int
    mean_change: Decimal | None  # None when no episode falls in the bucket


@dataclass(frozen=True)
class McidShares:
    episodes: list[EpisodeOutcome]
    by_practitioner: list[Group]
    by_region: list[Group]


@dataclass(frozen=True)
class ClinicOutcomes:
    since: dt.date | None
    until: dt.date | None
    episodes: list[EpisodeOutcome]
    by_practitioner: list[Group]
    by_region: list[Group]
    by_sessions: list[Bucket]

    @property
    def reached(self) -> int:
        return sum(1 for e in self.episodes if e.reached)

    @property
    def share(self) -> Decimal | None:
        return _percent(self.reached, len(self.episodes)) if self.episodes else None


# --- computing ---------------------------------------------------------------------------------


def _percent(part: int, whole: int) -> Decimal:
    return round_half_up(Fraction(part * 100, whole), 1)


def _mean(values: list[Decimal]) -> Decimal:
    return round_half_up(sum((Fraction(v) for v in values), Fraction(0)) / len(values), 1)


def _bounds(
    tz: ZoneInfo, since: dt.date | None, until: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    if since is not None and until is not None and since > until:
        raise ValidationError({"since": _("The start of the period is after its end.")})

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=tz)

    start = midnight(since) if since is not None else None
    end = None
    if until is not None:
        end = midnight(until + dt.timedelta(days=1)) if until < dt.date.max else None
    return start, end


def _most(
    counts: Counter[int | str], first_seen: dict[int | str, tuple[dt.datetime, int]]
) -> int | str | None:
    """The key counted most often; a tie goes to the one seen first."""
    if not counts:
        return None
    return min(counts, key=lambda key: (-counts[key], first_seen[key]))


def _episode_outcomes(
    access: Access, since: dt.date | None, until: dt.date | None
) -> list[EpisodeOutcome]:
    start, end = _bounds(ZoneInfo(access.clinic.time_zone), since, until)
    nprs = Measurement.objects.of(access).filter(
        instrument=Instrument.NPRS.value,
        status=MeasurementStatus.FINAL,
        scorable=True,
        value__isnull=False,
    )
    if end is not None:
        nprs = nprs.filter(taken_at__lt=end)
    rows = list(
        nprs.select_related("visit")
        .only(
            "pk",
            "episode_id",
            "patient_id",
            "taken_at",
            "value",
            "visit__started_at",
        )
        .order_by("episode_id", "taken_at", "pk")
    )
    series: dict[int, list[Measurement]] = defaultdict(list)
    for m in rows:
        series[m.episode_id].append(m)
    series = {
        episode: points
        for episode, points in series.items()
        if len(points) >= 2 and (start is None or points[-1].taken_at >= start)
    }
    if not series:
        return []
    episode_ids = list(series)

    signed = VisitStatus.SIGNED
    sessions = list(
        NeedlingSession.objects.of(access)
        .filter(visit__episode_id__in=episode_ids, visit__status=signed)
        .values_list("pk", "visit__episode_id", "performer_id", "visit__started_at")
    )
    visits = list(
        Visit.objects.of(access)
        .filter(episode_id__in=episode_ids)
        .exclude(status=VisitStatus.ENTERED_IN_ERROR)
        .values_list("pk", "episode_id", "practitioner_id", "started_at")
    )
    insertions = list(
        Insertion.objects.of(access)
        .filter(session__visit__episode_id__in=episode_ids, session__visit__status=signed)
        .values_list("pk", "session__visit__episode_id", "muscle", "session__visit__started_at")
    )
    catalogue = clinic_catalogue(access.clinic.pk)

    sessions_of: dict[int, list[tuple[int, int, dt.datetime]]] = defaultdict(list)
    for pk, episode, performer, started in sessions:
        sessions_of[episode].append((pk, performer, started))
    visits_of: dict[int, list[tuple[int, int, dt.datetime]]] = defaultdict(list)
    for pk, episode, practitioner, started in visits:
        visits_of[episode].append((pk, practitioner, started))
    insertions_of: dict[int, list[tuple[int, str, dt.datetime]]] = defaultdict(list)
    for pk, episode, muscle, started in insertions:
        insertions_of[episode].append((pk, muscle, started))

    def practitioner_of(episode: int) -> int | None:
        charted = sessions_of.get(episode) or visits_of.get(episode) or []
        counts: Counter[int | str] = Counter(who for _pk, who, _at in charted)
        first: dict[int | str, tuple[dt.datetime, int]] = {}
        for pk, who, at in charted:
            first[who] = min(first.get(who, (at, pk)), (at, pk))
        found = _most(counts, first)
        return None if found is None else int(found)

    def region_of(episode: int) -> str:
        needled = insertions_of.get(episode, [])
        counts: Counter[int | str] = Counter(muscle for _pk, muscle, _at in needled)
        first: dict[int | str, tuple[dt.datetime, int]] = {}
        for pk, muscle, at in needled:
            first[muscle] = min(first.get(muscle, (at, pk)), (at, pk))
        most = _most(counts, first)
        if most is None:
            return NOT_NEEDLED
        found = catalogue.get(str(most))
        return found.region.value if found is not None else UNKNOWN_REGION

    attributed = {episode: practitioner_of(episode) for episode in episode_ids}
    names = {
        m.pk: m.user.display_name
        for m in Membership.objects.of(access)
        .filter(pk__in={p for p in attributed.values() if p is not None})
        .select_related("user")
    }

    outcomes = []
    for episode, points in series.items():
        baseline, latest = points[0], points[-1]
        assert baseline.value is not None
        assert latest.value is not None
        window_start = (
            min(baseline.taken_at, baseline.visit.started_at)
            if baseline.visit is not None
            else baseline.taken_at
        )
        window_end = latest.visit.started_at if latest.visit is not None else latest.taken_at
        between = sum(
            1 for _pk, _who, at in sessions_of.get(episode, []) if window_start <= at < window_end
        )
        region = region_of(episode)
        who = attributed[episode]
        outcomes.append(
            EpisodeOutcome(
                episode_id=episode,
                patient_id=baseline.patient_id,
                practitioner_id=who,
                practitioner=names.get(who, "") if who is not None else "",
                region=region,
                region_label=region_label(region),
                baseline_at=baseline.taken_at,
                baseline=baseline.value,
                latest_at=latest.taken_at,
                latest=latest.value,
                change=change(Instrument.NPRS, baseline.value, latest.value),
                reached=bool(mcid_reached(Instrument.NPRS, baseline.value, latest.value)),
                needling_sessions=between,
            )
        )
    return outcomes


def region_label(region: str) -> str:
    if region == NOT_NEEDLED:
        return _("Not needled")
    if region == UNKNOWN_REGION:
        return _("Unknown region")
    return str(Region(region).label)


def _groups(
    outcomes: Iterable[EpisodeOutcome], key_label: dict[str, str], keys: list[str]
) -> list[Group]:
    members: dict[str, list[EpisodeOutcome]] = defaultdict(list)
    for outcome, key in zip(outcomes, keys, strict=True):
        members[key].append(outcome)
    groups = [
        Group(
            key=key,
            label=key_label[key],
            episodes=len(found),
            reached=sum(1 for e in found if e.reached),
            share=_percent(sum(1 for e in found if e.reached), len(found)),
            mean_change=_mean([e.change for e in found]),
        )
        for key, found in members.items()
    ]
    return sorted(groups, key=lambda g: (-g.episodes, g.label.casefold(), g.key))


def _by_practitioner(outcomes: list[EpisodeOutcome]) -> list[Group]:
    keys = [str(e.practitioner_id) if e.practitioner_id is not None else "" for e in outcomes]
    labels = {
        key: (e.practitioner or _("No visits charted"))
        for key, e in zip(keys, outcomes, strict=True)
    }
    return _groups(outcomes, labels, keys)


def _by_region(outcomes: list[EpisodeOutcome]) -> list[Group]:
    keys = [e.region for e in outcomes]
    labels = {e.region: e.region_label for e in outcomes}
    groups = _groups(outcomes, labels, keys)
    # "Not needled" is the comparison, not a region: last.
    return [g for g in groups if g.key != NOT_NEEDLED] + [g for g in groups if g.key == NOT_NEEDLED]


def _by_sessions(outcomes: list[EpisodeOutcome]) -> list[Bucket]:
    changes: dict[str, list[Decimal]] = {label: [] for _n, label in BUCKETS}
    for e in outcomes:
        label = next(label for n, label in reversed(BUCKETS) if e.needling_sessions >= n)
        changes[label].append(e.change)
    return [
        Bucket(
            sessions=label,
            episodes=len(changes[label]),
            mean_change=_mean(changes[label]) if changes[label] else None,
        )
        for _n, label in BUCKETS
    ]


def _audit(access: Access, what: str, since: dt.date | None, until: dt.date | None, n: int) -> None:
    audit_access(
        access,
        action=AuditAction.EXPORT if what == "csv" else AuditAction.READ,
        object_type="clinic_outcomes",
        object_id=what,
        detail={
            "since": since.isoformat() if since else None,
            "until": until.isoformat() if until else None,
            "episodes": n,
        },
    )


# --- the public functions -----------------------------------------------------------------------


def nprs_mcid_share(
    *, access: Access, since: dt.date | None = None, until: dt.date | None = None
) -> McidShares:
    """The share of episodes reaching the NPRS MCID, by practitioner and by body region."""
    access.require(Permission.CLINIC_MANAGE)
    outcomes = _episode_outcomes(access, since, until)
    _audit(access, "mcid_share", since, until, len(outcomes))
    return McidShares(outcomes, _by_practitioner(outcomes), _by_region(outcomes))


def change_by_needling_sessions(
    *, access: Access, since: dt.date | None = None, until: dt.date | None = None
) -> list[Bucket]:
    """The average NPRS change by the number of signed needling sessions between the baseline
    and the latest score: 0, 1, 2, 3, 4, 5, 6 or more."""
    access.require(Permission.CLINIC_MANAGE)
    outcomes = _episode_outcomes(access, since, until)
    _audit(access, "by_sessions", since, until, len(outcomes))
    return _by_sessions(outcomes)


def clinic_outcomes(
    *, access: Access, since: dt.date | None = None, until: dt.date | None = None
) -> ClinicOutcomes:
    """Both tables from one pass over the data, for the page and the API."""
    access.require(Permission.CLINIC_MANAGE)
    outcomes = _episode_outcomes(access, since, until)
    _audit(access, "report", since, until, len(outcomes))
    return ClinicOutcomes(
        since=since,
        until=until,
        episodes=outcomes,
        by_practitioner=_by_practitioner(outcomes),
        by_region=_by_region(outcomes),
        by_sessions=_by_sessions(outcomes),
    )


CSV_HEADER = (
    "episode_id",
    "patient_id",
    "practitioner",
    "region",
    "baseline_date",
    "baseline",
    "latest_date",
    "latest",
    "change",
    "reached_mcid",
    "needling_sessions",
)


def csv_safe(text: str) -> str:
    """A spreadsheet runs a cell starting with = + - @ (or a tab or carriage return that hides
    one) as a formula: prefix it with ' so it is shown as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def clinic_outcomes_csv(
    *, access: Access, since: dt.date | None = None, until: dt.date | None = None
) -> str:
    """One row per episode; the patient by id only (no name leaves in a spreadsheet)."""
    access.require(Permission.CLINIC_MANAGE)
    outcomes = _episode_outcomes(access, since, until)
    _audit(access, "csv", since, until, len(outcomes))
    tz = ZoneInfo(access.clinic.time_zone)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for e in sorted(outcomes, key=lambda e: (e.latest_at, e.episode_id)):
        writer.writerow(
            [
                e.episode_id,
                e.patient_id,
                csv_safe(e.practitioner),
                csv_safe(e.region_label),
                timezone.localtime(e.baseline_at, tz).date().isoformat(),
                _number(e.baseline),
                timezone.localtime(e.latest_at, tz).date().isoformat(),
                _number(e.latest),
                _number(e.change),
                "yes" if e.reached else "no",
                e.needling_sessions,
            ]
        )
    return out.getvalue()
