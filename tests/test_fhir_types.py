"""The FHIR R4 building blocks (filiform/fhir_types.py): each field's rule and each invariant the
standard names (qty-3, per-1, ref-1), at its edges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from filiform.fhir_types import (
    UCUM,
    CodeableConcept,
    Coding,
    Money,
    Period,
    Quantity,
    Reference,
)

UTC = dt.UTC
TORONTO = dt.timezone(dt.timedelta(hours=-5))


def test_a_coding_needs_a_code_without_stray_spaces() -> None:
    coding = Coding(system="http://snomed.info/sct", code="125667009", display="Bruise")
    assert coding.model_dump(exclude_none=True) == {
        "system": "http://snomed.info/sct",
        "code": "125667009",
        "display": "Bruise",
    }
    assert Coding(code="entered-in-error").code == "entered-in-error"
    assert Coding(code="a b").code == "a b"
    for bad in ("", " lead", "trail ", "two  spaces", "tab\there"):
        with pytest.raises(ValidationError):
            Coding(code=bad)
    with pytest.raises(ValidationError, match="code"):
        Coding.model_validate({"system": "http://snomed.info/sct"})


def test_elements_refuse_unknown_fields_and_do_not_change() -> None:
    with pytest.raises(ValidationError, match="extra"):
        Coding.model_validate({"code": "x", "colour": "red"})
    coding = Coding(code="x")
    with pytest.raises(ValidationError):
        setattr(coding, "code", "y")  # noqa: B010  (what a careless caller would do)


def test_a_concept_is_codes_or_text_or_both() -> None:
    assert CodeableConcept(text="Sore after treatment").text == "Sore after treatment"
    both = CodeableConcept(coding=[Coding(code="bruising")], text="Bruise, left deltoid")
    assert both.coding[0].code == "bruising"
    with pytest.raises(ValidationError, match="coding or a text"):
        CodeableConcept()
    with pytest.raises(ValidationError):
        CodeableConcept(text="")


def test_a_quantity_has_a_decimal_value_and_a_coded_unit_names_its_system() -> None:
    length = Quantity.of(40, "mm")
    assert (length.value, length.unit, length.system, length.code) == (
        Decimal(40),
        "mm",
        UCUM,
        "mm",
    )
    assert Quantity(value=Decimal("0.25"), unit="mm").value == Decimal("0.25")
    assert Quantity.model_validate({"value": "12.5", "comparator": "<="}).comparator == "<="
    with pytest.raises(ValidationError, match="qty-3"):
        Quantity(value=Decimal(1), code="mm")
    for bad in ("NaN", "Infinity", "twelve"):
        with pytest.raises(ValidationError):
            Quantity.model_validate({"value": bad, "unit": "mm"})
    with pytest.raises(ValidationError):
        Quantity.model_validate({"value": 1, "comparator": "=="})


@pytest.mark.parametrize("currency", ["CAD", "USD", "EUR"])
def test_money_is_an_amount_in_an_iso_4217_currency(currency: str) -> None:
    assert Money(value=Decimal("85.00"), currency=currency).currency == currency
    assert Money.cad("85.00") == Money(value=Decimal("85.00"), currency="CAD")


@pytest.mark.parametrize("currency", ["cad", "CA", "CADD", "C4D", "", "$"])
def test_money_refuses_a_currency_that_is_not_three_capital_letters(currency: str) -> None:
    with pytest.raises(ValidationError, match="currency"):
        Money(value=Decimal(1), currency=currency)


def test_money_refuses_a_value_that_is_not_a_finite_decimal() -> None:
    for bad in ("NaN", "-Infinity", "ten dollars", None):
        with pytest.raises(ValidationError):
            Money.model_validate({"value": bad, "currency": "CAD"})


@pytest.mark.parametrize(
    "reference",
    ["Patient/12", "Practitioner/a-b.c", "https://fhir.example.test/Patient/1", "#contained-1"],
)
def test_a_reference_is_relative_absolute_or_contained(reference: str) -> None:
    assert Reference(reference=reference).reference == reference


@pytest.mark.parametrize(
    "reference", ["Patient", "patient/12", "Patient/", "Patient/1 2", "Patient/" + "9" * 65]
)
def test_a_reference_of_no_known_form_is_refused(reference: str) -> None:
    with pytest.raises(ValidationError, match="reference"):
        Reference(reference=reference)


def test_a_reference_points_somewhere_and_its_type_is_the_one_it_names() -> None:
    assert Reference(display="Dr. Test Person").display == "Dr. Test Person"
    assert Reference.to("Patient", 12, "Quill Zanzibarian").model_dump(exclude_none=True) == {
        "reference": "Patient/12",
        "type": "Patient",
        "display": "Quill Zanzibarian",
    }
    with pytest.raises(ValidationError, match="ref-1"):
        Reference()
    with pytest.raises(ValidationError, match="type"):
        Reference(reference="Patient/12", type="Practitioner")


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        (dt.date(2026, 1, 1), dt.date(2026, 1, 1)),  # one day: inclusive
        (dt.date(2026, 1, 1), None),  # ongoing
        (None, dt.date(2026, 1, 1)),
        (dt.datetime(2026, 1, 1, 9, tzinfo=UTC), dt.datetime(2026, 1, 1, 9, tzinfo=UTC)),
        # 14:00 UTC is 09:00 in Toronto: the same instant, compared as instants
        (dt.datetime(2026, 1, 1, 14, tzinfo=UTC), dt.datetime(2026, 1, 1, 9, tzinfo=TORONTO)),
        (dt.date(2026, 1, 1), dt.datetime(2026, 1, 1, 0, 5, tzinfo=UTC)),  # by day
    ],
)
def test_a_period_starts_no_later_than_it_ends(start: Any, end: Any) -> None:
    period = Period(start=start, end=end)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.date(2026, 1, 2), dt.date(2026, 1, 1)),
        (dt.datetime(2026, 1, 1, 9, 1, tzinfo=UTC), dt.datetime(2026, 1, 1, 9, tzinfo=UTC)),
        (dt.datetime(2026, 1, 2, 0, 1, tzinfo=UTC), dt.date(2026, 1, 1)),
    ],
)
def test_a_period_that_ends_before_it_starts_is_refused(start: Any, end: Any) -> None:
    with pytest.raises(ValidationError, match="per-1"):
        Period(start=start, end=end)


def test_a_period_reads_fhir_text_and_refuses_a_time_without_its_offset() -> None:
    period = Period.model_validate({"start": "2026-01-01", "end": "2026-03-01T10:00:00-05:00"})
    assert period.start == dt.date(2026, 1, 1)
    assert period.end == dt.datetime(2026, 3, 1, 10, tzinfo=TORONTO)
    with pytest.raises(ValidationError):
        Period.model_validate({"start": "2026-01-01T10:00:00"})
