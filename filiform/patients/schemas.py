import datetime as dt

from ninja import Schema
from pydantic import EmailStr, Field, StrictBool

from filiform.api_types import IsoDate, Text
from filiform.clinics.models import Province
from filiform.patients.models import AdministrativeGender, PreferredLanguage


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


class _PatientFields(Schema):
    gender_text: Text = Field(default="", max_length=100)
    phone: Text = Field(default="", max_length=30)
    phone_home: Text = Field(default="", max_length=30)
    email: EmailStr | None = None
    street: Text = Field(default="", max_length=200)
    city: Text = Field(default="", max_length=100)
    province: Province | None = None
    postal_code: Text = Field(default="", max_length=7)
    preferred_language: PreferredLanguage = PreferredLanguage.ENGLISH
    emergency_contact_name: Text = Field(default="", max_length=150)
    emergency_contact_relationship: Text = Field(default="", max_length=60)
    emergency_contact_phone: Text = Field(default="", max_length=30)
    email_ok: StrictBool = False
    sms_ok: StrictBool = False


class PatientIn(_PatientFields):
    family_name: Text = Field(min_length=1, max_length=100)
    given_names: Text = Field(min_length=1, max_length=150)
    birth_date: IsoDate
    gender: AdministrativeGender
    confirm_duplicate: StrictBool = Field(
        default=False,
        description="Set after a 409 when you have checked that this is a different person.",
    )


class PatientPatch(Schema):
    """Only the fields sent are changed."""

    family_name: Text | None = Field(default=None, min_length=1, max_length=100)
    given_names: Text | None = Field(default=None, min_length=1, max_length=150)
    birth_date: IsoDate | None = None
    gender: AdministrativeGender | None = None
    gender_text: Text | None = Field(default=None, max_length=100)
    phone: Text | None = Field(default=None, max_length=30)
    phone_home: Text | None = Field(default=None, max_length=30)
    email: EmailStr | None = None
    street: Text | None = Field(default=None, max_length=200)
    city: Text | None = Field(default=None, max_length=100)
    province: Province | None = None
    postal_code: Text | None = Field(default=None, max_length=7)
    preferred_language: PreferredLanguage | None = None
    emergency_contact_name: Text | None = Field(default=None, max_length=150)
    emergency_contact_relationship: Text | None = Field(default=None, max_length=60)
    emergency_contact_phone: Text | None = Field(default=None, max_length=30)
    email_ok: StrictBool | None = None
    sms_ok: StrictBool | None = None


class DuplicateOut(Schema):
    detail: str
    duplicates: list[int]
