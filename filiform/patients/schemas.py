from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator, EmailStr, Field

from filiform.api_types import Text
from filiform.patients.models import AdministrativeGender


def _iso_date_text(value: Any) -> Any:
    """Dates arrive as YYYY-MM-DD text; a bare number is not silently read as a timestamp."""
    if not isinstance(value, str | dt.date):
        raise ValueError("give the date as text in the form YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text)]


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
    family_name: Text = Field(min_length=1, max_length=100)
    given_names: Text = Field(min_length=1, max_length=150)
    birth_date: IsoDate
    gender: AdministrativeGender
    phone: Text = Field(default="", max_length=30)
    email: EmailStr | None = None
