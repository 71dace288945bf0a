"""What the practitioners API reads and writes. Input schemas only parse: the services decide."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from filiform.anatomy.regions import Region as BodyRegion
from filiform.api_types import IsoDate, Text
from filiform.clinics.models import Province
from filiform.practitioners.models import AuthorizationKind, RegistrationStatus, TrainingProvider


class ExpiringOut(Schema):
    what: str
    on: dt.date
    days_left: int


class StandingOut(Schema):
    membership_id: int
    name: str
    email: str
    role: str
    can_needle: bool
    reasons: list[str]
    regions: list[str]
    expiring: list[ExpiringOut]


class RegistrationIn(Schema):
    province: Province
    college: Text = Field(min_length=1, max_length=200)
    number: Text = Field(min_length=1, max_length=40, description="Registration number.")
    status: RegistrationStatus
    expires_on: IsoDate


class _OnFile(Schema):
    id: int
    created_at: dt.datetime
    entered_in_error_at: dt.datetime | None = Field(
        description="Set when the entry was marked as entered in error; it then counts for nothing."
    )
    entered_in_error_reason: str


class RegistrationOut(RegistrationIn, _OnFile):
    pass


class AuthorizationIn(Schema):
    kind: AuthorizationKind
    granted_on: IsoDate
    expires_on: IsoDate | None = Field(
        default=None, description="Empty when the authorization does not expire."
    )
    reference: Text = Field(default="", max_length=60, description="Roster or permit reference.")


class AuthorizationOut(AuthorizationIn, _OnFile):
    pass


class TrainingIn(Schema):
    """Sent as multipart/form-data fields, beside the optional ``certificate`` file."""

    provider: TrainingProvider
    provider_name: Text = Field(
        default="", max_length=120, description="Required when provider is 'other'."
    )
    level: Text = Field(min_length=1, max_length=120, description="Course and level.")
    completed_on: dt.date
    regions: list[BodyRegion] = Field(
        default_factory=list,
        description="Body regions the course covers; none means the whole body.",
    )


class TrainingOut(_OnFile):
    provider: TrainingProvider
    provider_name: str
    level: str
    completed_on: dt.date
    regions: list[str] = Field(description="Body regions covered; empty means the whole body.")
    certificate_sha256: str | None = Field(description="SHA-256 of the certificate, if any.")
    certificate_url: str | None = Field(description="Where to download the certificate, if any.")


class CredentialEnteredInErrorIn(Schema):
    reason: Text = Field(min_length=1, max_length=300, description="Why the entry is wrong.")


class CredentialsOut(Schema):
    membership_id: int
    name: str
    registrations: list[RegistrationOut]
    authorizations: list[AuthorizationOut]
    trainings: list[TrainingOut]
