"""Money: Canadian dollars, ``Decimal`` only, rounded at one documented point.

The one rounding point is :func:`to_cents` (half up, to the cent). Fees are whole cents and
quantities whole numbers, so a line's amount (quantity x unit fee) is exact and never rounded.
Tax is computed per line on that exact amount and rounded once, per line, by :func:`to_cents`;
the invoice's tax is the sum of its lines' rounded taxes (never re-rounded), and its total is
subtotal + tax. Payments, refunds, credits and write-offs are entered in whole cents
(:func:`parse_amount` refuses a third decimal) so balances are sums of exact cents.

Floats never enter: :func:`parse_amount` and :func:`to_cents` refuse them, because 0.1 + 0.2
is not 0.3 in binary floating point.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CURRENCY = "CAD"
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("100000.00")  # no single fee, payment or adjustment is larger
PLAIN_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)
MAX_TAX_RATE = Decimal("30")  # percent; the highest Canadian combined sales tax is under 16%


def to_cents(value: Decimal | int) -> Decimal:
    """THE rounding point: an exact amount to whole cents, half up (2.345 → 2.35)."""
    if isinstance(value, float | bool):
        raise TypeError("money is Decimal, never float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def line_tax(amount: Decimal, rate_percent: Decimal) -> Decimal:
    """A line's tax: the exact product, rounded once."""
    return to_cents(amount * rate_percent / Decimal(100))


def line_amounts(
    quantity: int, unit_fee: Decimal, rate_percent: Decimal
) -> tuple[Decimal, Decimal]:
    """A line's amount (quantity x unit fee: exact, whole cents) and its tax (rounded once)."""
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise ValueError("a line's quantity is a whole number from 1")
    amount = unit_fee * quantity
    if amount != amount.quantize(CENT):
        raise ValueError("unit fees are whole cents")
    return amount.quantize(CENT), line_tax(amount, rate_percent)


def invoice_totals(
    lines: list[tuple[int, Decimal, Decimal]],
) -> tuple[list[tuple[Decimal, Decimal]], Decimal, Decimal, Decimal]:
    """Each line's (amount, tax), then subtotal, tax and total: sums of already-rounded cents,
    never rounded again."""
    amounts = [line_amounts(q, fee, rate) for q, fee, rate in lines]
    subtotal = sum((a for a, _t in amounts), ZERO)
    tax = sum((t for _a, t in amounts), ZERO)
    return amounts, subtotal, tax, subtotal + tax


def format_cad(value: Decimal) -> str:
    """$1,234.50 (and -$5.00); for messages and documents."""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def _decimal_from_input(value: Any, field: str, message: str) -> Decimal:
    if isinstance(value, float | bool) or value is None:
        raise ValidationError({field: message})
    if isinstance(value, Decimal | int):
        number = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "").replace(" ", "")
        if text.startswith("$"):
            text = text[1:]
        # Digits with an optional point only: Decimal() also reads "1e1", "NaN", "Infinity",
        # "١٢" (other scripts' digits) and "1_000", none of which a person means as dollars.
        if not PLAIN_NUMBER.fullmatch(text):
            raise ValidationError({field: message})
        try:
            number = Decimal(text)
        except InvalidOperation:  # pragma: no cover  (the pattern admits only valid numbers)
            raise ValidationError({field: message}) from None
    else:
        raise ValidationError({field: message})
    if not number.is_finite():
        raise ValidationError({field: message})
    return number


def parse_amount(
    value: Any, *, field: str = "amount", allow_zero: bool = False, maximum: Decimal = MAX_AMOUNT
) -> Decimal:
    """An amount typed by a person or sent by the API: "45", "45.50", "$1,045.50", a Decimal or
    an int. Refused: floats, NaN and infinities, negatives, zero (unless ``allow_zero``), more
    than two decimals (money is entered in cents, never rounded on the way in), and amounts
    above ``maximum`` ($100,000). Raises ValidationError naming ``field``."""
    message = _("Enter an amount in dollars and cents, such as 45.50.")
    number = _decimal_from_input(value, field, message)
    if number < 0:
        raise ValidationError({field: _("The amount cannot be negative.")})
    if number == 0 and not allow_zero:
        raise ValidationError({field: _("The amount must be more than $0.00.")})
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and number != number.quantize(CENT):
        raise ValidationError({field: _("Amounts have at most two decimals (cents).")})
    if number > maximum:
        raise ValidationError(
            {field: _("The amount cannot be more than %(max)s.") % {"max": format_cad(maximum)}}
        )
    return number.quantize(CENT)  # exact: only trailing zeros are dropped or added


def parse_tax_rate(value: Any, *, field: str = "tax_rate") -> Decimal:
    """A sales-tax rate in percent (13, 14.975), 0 to 30, at most three decimals."""
    message = _("Enter the tax rate in percent, such as 13 or 14.975.")
    number = _decimal_from_input(value, field, message)
    if number < 0 or number > MAX_TAX_RATE:
        raise ValidationError({field: _("A tax rate is between 0% and 30%.")})
    if number != number.quantize(Decimal("0.001")):
        raise ValidationError({field: _("A tax rate has at most three decimals.")})
    return number.quantize(Decimal("0.001"))
