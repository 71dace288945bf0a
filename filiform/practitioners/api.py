"""Practitioners' needling standing and credentials (owners: every clinician; others: their own).

Writes go through the same services as the credentials page, so the rules are the pages' rules.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import File, Form, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from filiform import api_auth
from filiform.api_errors import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS
from filiform.clinics.access import CLINICIAN_ROLES, Access, Permission, api_access
from filiform.clinics.models import Membership
from filiform.clinics.record_endpoints import enter_in_error_operation
from filiform.practitioners.models import NeedlingAuthorization, NeedlingTraining, Registration
from filiform.practitioners.schemas import (
    AuthorizationIn,
    AuthorizationOut,
    CredentialEnteredInErrorIn,
    CredentialsOut,
    ExpiringOut,
    RegistrationIn,
    RegistrationOut,
    StandingOut,
    TrainingIn,
    TrainingOut,
)
from filiform.practitioners.selectors import (
    CertificateFileMissing,
    certificate_open,
    credentials_get,
)
from filiform.practitioners.services import (
    CERTIFICATE_MEDIA_TYPES,
    authorization_add,
    credential_enter_in_error,
    credentials_member,
    registration_add,
    training_add,
)
from filiform.practitioners.standing import practitioner_standing

router = Router(tags=["practitioners"])

ADD_ERRORS = {**WRITE_ERRORS, 404: ONE_ERRORS[404]}


def _member_first(request: HttpRequest, access: Access | None, *, change: bool) -> Access | None:
    """Once the caller is known, settle the staff member named in the path (404 for another
    clinic's, 403 without permission) before the body is parsed: a caller who may not record
    credentials gets that answer, not a list of what is wrong with the data they sent."""
    match = request.resolver_match
    membership_id = str(match.kwargs.get("membership_id", "")) if match else ""
    if access is not None and membership_id.isascii() and membership_id.isdigit():  # not "³"
        credentials_member(access=access, membership_id=int(membership_id), change=change)
    return access


# Named as the API's own authenticators, so the OpenAPI security schemes stay the same two.
class BearerToken(api_auth.BearerToken):
    def __init__(self, *, change: bool) -> None:
        super().__init__()
        self.change = change

    def __call__(self, request: HttpRequest) -> Access | None:
        return _member_first(request, super().__call__(request), change=self.change)


class BrowserSession(api_auth.BrowserSession):
    def __init__(self, *, change: bool) -> None:
        super().__init__()
        self.change = change

    def __call__(self, request: HttpRequest) -> Access | None:
        return _member_first(request, super().__call__(request), change=self.change)


MEMBER_READ = [BearerToken(change=False), BrowserSession(change=False)]
MEMBER_WRITE = [BearerToken(change=True), BrowserSession(change=True)]


def _standing(membership: Membership) -> StandingOut:
    standing = practitioner_standing(membership=membership, on=timezone.localdate())
    return StandingOut(
        membership_id=membership.pk,
        name=membership.user.display_name,
        email=membership.user.email,
        role=membership.role,
        can_needle=standing.can_needle,
        reasons=standing.reasons,
        regions=sorted(standing.regions),
        expiring=[
            ExpiringOut(what=e.what, on=e.on, days_left=e.days_left) for e in standing.expiring
        ],
    )


def _registration(record: Registration) -> RegistrationOut:
    return RegistrationOut.model_validate(record, from_attributes=True)


def _authorization(record: NeedlingAuthorization) -> AuthorizationOut:
    return AuthorizationOut.model_validate(record, from_attributes=True)


def _training(record: NeedlingTraining) -> TrainingOut:
    url = None
    if record.certificate:
        url = reverse(
            "api:practitioner_certificate",
            kwargs={"membership_id": record.membership_id, "training_id": record.pk},
        )
    return TrainingOut(
        id=record.pk,
        provider=record.provider,  # type: ignore[arg-type]
        provider_name=record.provider_name,
        level=record.level,
        completed_on=record.completed_on,
        regions=list(record.regions or []),
        certificate_sha256=record.certificate_sha256 or None,
        certificate_url=url,
        created_at=record.created_at,
        entered_in_error_at=record.entered_in_error_at,
        entered_in_error_reason=record.entered_in_error_reason,
    )


@router.get(
    "", response={200: list[StandingOut], **READ_ERRORS}, summary="Clinicians who may needle"
)
def list_standing(request: HttpRequest) -> list[StandingOut]:
    access = api_access(request)
    members = (
        Membership.objects.of(access)
        .select_related("user")
        .filter(is_active=True, role__in=CLINICIAN_ROLES)
    )
    if not access.can(Permission.CLINIC_MANAGE):
        members = members.filter(pk=access.membership.pk)
    return [_standing(m) for m in members.order_by("user__last_name", "id")]


@router.get(
    "/{membership_id}",
    response={200: StandingOut, **ONE_ERRORS},
    summary="One clinician's standing",
)
def get_standing(request: HttpRequest, membership_id: int) -> StandingOut:
    return _standing(credentials_member(access=api_access(request), membership_id=membership_id))


@router.get(
    "/{membership_id}/credentials",
    response={200: CredentialsOut, **ONE_ERRORS},
    auth=MEMBER_READ,
    summary="One clinician's registrations, authorizations and courses on file",
)
def get_credentials(request: HttpRequest, membership_id: int) -> CredentialsOut:
    found = credentials_get(access=api_access(request), membership_id=membership_id)
    return CredentialsOut(
        membership_id=found.member.pk,
        name=found.member.user.display_name,
        registrations=[_registration(r) for r in found.registrations],
        authorizations=[_authorization(a) for a in found.authorizations],
        trainings=[_training(t) for t in found.trainings],
    )


@router.post(
    "/{membership_id}/registrations",
    response={201: RegistrationOut, **ADD_ERRORS},
    auth=MEMBER_WRITE,
    summary="Record a professional registration",
)
def add_registration(request: HttpRequest, membership_id: int, payload: RegistrationIn) -> Status:
    record = registration_add(
        access=api_access(request), membership_id=membership_id, **payload.model_dump()
    )
    return Status(201, _registration(record))


@router.post(
    "/{membership_id}/authorizations",
    response={201: AuthorizationOut, **ADD_ERRORS},
    auth=MEMBER_WRITE,
    summary="Record a needling authorization (roster, restricted activity, permit)",
)
def add_authorization(request: HttpRequest, membership_id: int, payload: AuthorizationIn) -> Status:
    record = authorization_add(
        access=api_access(request), membership_id=membership_id, **payload.model_dump()
    )
    return Status(201, _authorization(record))


@router.post(
    "/{membership_id}/trainings",
    response={201: TrainingOut, **ADD_ERRORS},
    auth=MEMBER_WRITE,
    summary="Record a completed needling course, with its certificate (PDF, PNG or JPEG, ≤ 5 MB)",
)
def add_training(
    request: HttpRequest,
    membership_id: int,
    payload: Form[TrainingIn],
    certificate: File[UploadedFile] = None,  # type: ignore[assignment]
) -> Status:
    record = training_add(
        access=api_access(request),
        membership_id=membership_id,
        certificate=certificate,
        **payload.model_dump(),
    )
    return Status(201, _training(record))


def _credential_out(
    record: Registration | NeedlingAuthorization | NeedlingTraining,
) -> RegistrationOut | AuthorizationOut | TrainingOut:
    if isinstance(record, Registration):
        return _registration(record)
    if isinstance(record, NeedlingAuthorization):
        return _authorization(record)
    return _training(record)


enter_in_error_operation(
    router,
    "/{membership_id}/{kind}/{credential_id}/entered-in-error",
    module=__name__,
    name="enter_in_error",
    ids={
        "membership_id": int,
        "kind": Literal["registrations", "authorizations", "trainings"],
        "credential_id": int,
    },
    payload=CredentialEnteredInErrorIn,
    response={200: RegistrationOut | AuthorizationOut | TrainingOut, **ADD_ERRORS},
    auth=MEMBER_WRITE,
    summary="Mark a credential as entered in error (credentials are never deleted)",
    mark=lambda access, reason, **ids: _credential_out(
        credential_enter_in_error(access=access, reason=reason, **ids)
    ),
)


CERTIFICATE_CONTENT: dict[str, Any] = {
    media_type: {"schema": {"type": "string", "format": "binary"}}
    for media_type in CERTIFICATE_MEDIA_TYPES.values()
}


@router.get(
    "/{membership_id}/trainings/{training_id}/certificate",
    response={200: None, **ONE_ERRORS},
    auth=MEMBER_READ,
    url_name="practitioner_certificate",
    summary="Download a course certificate (audited)",
    openapi_extra={
        "responses": {200: {"description": "The certificate file.", "content": CERTIFICATE_CONTENT}}
    },
)
def get_certificate(request: HttpRequest, membership_id: int, training_id: int) -> FileResponse:
    try:
        found = certificate_open(
            access=api_access(request), membership_id=membership_id, training_id=training_id
        )
    except CertificateFileMissing as missing:
        raise HttpError(404, str(missing)) from missing
    return FileResponse(
        found.file, as_attachment=True, filename=found.filename, content_type=found.media_type
    )
