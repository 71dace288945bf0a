"""Field types shared by the API's input schemas."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

NO_NUL_PATTERN = "^[^\\u0000]*$"


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and no clinical text needs it: refuse it up front (422).
    if "\x00" in value:
        raise ValueError("text cannot contain NUL (\\u0000) characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul), Field(json_schema_extra={"pattern": NO_NUL_PATTERN})]
