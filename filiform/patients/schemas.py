from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import EmailStr, Field

from filiform.patients.models import AdministrativeGender


class PatientOut(Schema):
    id: int
    family_name: str
    given_names: str
    birth_date: dt.date
    gender: AdministrativeGender
    phone: str
    email: str
    active: bool


class PatientIn(Schema):
    family_name: str = Field(min_length=1, max_length=100)
    given_names: str = Field(min_length=1, max_length=150)
    birth_date: dt.date
    gender: AdministrativeGender
    phone: str = Field(default="", max_length=30)
    email: EmailStr | None = None
