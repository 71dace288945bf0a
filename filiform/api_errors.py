"""Error bodies every API operation declares, so that the OpenAPI schema tells the whole truth."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class Error(Schema):
    detail: str


class InvalidInput(Schema):
    """422: ``detail`` lists each invalid field (location, message) or maps fields to messages."""

    detail: Any


READ_ERRORS: dict[int, type[Schema]] = {401: Error, 403: Error, 422: InvalidInput}
ONE_ERRORS: dict[int, type[Schema]] = {**READ_ERRORS, 404: Error}
WRITE_ERRORS: dict[int, type[Schema]] = {**READ_ERRORS, 400: Error, 413: Error}
