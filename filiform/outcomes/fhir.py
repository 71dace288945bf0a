"""Measurements as FHIR R4 resources: every measurement is an ``Observation``; a questionnaire's
answers are also a ``QuestionnaireResponse`` the Observation is derived from.

Codes: our own CodeSystem names each instrument (``nprs``, ``ndi``…). A LOINC code is added only
where it is certain: NPRS is LOINC 72514-3 "Pain severity - 0-10 verbal numeric rating [Score] -
Reported". Other instruments' LOINC panels exist for some versions and languages only; a wrong
code is worse than none, so they carry ours alone.

Units are UCUM: ``{score}`` for points, ``%``, ``deg``, ``kg/cm2``. A measurement that could not
be scored has no value but a ``dataAbsentReason`` and the reason in a note. Item wording is the
clinic's licensed text where loaded, else the neutral label (never questionnaire wording of ours).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from filiform.outcomes.instruments import SPECS, Instrument, band_label
from filiform.outcomes.models import Measurement, MeasurementSource, MeasurementStatus

CODE_SYSTEM = "https://filiform.invalid/fhir/CodeSystem/outcome-measure"
BAND_SYSTEM = "https://filiform.invalid/fhir/CodeSystem/outcome-band"
COMPONENT_SYSTEM = "https://filiform.invalid/fhir/CodeSystem/outcome-component"
QUESTIONNAIRE = "https://filiform.invalid/fhir/Questionnaire/"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
ABSENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/data-absent-reason"

LOINC_CODES: dict[Instrument, tuple[str, str]] = {
    Instrument.NPRS: ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported"),
}
UCUM_UNITS: dict[str, str] = {"points": "{score}", "%": "%", "degrees": "deg", "kg/cm²": "kg/cm2"}
# Decimal places a score is kept to (instruments.py rounds once, to these).
PLACES: dict[Instrument, int] = {
    Instrument.NPRS: 0,
    Instrument.PSFS: 1,
    Instrument.NDI: 1,
    Instrument.ODI: 1,
    Instrument.QUICKDASH: 1,
    Instrument.LEFS: 0,
    Instrument.ROM: 1,
    Instrument.PPT: 2,
}
QUESTIONNAIRES = frozenset(
    {
        Instrument.NPRS,
        Instrument.PSFS,
        Instrument.NDI,
        Instrument.ODI,
        Instrument.QUICKDASH,
        Instrument.LEFS,
    }
)
EXAMS = frozenset({Instrument.ROM, Instrument.PPT})


def number(value: Decimal, places: int) -> int | float:
    """A JSON number with the score's own precision (7, 34.4, 3.25)."""
    exact = value.quantize(Decimal(1).scaleb(-places))
    return int(exact) if places == 0 else float(exact)


def score_value(measurement: Measurement) -> int | float | None:
    if measurement.value is None:
        return None
    return number(measurement.value, PLACES[Instrument(measurement.instrument)])


def _coding(code: str, display: str, system: str = COMPONENT_SYSTEM) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _quantity(value: int | float, unit: str) -> dict[str, Any]:
    ucum = UCUM_UNITS[unit]
    return {"value": value, "unit": unit, "system": UCUM, "code": ucum}


def _components(measurement: Measurement) -> list[dict[str, Any]]:
    code = Instrument(measurement.instrument)
    answers = measurement.answers if isinstance(measurement.answers, dict) else {}
    if code is Instrument.ROM:
        parts = [
            ("joint", "Joint", answers.get("joint")),
            ("movement", "Movement", answers.get("movement")),
            ("side", "Side", answers.get("side") or None),
            ("mode", "Active or passive", answers.get("mode")),
        ]
        return [
            {"code": _coding(f"rom-{key}", label), "valueString": str(value)}
            for key, label, value in parts
            if value
        ]
    if code is Instrument.PPT:
        trials = answers.get("trials") or []
        return [
            {
                "code": _coding(f"ppt-trial-{n}", f"Trial {n}"),
                "valueQuantity": _quantity(number(Decimal(str(trial)), 2), "kg/cm²"),
            }
            for n, trial in enumerate(trials, start=1)
        ]
    return []


def observation(measurement: Measurement) -> dict[str, Any]:
    """The measurement as a FHIR R4 Observation."""
    code = Instrument(measurement.instrument)
    spec = SPECS[code]
    codings = [{"system": CODE_SYSTEM, "code": code.value, "display": spec.name}]
    if code in LOINC_CODES:
        loinc, display = LOINC_CODES[code]
        codings.append({"system": LOINC, "code": loinc, "display": display})
    category = "exam" if code in EXAMS else "survey"
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(measurement.pk),
        "status": "entered-in-error"
        if measurement.status == MeasurementStatus.ENTERED_IN_ERROR
        else "final",
        "category": [
            {
                "coding": [
                    {
                        "system": CATEGORY_SYSTEM,
                        "code": category,
                        "display": "Exam" if category == "exam" else "Survey",
                    }
                ]
            }
        ],
        "code": {"coding": codings, "text": spec.name},
        "subject": {"reference": f"Patient/{measurement.patient_id}"},
        "effectiveDateTime": measurement.taken_at.isoformat(),
        "issued": measurement.created_at.isoformat(),
    }
    if measurement.visit_id is not None:
        resource["encounter"] = {"reference": f"Encounter/{measurement.visit_id}"}
    if measurement.source == MeasurementSource.PATIENT:
        resource["performer"] = [{"reference": f"Patient/{measurement.patient_id}"}]
    elif measurement.recorded_by is not None:
        resource["performer"] = [{"display": measurement.recorded_by.display_name}]
    if measurement.subject and code is Instrument.PPT:
        resource["bodySite"] = {"text": measurement.subject}
    notes: list[dict[str, str]] = []
    value = score_value(measurement)
    if measurement.scorable and value is not None:
        resource["valueQuantity"] = _quantity(value, spec.unit)
    else:
        resource["dataAbsentReason"] = _coding(
            "asked-unknown", "Asked But Unknown", system=ABSENT_SYSTEM
        )
        notes.append({"text": f"Not scorable: {measurement.why_not or 'no score'}"})
    if measurement.band:
        resource["interpretation"] = [
            _coding(measurement.band, band_label(measurement.band), system=BAND_SYSTEM)
        ]
    if measurement.status == MeasurementStatus.ENTERED_IN_ERROR and measurement.error_reason:
        notes.append({"text": f"Entered in error: {measurement.error_reason}"})
    if notes:
        resource["note"] = notes
    components = _components(measurement)
    if components:
        resource["component"] = components
    if code in QUESTIONNAIRES:
        resource["derivedFrom"] = [{"reference": f"QuestionnaireResponse/{measurement.pk}"}]
    return resource


def _answered(measurement: Measurement, labels: tuple[str, ...]) -> list[dict[str, Any]]:
    """(linkId, text, value) for each answered item; an unanswered item is left out."""
    code = Instrument(measurement.instrument)
    answers = measurement.answers if isinstance(measurement.answers, dict) else {}
    items: list[dict[str, Any]] = []
    if code is Instrument.NPRS:
        rating = answers.get("rating")
        if isinstance(rating, int) and not isinstance(rating, bool):
            label = labels[0] if labels else "Rating"
            items.append(_item(1, label, rating))
    elif code is Instrument.PSFS:
        for n, activity in enumerate(answers.get("activities") or [], start=1):
            if isinstance(activity, dict) and isinstance(activity.get("rating"), int):
                items.append(_item(n, str(activity.get("name", "")).strip(), activity["rating"]))
    else:
        for n, answer in enumerate(answers.get("items") or [], start=1):
            if isinstance(answer, int) and not isinstance(answer, bool):
                label = labels[n - 1] if n - 1 < len(labels) else f"Item {n}"
                items.append(_item(n, label, answer))
    return items


def _item(n: int, text: str, value: int) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": f"item-{n}", "answer": [{"valueInteger": value}]}
    if text:
        item["text"] = text
    return item


def questionnaire_response(
    measurement: Measurement, labels: tuple[str, ...] | None = None
) -> dict[str, Any] | None:
    """A questionnaire's answers as a FHIR R4 QuestionnaireResponse; None for range of motion and
    pressure pain threshold, which are measured, not answered. ``labels`` are the item texts
    (the clinic's licensed wording, or the neutral labels when None)."""
    code = Instrument(measurement.instrument)
    if code not in QUESTIONNAIRES:
        return None
    labels = SPECS[code].item_labels if labels is None else labels
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": str(measurement.pk),
        "questionnaire": f"{QUESTIONNAIRE}{code.value}",
        "status": "entered-in-error"
        if measurement.status == MeasurementStatus.ENTERED_IN_ERROR
        else "completed",
        "subject": {"reference": f"Patient/{measurement.patient_id}"},
        "authored": measurement.taken_at.isoformat(),
    }
    if measurement.source == MeasurementSource.PATIENT:
        resource["source"] = {"reference": f"Patient/{measurement.patient_id}"}
    if measurement.visit_id is not None:
        resource["encounter"] = {"reference": f"Encounter/{measurement.visit_id}"}
    items = _answered(measurement, labels)
    if items:
        resource["item"] = items
    return resource
