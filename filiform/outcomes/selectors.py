"""Reading outcome measurements: a patient's series per measure over an episode of care, with
the baseline, the latest score, the change and whether the minimal clinically important change
was reached. Permission-checked and audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import Http404

from filiform.audit.services import AuditAction, audit_access
from filiform.charting.codes import VisitStatus
from filiform.charting.models import Visit
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.outcomes.instruments import SPECS, Instrument, InstrumentSpec, change, mcid_reached
from filiform.outcomes.models import Measurement, MeasurementStatus
from filiform.patients.models import EpisodeOfCare, Patient
from filiform.patients.selectors import patient_of_clinic


@dataclass(frozen=True)
class Point:
    measurement_id: int
    taken_at: dt.datetime
    value: Decimal | None
    scorable: bool
    why_not: str
    band: str
    source: str


@dataclass
class Series:
    instrument: Instrument
    subject: str
    spec: InstrumentSpec
    points: list[Point] = field(default_factory=list)

    @property
    def scored(self) -> list[Point]:
        return [p for p in self.points if p.scorable and p.value is not None]

    @property
    def baseline(self) -> Point | None:
        scored = self.scored
        return scored[0] if scored else None

    @property
    def latest(self) -> Point | None:
        scored = self.scored
        return scored[-1] if len(scored) > 1 else None

    @property
    def change(self) -> Decimal | None:
        """Improvement since the baseline (positive = better), in the measure's unit."""
        if self.baseline is None or self.latest is None:
            return None
        assert self.baseline.value is not None
        assert self.latest.value is not None
        return change(self.instrument, self.baseline.value, self.latest.value)

    @property
    def reached_mcid(self) -> bool | None:
        if self.baseline is None or self.latest is None:
            return None
        assert self.baseline.value is not None
        assert self.latest.value is not None
        return mcid_reached(self.instrument, self.baseline.value, self.latest.value)

    @property
    def title(self) -> str:
        if not self.subject:
            return self.spec.name
        return f"{self.spec.name}: {self.subject.replace('/', ' ').strip()}"


@dataclass(frozen=True)
class Progress:
    patient: Patient
    episode: EpisodeOfCare | None
    episodes: list[EpisodeOfCare]
    series: list[Series]
    needling_days: list[dt.datetime]  # signed visits with a needling session
    visits: int


def _episode_for(
    access: Access, patient: Patient, episode_id: int | None
) -> tuple[EpisodeOfCare | None, list[EpisodeOfCare]]:
    episodes = list(
        EpisodeOfCare.objects.of(access).filter(patient=patient).order_by("-started_on", "-pk")
    )
    if episode_id is None:
        return (episodes[0] if episodes else None), episodes
    chosen = next((e for e in episodes if e.pk == episode_id), None)
    if chosen is None:
        raise Http404("No such episode of care for this patient.")
    return chosen, episodes


def series_of(measurements: list[Measurement]) -> list[Series]:
    by_key: dict[tuple[str, str], Series] = {}
    for m in measurements:
        code = Instrument(m.instrument)
        series = by_key.setdefault(
            (m.instrument, m.subject), Series(instrument=code, subject=m.subject, spec=SPECS[code])
        )
        series.points.append(
            Point(
                measurement_id=m.pk,
                taken_at=m.taken_at,
                value=m.value,
                scorable=m.scorable,
                why_not=m.why_not,
                band=m.band,
                source=m.source,
            )
        )
    order = {code: n for n, code in enumerate(Instrument)}
    return sorted(by_key.values(), key=lambda s: (order[s.instrument], s.subject))


def patient_progress(*, access: Access, patient_id: int, episode_id: int | None = None) -> Progress:
    """The patient's measures over one episode (the latest when none is named)."""
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    access.require(
        Permission.CLINICAL_RECORD, object_type="outcome_progress", patient_id=patient.pk
    )
    episode, episodes = _episode_for(access, patient, episode_id)
    measurements: list[Measurement] = []
    needling: list[dt.datetime] = []
    visits = 0
    if episode is not None:
        measurements = list(
            Measurement.objects.of(access)
            .filter(episode=episode, status=MeasurementStatus.FINAL)
            .order_by("taken_at", "pk")
        )
        signed = Visit.objects.of(access).filter(episode=episode, status=VisitStatus.SIGNED)
        visits = signed.count()
        needling = list(
            signed.filter(session__isnull=False)
            .order_by("started_at")
            .values_list("started_at", flat=True)
        )
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="outcome_progress",
        object_id=episode.pk if episode else "",
        patient_id=patient.pk,
        detail={"measurements": len(measurements)},
    )
    return Progress(
        patient=patient,
        episode=episode,
        episodes=episodes,
        series=series_of(measurements),
        needling_days=needling,
        visits=visits,
    )


def measurements_of_patient(
    *, access: Access, patient_id: int, instrument: str | None = None
) -> list[Measurement]:
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    access.require(Permission.CLINICAL_RECORD, object_type="measurement", patient_id=patient.pk)
    found = Measurement.objects.of(access).filter(patient=patient).select_related("recorded_by")
    if instrument:
        found = found.filter(instrument=instrument)
    rows = list(found.order_by("-taken_at", "-pk")[:500])
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="measurement",
        object_id="",
        patient_id=patient.pk,
        detail={"count": len(rows)},
    )
    return rows


def measurement_get(*, access: Access, measurement_id: int) -> Measurement:
    """One measure of this clinic (404 otherwise); a refusal names it and its patient."""
    measurement = clinic_get(
        access,
        Measurement.objects.of(access).select_related("patient", "recorded_by"),
        measurement_id,
        permission=Permission.CLINICAL_RECORD,
    )
    audit_access(
        access,
        action=AuditAction.READ,
        object_type="measurement",
        object_id=measurement.pk,
        patient_id=measurement.patient_id,
    )
    return measurement
