"""The money rules: Decimal only, cents, one rounding point, bad amounts refused by field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from filiform.billing.money import format_cad, line_tax, parse_amount, parse_tax_rate, to_cents


def test_to_cents_rounds_half_up_once() -> None:
    assert to_cents(Decimal("2.345")) == Decimal("2.35")
    assert to_cents(Decimal("2.344999")) == Decimal("2.34")
    assert to_cents(Decimal("-2.345")) == Decimal("-2.35")  # half away from zero
    assert to_cents(7) == Decimal("7.00")


def test_to_cents_refuses_floats() -> None:
    with pytest.raises(TypeError):
        to_cents(0.1)  # type: ignore[arg-type]


def test_line_tax_is_the_exact_product_rounded_once() -> None:
    # 9.99 x 13% = 1.2987 -> 1.30
    assert line_tax(Decimal("9.99"), Decimal("13")) == Decimal("1.30")
    # Quebec GST + QST: 100.00 x 14.975% = 14.975 -> 14.98 (not 5.00 + 9.98 rounded separately)
    assert line_tax(Decimal("100.00"), Decimal("14.975")) == Decimal("14.98")
    assert line_tax(Decimal("110.00"), Decimal("0")) == Decimal("0.00")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("45", "45.00"),
        ("45.5", "45.50"),
        (" $1,045.50 ", "1045.50"),
        (Decimal("12.30"), "12.30"),
        (12, "12.00"),
        ("100000", "100000.00"),
        ("12.500", "12.50"),  # a trailing zero is not a third decimal
    ],
)
def test_parse_amount_accepts(given: object, expected: str) -> None:
    assert parse_amount(given) == Decimal(expected)


@pytest.mark.parametrize(
    ("given", "says"),
    [
        (12.5, "dollars and cents"),
        (True, "dollars and cents"),
        (None, "dollars and cents"),
        ("", "dollars and cents"),
        ("twelve", "dollars and cents"),
        ("NaN", "dollars and cents"),
        ("Infinity", "dollars and cents"),
        # issue 17: Decimal() reads these too; no one types them as an amount.
        ("1e1", "dollars and cents"),
        ("1E2", "dollars and cents"),
        ("-inf", "dollars and cents"),
        ("sNaN", "dollars and cents"),
        ("1_000", "dollars and cents"),
        ("\u0661\u0662", "dollars and cents"),  # Arabic-Indic digits
        ("+5", "dollars and cents"),
        ("-5", "cannot be negative"),
        ("0", "more than $0.00"),
        ("0.00", "more than $0.00"),
        ("12.345", "two decimals"),
        ("100000.01", "more than $100,000.00"),
        ([12], "dollars and cents"),
    ],
)
def test_parse_amount_refuses_naming_the_field(given: object, says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_amount(given, field="amount")
    assert says in refused.value.message_dict["amount"][0]


def test_parse_amount_zero_where_allowed() -> None:
    assert parse_amount("0", field="counted_cash", allow_zero=True) == Decimal("0.00")


def test_parse_tax_rate() -> None:
    assert parse_tax_rate("14.975") == Decimal("14.975")
    for bad in ("31", "-1", "13.0001", 13.0, "1e1", "NaN"):
        with pytest.raises(ValidationError) as refused:
            parse_tax_rate(bad)
        assert "tax_rate" in refused.value.message_dict


def test_format_cad() -> None:
    assert format_cad(Decimal("1234.5")) == "$1,234.50"
    assert format_cad(Decimal("-5")) == "-$5.00"
