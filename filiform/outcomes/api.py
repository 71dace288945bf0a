"""The outcomes API: the instruments (structure, scoring range, MCID, the clinic's licensed item
wording), measurements recorded and read with their FHIR R4 Observation / QuestionnaireResponse,
a patient's progress per measure, questionnaires sent to the patient before a visit, and the
clinic's outcomes (owners).

Each endpoint parses its input and calls one service or selector of :mod:`filiform.outcomes`,
which check the role and audit. Measurements are clinicians' reading and writing: front desk and
billing are refused (403); the front desk may send the questionnaires.
"""

# No ``from __future__ import annotations`` here: django-ninja reads the enum-typed query
# parameters' annotations at import time.

from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from filiform.api_errors import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS, Error
from filiform.clinics.access import Access, Permission, api_access
from filiform.clinics.record_endpoints import enter_in_error_operation
from filiform.outcomes import clinic_outcomes, requests, selectors, services
from filiform.outcomes.instruments import SPECS, Instrument
from filiform.outcomes.schemas import (
    MAX_ID,
    ClinicOutcomesOut,
    Day,
    EnteredInErrorIn,
    InstrumentOut,
    MeasurementIn,
    MeasurementOut,
    MeasureRequestIn,
    MeasureRequestOut,
    ProgressOut,
    TextsIn,
)

router = Router(tags=["outcomes"])

WRITE_ONE = {**WRITE_ERRORS, 404: Error}
SINCE = Query(None, description="From this day (clinic time), YYYY-MM-DD")
UNTIL = Query(None, description="Up to and including this day, YYYY-MM-DD")


def _labels(access: Access, instrument: Instrument) -> tuple[str, ...]:
    return services.item_labels(clinic_id=access.membership.clinic_id, instrument=instrument)


# --- instruments ---------------------------------------------------------------------------


@router.get(
    "/outcomes/instruments",
    response={200: list[InstrumentOut], **READ_ERRORS},
    summary="The measures: range, direction, items and their wording, MCID with its source",
)
def list_instruments(request: HttpRequest) -> list[InstrumentOut]:
    access = api_access(request)
    access.require(Permission.PATIENT_VIEW)
    return [InstrumentOut.of(spec, _labels(access, code)) for code, spec in SPECS.items()]


@router.get(
    "/outcomes/clinic",
    response={200: ClinicOutcomesOut, **READ_ERRORS},
    summary="Share of episodes reaching the NPRS MCID by practitioner and region, and change "
    "by number of needling sessions (owners)",
)
def get_clinic_outcomes(
    request: HttpRequest,
    since: Day | None = SINCE,
    until: Day | None = UNTIL,
) -> ClinicOutcomesOut:
    report = clinic_outcomes.clinic_outcomes(access=api_access(request), since=since, until=until)
    return ClinicOutcomesOut.of(report)


@router.put(
    "/outcomes/instruments/{code}/texts",
    response={200: InstrumentOut, **WRITE_ERRORS},
    summary="Load the clinic's licensed item wording of a questionnaire (owners)",
)
def load_texts(request: HttpRequest, code: str, payload: TextsIn) -> InstrumentOut:
    access = api_access(request)
    services.instrument_texts_load(access=access, instrument=code, texts=payload.texts)
    instrument = Instrument(code)  # valid: the service refused any other
    return InstrumentOut.of(SPECS[instrument], _labels(access, instrument))


# --- measurements --------------------------------------------------------------------------


@router.post(
    "/patients/{patient_id}/measurements",
    response={201: MeasurementOut, **WRITE_ONE},
    summary="Record a measure taken by the clinician; too few items answered is stored as "
    "not scorable with the reason",
)
def record_measurement(request: HttpRequest, patient_id: int, payload: MeasurementIn) -> Status:
    access = api_access(request)
    taken_at = payload.taken_at
    if taken_at is not None and timezone.is_naive(taken_at):
        taken_at = timezone.make_aware(taken_at, ZoneInfo(access.clinic.time_zone))
    measurement = services.measurement_record(
        access=access,
        patient_id=patient_id,
        instrument=payload.instrument,
        answers=payload.answers,
        episode_id=payload.episode_id,
        visit_id=payload.visit_id,
        taken_at=taken_at,
    )
    instrument = Instrument(measurement.instrument)
    return Status(201, MeasurementOut.of(measurement, _labels(access, instrument)))


@router.get(
    "/patients/{patient_id}/measurements",
    response={200: list[MeasurementOut], **ONE_ERRORS},
    summary="A patient's measurements, newest first (at most 500), entered-in-error included",
)
def list_measurements(
    request: HttpRequest, patient_id: int, instrument: Instrument | None = None
) -> list[MeasurementOut]:
    access = api_access(request)
    found = selectors.measurements_of_patient(
        access=access, patient_id=patient_id, instrument=instrument.value if instrument else None
    )
    labels = {code: _labels(access, code) for code in {Instrument(m.instrument) for m in found}}
    return [MeasurementOut.of(m, labels[Instrument(m.instrument)]) for m in found]


@router.get(
    "/patients/{patient_id}/progress",
    response={200: ProgressOut, **ONE_ERRORS},
    summary="A patient's series per measure over an episode: baseline, latest, change, MCID",
)
def get_progress(
    request: HttpRequest,
    patient_id: int,
    episode_id: int | None = Query(
        None, ge=1, le=MAX_ID, description="Default: the latest episode"
    ),
) -> ProgressOut:
    progress = selectors.patient_progress(
        access=api_access(request), patient_id=patient_id, episode_id=episode_id
    )
    return ProgressOut.of(progress)


@router.post(
    "/patients/{patient_id}/measure-requests",
    response={201: MeasureRequestOut, **WRITE_ONE},
    summary="E-mail the patient a single-use link to answer questionnaires before the visit",
)
def send_measure_request(
    request: HttpRequest, patient_id: int, payload: MeasureRequestIn
) -> Status:
    sent, delivery = requests.measure_request_send(
        access=api_access(request),
        patient_id=patient_id,
        instruments=payload.instruments,
        episode_id=payload.episode_id,
    )
    return Status(201, MeasureRequestOut.of(sent, delivery))


@router.get(
    "/measurements/{measurement_id}",
    response={200: MeasurementOut, **ONE_ERRORS},
    summary="One measurement with its score and FHIR shapes",
)
def get_measurement(request: HttpRequest, measurement_id: int) -> MeasurementOut:
    access = api_access(request)
    measurement = selectors.measurement_get(access=access, measurement_id=measurement_id)
    return MeasurementOut.of(measurement, _labels(access, Instrument(measurement.instrument)))


def _marked(access: Access, reason: str, measurement_id: int) -> MeasurementOut:
    measurement = services.measurement_enter_in_error(
        access=access, measurement_id=measurement_id, reason=reason
    )
    return MeasurementOut.of(measurement, _labels(access, Instrument(measurement.instrument)))


enter_in_error_operation(
    router,
    "/measurements/{measurement_id}/entered-in-error",
    module=__name__,
    name="enter_in_error",
    ids={"measurement_id": int},
    payload=EnteredInErrorIn,
    response={200: MeasurementOut, **WRITE_ONE},
    summary="Mark a measurement as entered in error (kept, left out of progress and reports)",
    mark=_marked,
)
