"""The patients API: list and search, read one, register (JSON, audited, clinic-scoped)."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from filiform.api_errors import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS
from filiform.api_pagination import ClinicPages
from filiform.api_types import Text
from filiform.clinics.access import Access
from filiform.patients.models import Patient
from filiform.patients.schemas import PatientIn, PatientOut
from filiform.patients.selectors import patient_get, patient_search
from filiform.patients.services import patient_create

router = Router(tags=["patients"])


def _access(request: HttpRequest) -> Access:
    return request.auth  # type: ignore[attr-defined]


@router.get(
    "",
    response={200: list[PatientOut], **READ_ERRORS},
    summary="List or search the clinic's patients",
)
@paginate(ClinicPages)
def list_patients(request: HttpRequest, q: Text = "") -> QuerySet[Patient]:
    return patient_search(access=_access(request), query=q[:100])


@router.get(
    "/{patient_id}",
    response={200: PatientOut, **ONE_ERRORS},
    summary="One patient",
)
def get_patient(request: HttpRequest, patient_id: int) -> Patient:
    return patient_get(access=_access(request), patient_id=patient_id)


@router.post(
    "",
    response={201: PatientOut, **WRITE_ERRORS},
    summary="Register a patient",
)
def create_patient(request: HttpRequest, payload: PatientIn) -> Status:
    data = payload.dict()
    data["email"] = data["email"] or ""
    return Status(201, patient_create(access=_access(request), **data))
