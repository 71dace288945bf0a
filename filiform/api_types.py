"""Field types shared by the API's input schemas."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

NO_NUL_PATTERN = "^[^\\u0000]*$"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and no clinical text needs it: refuse it up front (422).
    if "\x00" in value:
        raise ValueError("text cannot contain NUL (\\u0000) characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul), Field(json_schema_extra={"pattern": NO_NUL_PATTERN})]


def _iso_date_text(value: Any) -> Any:
    """Dates arrive as YYYY-MM-DD text; a bare number (or "0" as text) is not silently read as
    a timestamp."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise ValueError("give the date as text in the form YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text)]
