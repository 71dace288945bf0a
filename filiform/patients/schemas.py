"""The patients API's shapes: a patient read back, and the specs a client sends
(``patients/specs.py``: the same limits as the registration page's and the services')."""

import datetime as dt

from ninja import Schema
from pydantic import Field, StrictBool

from filiform.patients.models import AdministrativeGender, PreferredLanguage
from filiform.patients.specs import PatientChanges, PatientSpec


class PatientOut(Schema):
    id: int
    family_name: str
    given_names: str
    birth_date: dt.date
    gender: AdministrativeGender
    gender_text: str
    phone: str
    phone_home: str
    email: str
    street: str
    city: str
    province: str
    postal_code: str
    preferred_language: PreferredLanguage
    emergency_contact_name: str
    emergency_contact_relationship: str
    emergency_contact_phone: str
    email_ok: bool
    sms_ok: bool
    active: bool


class PatientIn(PatientSpec):
    confirm_duplicate: StrictBool = Field(
        default=False,
        description="Set after a 409 when you have checked that this is a different person.",
    )

    def patient(self) -> PatientSpec:
        """The patient's spec, without the API's confirmation flag."""
        return PatientSpec.model_validate(self.model_dump(exclude={"confirm_duplicate"}))


class PatientPatch(PatientChanges):
    """Only the fields sent are changed."""


class DuplicateOut(Schema):
    detail: str
    duplicates: list[int]
