"""What a person typed, made fit to store: NUL removed (PostgreSQL text refuses it), spaces
trimmed, and cut to the field's length when one is given."""

from __future__ import annotations

from typing import Any


def typed_text(value: Any, limit: int | None = None) -> str:
    text = str(value or "").replace("\x00", "").strip()
    return text if limit is None else text[:limit]
