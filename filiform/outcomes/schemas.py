"""The outcomes API's shapes: what a client sends (parsed, typed, bounded) and what it reads back.

Input schemas only parse. The answers to a measure are checked by the instrument's own rules in
``instruments.score`` (through ``services.measurement_record``), which name each bad item; here
they are only bounded (an object, no NUL characters, not absurdly deep). Scores are JSON numbers
with the precision the instrument rounds to; each measurement carries its FHIR R4 Observation,
and a questionnaire's also its QuestionnaireResponse.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import BeforeValidator, field_validator

from filiform.api_types import Text
from filiform.clinics.records import status_as_before
from filiform.outcomes import fhir
from filiform.outcomes.clinic_outcomes import Bucket, ClinicOutcomes, Group
from filiform.outcomes.instruments import SPECS, Instrument, InstrumentSpec, band_label
from filiform.outcomes.models import Measurement, MeasureRequest
from filiform.outcomes.selectors import Point, Progress, Series

MAX_ID = 2**62
MAX_DEPTH = 6
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _day_text(value: Any) -> Any:
    """A day as YYYY-MM-DD only: pydantic would read "0" as 1970-01-01 (a timestamp)."""
    if isinstance(value, str) and not DAY.match(value):
        raise ValueError("give the day as YYYY-MM-DD")
    return value


Day = Annotated[dt.date, BeforeValidator(_day_text)]


def _plain(value: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ValueError("the answers are nested too deeply")
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text cannot contain NUL (\\u0000) characters")
    if isinstance(value, dict):
        for key, item in value.items():
            _plain(key, depth + 1)
            _plain(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _plain(item, depth + 1)


# --- input -------------------------------------------------------------------------------------


class MeasurementIn(Schema):
    instrument: str = Field(
        ..., max_length=20, description="nprs, psfs, ndi, odi, quickdash, lefs, rom or ppt"
    )
    answers: dict[str, Any] = Field(
        ...,
        description=(
            "The instrument's fields (docs/outcomes-scoring.md): NPRS {rating}, PSFS "
            "{activities: [{name, rating}]}, NDI/ODI/QuickDASH/LEFS {items: [... null where "
            "not answered]}, ROM {joint, movement, side, mode, degrees}, PPT {site, trials}"
        ),
    )
    episode_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="Default: the patient's open episode of care"
    )
    visit_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The visit it was taken in (sets the episode)"
    )
    taken_at: dt.datetime | None = Field(
        None, description="When it was taken (default: now; without an offset, clinic time)"
    )

    @field_validator("answers")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        _plain(value)
        return value


class TextsIn(Schema):
    texts: list[Text] = Field(
        ...,
        max_length=30,
        description="The licensed wording of every item, in order (one per item)",
    )


class EnteredInErrorIn(Schema):
    reason: Text = Field(..., max_length=300, description="Why the measurement is wrong")


class MeasureRequestIn(Schema):
    instruments: list[str] = Field(
        ...,
        min_length=1,
        max_length=len(Instrument),
        description="Questionnaires to send: nprs, psfs, ndi, odi, quickdash, lefs",
    )
    episode_id: int | None = Field(None, ge=1, le=MAX_ID)

    @field_validator("instruments")
    @classmethod
    def _short(cls, value: list[str]) -> list[str]:
        if any(len(code) > 20 or "\x00" in code for code in value):
            raise ValueError("unknown instrument code")
        return value


# --- output ------------------------------------------------------------------------------------


def _num(value: Decimal | None, places: int = 1) -> float | int | None:
    return None if value is None else fhir.number(value, places)


class McidOut(Schema):
    points: float | None = Field(..., description="Improvement in the score's unit")
    percent: float | None = Field(..., description="Improvement as a percent of the baseline")
    source: str
    note: str


class InstrumentOut(Schema):
    code: str
    name: str
    description: str
    unit: str
    ucum: str
    direction: str = Field(..., description="higher_is_better or lower_is_better")
    minimum: float
    maximum: float
    items: int | None = Field(..., description="Fixed number of items (null: none or variable)")
    item_min: int | None
    item_max: int | None
    min_answered: int | None = Field(..., description="Fewest items answered to be scorable")
    item_labels: list[str] = Field(
        ..., description="The clinic's licensed wording where loaded, else neutral labels"
    )
    texts_loaded: bool
    mcid: McidOut | None

    @staticmethod
    def of(spec: InstrumentSpec, labels: tuple[str, ...]) -> InstrumentOut:
        mcid = spec.mcid
        return InstrumentOut(
            code=spec.code.value,
            name=_(spec.name),
            description=_(spec.description),
            unit=spec.unit,
            ucum=fhir.UCUM_UNITS[spec.unit],
            direction="higher_is_better" if spec.higher_is_better else "lower_is_better",
            minimum=float(spec.minimum),
            maximum=float(spec.maximum),
            items=spec.items,
            item_min=spec.item_min,
            item_max=spec.item_max,
            min_answered=spec.min_answered,
            item_labels=list(labels),
            texts_loaded=tuple(labels) != spec.item_labels,
            mcid=None
            if mcid is None
            else McidOut(
                points=None if mcid.points is None else float(mcid.points),
                percent=None if mcid.percent is None else float(mcid.percent),
                source=mcid.source,
                note=mcid.note,
            ),
        )


class ScoreOut(Schema):
    value: float | None = Field(..., description="null when not scorable")
    unit: str
    scorable: bool
    why_not: str = Field(..., description="Why it could not be scored")
    band: str = Field(..., description="Severity band code (NDI, ODI), else empty")
    band_label: str
    detail: dict[str, Any]


class MeasurementOut(Schema):
    id: int
    patient_id: int
    episode_id: int
    visit_id: int | None
    instrument: str
    subject: str = Field(..., description="ROM joint/movement/side/mode, PPT site, else empty")
    taken_at: dt.datetime
    source: str = Field(..., description="clinician or patient")
    status: str = Field(..., description="final or entered_in_error")
    error_reason: str
    answers: dict[str, Any]
    score: ScoreOut
    recorded_by: str | None
    observation: dict[str, Any] = Field(..., description="FHIR R4 Observation")
    questionnaire_response: dict[str, Any] | None = Field(
        ..., description="FHIR R4 QuestionnaireResponse (questionnaires only)"
    )

    @staticmethod
    def of(m: Measurement, labels: tuple[str, ...] | None = None) -> MeasurementOut:
        code = Instrument(m.instrument)
        return MeasurementOut(
            id=m.pk,
            patient_id=m.patient_id,
            episode_id=m.episode_id,
            visit_id=m.visit_id,
            instrument=m.instrument,
            subject=m.subject,
            taken_at=m.taken_at,
            source=m.source,
            status=status_as_before(m.status),
            error_reason=m.error_reason,
            answers=m.answers if isinstance(m.answers, dict) else {},
            score=ScoreOut(
                value=fhir.score_value(m),
                unit=SPECS[code].unit,
                scorable=m.scorable,
                why_not=m.why_not,
                band=m.band,
                band_label=band_label(m.band),
                detail=m.detail if isinstance(m.detail, dict) else {},
            ),
            recorded_by=None if m.recorded_by is None else m.recorded_by.display_name,
            observation=fhir.observation(m),
            questionnaire_response=fhir.questionnaire_response(m, labels),
        )


class PointOut(Schema):
    measurement_id: int
    taken_at: dt.datetime
    value: float | None
    scorable: bool
    why_not: str
    band: str
    source: str

    @staticmethod
    def of(point: Point, places: int) -> PointOut:
        return PointOut(
            measurement_id=point.measurement_id,
            taken_at=point.taken_at,
            value=_num(point.value, places),
            scorable=point.scorable,
            why_not=point.why_not,
            band=point.band,
            source=point.source,
        )


class SeriesOut(Schema):
    instrument: str
    subject: str
    title: str
    unit: str
    direction: str
    points: list[PointOut]
    baseline: PointOut | None = Field(..., description="The first scorable point")
    latest: PointOut | None = Field(..., description="The last scorable point, if not the first")
    change: float | None = Field(..., description="Improvement since baseline (positive = better)")
    reached_mcid: bool | None = Field(..., description="null where no MCID applies (ROM, PPT)")

    @staticmethod
    def of(series: Series) -> SeriesOut:
        places = fhir.PLACES[series.instrument]
        return SeriesOut(
            instrument=series.instrument.value,
            subject=series.subject,
            title=series.title,
            unit=series.spec.unit,
            direction="higher_is_better" if series.spec.higher_is_better else "lower_is_better",
            points=[PointOut.of(p, places) for p in series.points],
            baseline=PointOut.of(series.baseline, places) if series.baseline else None,
            latest=PointOut.of(series.latest, places) if series.latest else None,
            change=None if series.change is None else float(series.change),
            reached_mcid=series.reached_mcid,
        )


class ProgressEpisodeOut(Schema):
    id: int
    condition: str
    started_on: dt.date
    ended_on: dt.date | None


class ProgressOut(Schema):
    patient_id: int
    episode: ProgressEpisodeOut | None
    episodes: list[ProgressEpisodeOut]
    visits: int = Field(..., description="Signed visits in the episode")
    needling_days: list[dt.datetime] = Field(..., description="Signed visits with needling")
    series: list[SeriesOut]

    @staticmethod
    def of(progress: Progress) -> ProgressOut:
        def episode(e: Any) -> ProgressEpisodeOut:
            return ProgressEpisodeOut(
                id=e.pk, condition=e.condition, started_on=e.started_on, ended_on=e.ended_on
            )

        return ProgressOut(
            patient_id=progress.patient.pk,
            episode=episode(progress.episode) if progress.episode else None,
            episodes=[episode(e) for e in progress.episodes],
            visits=progress.visits,
            needling_days=progress.needling_days,
            series=[SeriesOut.of(s) for s in progress.series],
        )


class MeasureRequestOut(Schema):
    id: int
    patient_id: int
    episode_id: int
    instruments: list[str]
    created_at: dt.datetime
    delivery_id: int
    delivery_status: str
    delivery_channel: str

    @staticmethod
    def of(request: MeasureRequest, delivery: Any) -> MeasureRequestOut:
        return MeasureRequestOut(
            id=request.pk,
            patient_id=request.patient_id,
            episode_id=request.episode_id,
            instruments=list(request.instruments),
            created_at=request.created_at,
            delivery_id=delivery.pk,
            delivery_status=delivery.status,
            delivery_channel=delivery.channel,
        )


class GroupOut(Schema):
    key: str = Field(..., description="Membership id, region code, or empty / not_needled")
    label: str
    episodes: int
    reached: int
    share: float = Field(..., description="Percent of episodes reaching the NPRS MCID")
    mean_change: float = Field(..., description="Mean NPRS change in points (positive = better)")

    @staticmethod
    def of(group: Group) -> GroupOut:
        return GroupOut(
            key=group.key,
            label=group.label,
            episodes=group.episodes,
            reached=group.reached,
            share=float(group.share),
            mean_change=float(group.mean_change),
        )


class BucketOut(Schema):
    sessions: str = Field(..., description="0, 1, 2, 3, 4, 5 or 6+")
    episodes: int
    mean_change: float | None

    @staticmethod
    def of(bucket: Bucket) -> BucketOut:
        return BucketOut(
            sessions=bucket.sessions,
            episodes=bucket.episodes,
            mean_change=None if bucket.mean_change is None else float(bucket.mean_change),
        )


class ClinicOutcomesOut(Schema):
    since: dt.date | None
    until: dt.date | None
    episodes: int
    reached: int
    share: float | None
    by_practitioner: list[GroupOut]
    by_region: list[GroupOut]
    by_needling_sessions: list[BucketOut]

    @staticmethod
    def of(report: ClinicOutcomes) -> ClinicOutcomesOut:
        return ClinicOutcomesOut(
            since=report.since,
            until=report.until,
            episodes=len(report.episodes),
            reached=report.reached,
            share=None if report.share is None else float(report.share),
            by_practitioner=[GroupOut.of(g) for g in report.by_practitioner],
            by_region=[GroupOut.of(g) for g in report.by_region],
            by_needling_sessions=[BucketOut.of(b) for b in report.by_sessions],
        )
