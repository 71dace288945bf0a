from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from filiform.clinics.access import Access
from filiform.patients.models import Patient
from filiform.patients.schemas import PatientIn, PatientOut
from filiform.patients.selectors import patient_get, patient_search
from filiform.patients.services import patient_create

router = Router(tags=["patients"])


class Error(Schema):
    detail: str


class ValidationErrorOut(Schema):
    detail: object


def _access(request: HttpRequest) -> Access:
    return request.auth  # type: ignore[attr-defined]


@router.get(
    "",
    response={200: list[PatientOut], 401: Error, 403: Error},
    summary="List or search the clinic's patients",
)
@paginate(PageNumberPagination, page_size=20)
def list_patients(request: HttpRequest, q: str = "") -> QuerySet[Patient]:
    return patient_search(access=_access(request), query=q[:100])


@router.get(
    "/{patient_id}",
    response={200: PatientOut, 401: Error, 403: Error, 404: Error},
    summary="One patient",
)
def get_patient(request: HttpRequest, patient_id: int) -> Patient:
    return patient_get(access=_access(request), patient_id=patient_id)


@router.post(
    "",
    response={
        201: PatientOut,
        400: Error,
        401: Error,
        403: Error,
        413: Error,
        422: ValidationErrorOut,
    },
    summary="Register a patient",
)
def create_patient(request: HttpRequest, payload: PatientIn) -> Status:
    data = payload.dict()
    data["email"] = data["email"] or ""
    return Status(201, patient_create(access=_access(request), **data))
