"""Writing outcome measurements: validated and scored by the instrument's rules, stored with the
answers as given, audited. Bad item values are refused with what to fix; too few items answered
is stored as "not scorable" with the reason, never as a wrong number."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from filiform.audit.services import AuditAction, audit_access
from filiform.charting.models import Visit
from filiform.clinics.access import Access, Permission, clinic_get
from filiform.clinics.records import enter_in_error
from filiform.outcomes.instruments import SPECS, Instrument, ItemError, Score, score
from filiform.outcomes.models import (
    InstrumentText,
    Measurement,
    MeasurementSource,
    MeasureRequest,
)
from filiform.patients.models import EpisodeOfCare, Patient
from filiform.patients.selectors import patient_of_clinic

MAX_FUTURE = dt.timedelta(minutes=5)  # clock skew of a tablet


def instrument_of(value: str) -> Instrument:
    try:
        return Instrument(value)
    except ValueError:
        raise ValidationError(
            {
                "instrument": _("Unknown measure “%(v)s”. Choose one of: %(all)s.")
                % {"v": str(value)[:40], "all": ", ".join(i.value for i in Instrument)}
            }
        ) from None


def scored(instrument: Instrument, answers: Any) -> Score:
    """The score, or a ValidationError naming each bad item."""
    if not isinstance(answers, dict):
        raise ValidationError({"answers": _("Answers must be an object of the measure's fields.")})
    try:
        return score(instrument, answers)
    except ItemError as error:
        raise ValidationError(error.errors) from None


def subject_of(instrument: Instrument, answers: dict[str, Any]) -> str:
    """What a series is about within an instrument: a joint movement, an algometer site."""
    if instrument == Instrument.ROM:
        parts = (
            answers.get("joint"),
            answers.get("movement"),
            answers.get("side"),
            answers.get("mode"),
        )
        return "/".join(str(p or "") for p in parts)[:120]
    if instrument == Instrument.PPT:
        return " ".join(str(answers.get("site", "")).split()).lower()[:120]
    return ""


def episode_for_measures(patient: Patient, episode_id: int | None) -> EpisodeOfCare:
    """The named episode of the patient, or their latest open one."""
    episodes = EpisodeOfCare.objects.of_clinic(patient.clinic_id).filter(patient=patient)
    episode = (
        episodes.filter(pk=episode_id).first()
        if episode_id is not None
        else episodes.filter(ended_on__isnull=True).order_by("-started_on", "-pk").first()
    )
    if episode is None:
        raise ValidationError(
            {"episode_id": _("Choose one of the patient's episodes of care (open one first).")}
        )
    return episode


def measurement_store(
    *,
    patient: Patient,
    episode: EpisodeOfCare,
    instrument: Instrument,
    answers: dict[str, Any],
    source: MeasurementSource,
    result: Score,
    taken_at: dt.datetime,
    visit: Visit | None = None,
    recorded_by: Any = None,
    request: MeasureRequest | None = None,
) -> Measurement:
    return Measurement.objects.of_clinic(patient.clinic_id).create(
        patient=patient,
        episode=episode,
        visit=visit,
        instrument=instrument.value,
        subject=subject_of(instrument, answers),
        taken_at=taken_at,
        source=source,
        answers=answers,
        value=result.value,
        scorable=result.scorable,
        why_not=result.why_not,
        band=result.band,
        detail=_jsonable(result.detail),
        recorded_by=recorded_by,
        request=request,
    )


def _jsonable(detail: dict[str, Any]) -> dict[str, Any]:
    from decimal import Decimal

    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in detail.items()}


@transaction.atomic
def measurement_record(
    *,
    access: Access,
    patient_id: int,
    instrument: str,
    answers: Any,
    episode_id: int | None = None,
    visit_id: int | None = None,
    taken_at: dt.datetime | None = None,
) -> Measurement:
    """A measure taken by the clinician (in the visit, or entered from paper)."""
    patient = patient_of_clinic(access=access, patient_id=patient_id)
    access.require(Permission.CLINICAL_RECORD, object_type="measurement", patient_id=patient.pk)
    code = instrument_of(instrument)
    visit = None
    if visit_id is not None:
        visit = Visit.objects.of(access).filter(pk=visit_id, patient=patient).first()
        if visit is None:
            raise ValidationError({"visit_id": _("That visit is not this patient's.")})
        episode = visit.episode
    else:
        episode = episode_for_measures(patient, episode_id)
    taken_at = taken_at or timezone.now()
    if taken_at > timezone.now() + MAX_FUTURE:
        raise ValidationError({"taken_at": _("A measure cannot be taken in the future.")})
    if taken_at.date() < patient.birth_date:
        raise ValidationError({"taken_at": _("That date is before the patient was born.")})
    result = scored(code, answers)
    measurement = measurement_store(
        patient=patient,
        episode=episode,
        instrument=code,
        answers=answers,
        source=MeasurementSource.CLINICIAN,
        result=result,
        taken_at=taken_at,
        visit=visit,
        recorded_by=access.user,
    )
    audit_access(
        access,
        action=AuditAction.CREATE,
        object_type="measurement",
        object_id=measurement.pk,
        patient_id=patient.pk,
        detail={"instrument": code.value, "scorable": result.scorable},
    )
    return measurement


@transaction.atomic
def measurement_enter_in_error(*, access: Access, measurement_id: int, reason: str) -> Measurement:
    """A measurement taken by mistake stays on file, marked, and leaves progress and reports."""
    measurement = clinic_get(
        access, Measurement, measurement_id, permission=Permission.CLINICAL_RECORD, for_update=True
    )
    return enter_in_error(access=access, record=measurement, reason=reason)


@transaction.atomic
def instrument_texts_load(
    *, access: Access, instrument: str, texts: list[str]
) -> list[InstrumentText]:
    """A clinic that holds the licence loads the item wording (one text per item, in order)."""
    access.require(Permission.CLINIC_MANAGE)
    code = instrument_of(instrument)
    spec = SPECS[code]
    if spec.items is None:
        raise ValidationError({"instrument": _("This measure has no questionnaire items.")})
    cleaned = [str(t or "").replace("\x00", "").strip()[:500] for t in texts]
    if len(cleaned) != spec.items or not all(cleaned):
        raise ValidationError(
            {
                "texts": _("Give the wording of all %(n)d items, one per line, in order.")
                % {"n": spec.items}
            }
        )
    clinic_id = access.membership.clinic_id
    InstrumentText.objects.of(access).filter(instrument=code.value).delete()
    rows = InstrumentText.objects.of(access).bulk_create(
        InstrumentText(
            clinic_id=clinic_id,
            instrument=code.value,
            item=number,
            text=text,
            loaded_by=access.user,
        )
        for number, text in enumerate(cleaned, start=1)
    )
    audit_access(
        access,
        action=AuditAction.UPDATE,
        object_type="instrument_text",
        object_id=code.value,
        detail={"items": len(rows)},
    )
    return rows


def item_labels(*, clinic_id: int, instrument: Instrument) -> tuple[str, ...]:
    """The clinic's licensed wording where loaded, else the neutral labels."""
    spec = SPECS[instrument]
    loaded = dict(
        InstrumentText.objects.of_clinic(clinic_id)
        .filter(instrument=instrument.value)
        .values_list("item", "text")
    )
    return tuple(loaded.get(n, label) for n, label in enumerate(spec.item_labels, start=1))
