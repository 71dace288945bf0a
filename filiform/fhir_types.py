"""FHIR R4 data types, the building blocks of every spec that carries a coded value, an amount,
a measured quantity, a reference or a period.

Source: HL7 FHIR R4 (4.0.1), "Data Types" (https://hl7.org/fhir/R4/datatypes.html) and
"References" (https://hl7.org/fhir/R4/references.html). Only the fields Filiform needs are
here, each validated by the rules the standard states for it (the invariants are named:
``qty-3``, ``per-1``, ``ref-1``). They are what the FHIR server will serialise, so a value that
passes here is a valid FHIR element: the server will not have to translate, only to write.
The insurer adapter (``insurance/adapters/fhir.py``) keeps its own wire format for now.

This module imports no app (the import contract's bottom layer): every app may use it.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

UCUM = "http://unitsofmeasure.org"
"""The code system of units of measure FHIR uses for a Quantity's ``code``."""

# FHIR's ``code`` type: no leading or trailing whitespace, single spaces inside.
_CODE = re.compile(r"[^\s]+( [^\s]+)*")
# A relative literal reference: ResourceType/id (FHIR's id: 1 to 64 of A-Z a-z 0-9 - .).
_RELATIVE = re.compile(r"(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})")
_ABSOLUTE = re.compile(r"https?://\S+|urn:(uuid|oid):\S+")


class Element(BaseModel):
    """A FHIR element: immutable, and an unknown field is an error, never silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _code(value: str | None) -> str | None:
    if value is not None and not _CODE.fullmatch(value):
        raise ValueError("a code has no leading, trailing or double whitespace")
    return value


class Coding(Element):
    """A code from a code system (``system`` is the system's URI)."""

    system: str | None = Field(default=None, min_length=1, max_length=255)
    version: str | None = Field(default=None, min_length=1, max_length=64)
    code: str = Field(min_length=1, max_length=255)
    display: str | None = Field(default=None, min_length=1, max_length=500)

    _code_form = field_validator("code")(_code)


class CodeableConcept(Element):
    """A concept, as codes from one or more systems and/or the text a person typed."""

    coding: list[Coding] = Field(default_factory=list, max_length=20)
    text: str | None = Field(default=None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.coding and self.text is None:
            raise ValueError("a concept needs a coding or a text")
        return self


class Quantity(Element):
    """A measured amount: ``value`` with its unit; a coded unit names its system (qty-3)."""

    value: Decimal = Field(allow_inf_nan=False)
    comparator: Literal["<", "<=", ">=", ">"] | None = None
    unit: str | None = Field(default=None, min_length=1, max_length=64)
    system: str | None = Field(default=None, min_length=1, max_length=255)
    code: str | None = Field(default=None, min_length=1, max_length=64)

    _code_form = field_validator("code")(_code)

    @model_validator(mode="after")
    def _coded_unit_has_its_system(self) -> Self:
        if self.code is not None and self.system is None:
            raise ValueError("qty-3: a coded unit needs the system it is coded in")
        return self

    @classmethod
    def of(cls, value: Decimal | int, unit: str) -> Quantity:
        """A quantity in a UCUM unit (``mm``, ``s``, ``Hz``, ``mA``, ``min``)."""
        return cls(value=Decimal(value), unit=unit, system=UCUM, code=unit)


class Money(Element):
    """An amount of money in one currency (ISO 4217: three capital letters, e.g. CAD)."""

    value: Decimal = Field(allow_inf_nan=False)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 currency code, e.g. CAD")

    @classmethod
    def cad(cls, value: Decimal | int | str) -> Money:
        return cls(value=Decimal(value), currency="CAD")


class Reference(Element):
    """A reference to another resource: ``Patient/12``, an absolute URL, or ``#contained``;
    or only what it is called (``display``) when there is nothing to point at (ref-1)."""

    reference: str | None = Field(default=None, min_length=1, max_length=500)
    type: str | None = Field(default=None, pattern=r"^[A-Z][A-Za-z]+$", max_length=64)
    display: str | None = Field(default=None, min_length=1, max_length=500)

    @field_validator("reference")
    @classmethod
    def _literal(cls, value: str | None) -> str | None:
        if value is None or value.startswith("#"):
            return value
        if not (_RELATIVE.fullmatch(value) or _ABSOLUTE.fullmatch(value)):
            raise ValueError("a reference is ResourceType/id, an absolute URL or #contained")
        return value

    @model_validator(mode="after")
    def _points_somewhere(self) -> Self:
        if self.reference is None and self.display is None:
            raise ValueError("ref-1: a reference needs a reference or a display")
        relative = _RELATIVE.fullmatch(self.reference or "")
        if relative and self.type is not None and relative["type"] != self.type:
            raise ValueError("the reference's type is the resource type it names")
        return self

    @classmethod
    def to(cls, resource_type: str, pk: int | str, display: str | None = None) -> Reference:
        return cls(reference=f"{resource_type}/{pk}", type=resource_type, display=display)


class Period(Element):
    """A time span, its start and end inclusive; an open end is ongoing. Dates or aware
    date-times (FHIR's dateTime: a time always has its offset). The start is not after the
    end (per-1): two dates, or a date and a date-time, are compared by day."""

    start: AwareDatetime | dt.date | None = None
    end: AwareDatetime | dt.date | None = None

    @model_validator(mode="after")
    def _starts_before_it_ends(self) -> Self:
        if self.start is not None and self.end is not None and _after(self.start, self.end):
            raise ValueError("per-1: a period cannot end before it starts")
        return self


def _after(start: dt.date, end: dt.date) -> bool:
    if isinstance(start, dt.datetime) and isinstance(end, dt.datetime):
        return start > end
    day = start.date() if isinstance(start, dt.datetime) else start
    return day > (end.date() if isinstance(end, dt.datetime) else end)


__all__ = [
    "UCUM",
    "CodeableConcept",
    "Coding",
    "Element",
    "Money",
    "Period",
    "Quantity",
    "Reference",
]
