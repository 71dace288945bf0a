"""The patients API: list and search, read one, register (JSON, audited, clinic-scoped)."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from filiform.api_errors import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS
from filiform.api_pagination import ClinicPages
from filiform.api_types import Text
from filiform.clinics.access import api_access
from filiform.patients.models import Patient
from filiform.patients.schemas import DuplicateOut, PatientIn, PatientOut, PatientPatch
from filiform.patients.selectors import patient_get, patient_search
from filiform.patients.services import PossibleDuplicate, patient_create, patient_update

router = Router(tags=["patients"])


@router.get(
    "",
    response={200: list[PatientOut], **READ_ERRORS},
    summary="List or search the clinic's patients",
)
@paginate(ClinicPages)
def list_patients(request: HttpRequest, q: Text = "") -> QuerySet[Patient]:
    return patient_search(access=api_access(request), query=q[:100])


@router.get(
    "/{patient_id}",
    response={200: PatientOut, **ONE_ERRORS},
    summary="One patient",
)
def get_patient(request: HttpRequest, patient_id: int) -> Patient:
    return patient_get(access=api_access(request), patient_id=patient_id)


@router.post(
    "",
    response={201: PatientOut, 409: DuplicateOut, **WRITE_ERRORS},
    summary="Register a patient",
)
def create_patient(request: HttpRequest, payload: PatientIn) -> Status:
    try:
        patient = patient_create(
            access=api_access(request),
            patient=payload.patient(),
            confirm_duplicate=payload.confirm_duplicate,
        )
    except PossibleDuplicate as duplicate:
        return Status(
            409,
            {"detail": duplicate.messages[0], "duplicates": [p.pk for p in duplicate.matches]},
        )
    return Status(201, patient)


@router.patch(
    "/{patient_id}",
    response={200: PatientOut, **WRITE_ERRORS, 404: ONE_ERRORS[404]},
    summary="Change a patient's details (only the fields sent)",
)
def update_patient(request: HttpRequest, patient_id: int, payload: PatientPatch) -> Patient:
    sent = payload.model_dump(exclude_unset=True)
    nulls = sorted(
        name for name, value in sent.items() if value is None and name not in ("email", "province")
    )
    if nulls:
        raise HttpError(422, f"These fields cannot be empty: {', '.join(nulls)}")
    return patient_update(access=api_access(request), patient_id=patient_id, changes=payload)
