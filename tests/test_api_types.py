"""The API's shared field types refuse what would be silently misread."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import BaseModel, ValidationError

from filiform.api_types import IsoDate


class Dated(BaseModel):
    on: IsoDate


def test_an_iso_date_is_read() -> None:
    assert Dated.model_validate({"on": "2026-11-25"}).on == dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    "bad", ["0", "1700000000", 0, 1700000000, "25/11/2026", "2026-11-25T10:00"]
)
def test_numbers_and_other_forms_are_not_read_as_dates(bad: object) -> None:
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        Dated.model_validate({"on": bad})
