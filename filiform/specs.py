"""The base of every spec: one pydantic model per clinical payload, its limits stated once.

A spec is the API's input schema (django-ninja's ``Schema`` is pydantic), the target a page's
form validates into, and the service's argument. So the page, the API and the service refuse
the same values with the same limits (issue 18, item 3; anchor: ohcnetwork/care's
``care/emr/resources/*/spec.py``). A spec bounds what can be typed (types, ranges, coded
values, lengths); the rules that need the clinic's records (clearance, depth limits, stock,
duplicates) stay in the services.

The API answers a refused spec with django-ninja's 422 (each field's location and message). A
page or a service builds the spec with :meth:`Spec.parse`, which raises Django's
``ValidationError`` keyed by field, in the words a clinician reads: the spec's ``messages``
name the limit of each field, and a validator's own message (a ``ValueError``) is kept as
written. This module imports no app (the import contract's bottom layer).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Schema
from pydantic import ConfigDict
from pydantic import ValidationError as PydanticValidationError


class Refused(ValueError):
    """A validator's refusal that belongs to another field than the one it checks (a setting
    given without the choice it needs is the choice's error: ``technique``)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class Spec(Schema):
    """A payload's fields and limits. Text is trimmed before its length is checked."""

    model_config = ConfigDict(str_strip_whitespace=True)

    # Field name -> what the person reads when the value is refused (lazy: translated then).
    messages: ClassVar[Mapping[str, Any]] = {}
    unknown_fields: ClassVar[Any] = gettext_lazy("Unknown fields: %(f)s")

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self:
        """The spec of ``data``, or Django's ``ValidationError`` naming each refused field.
        A field the spec does not have is refused too: a typo must not vanish silently."""
        unknown = sorted(set(data) - set(cls.model_fields))
        if unknown:
            raise ValidationError(cls.unknown_fields % {"f": ", ".join(unknown)})
        try:
            return cls.model_validate(dict(data))
        except PydanticValidationError as error:
            raise spec_errors(cls, error) from None


def html_limits(spec: type[Spec], name: str) -> dict[str, str]:
    """A field's bounds as HTML attributes (``min``, ``max``, ``maxlength``), for a page's form
    to tell the browser the limits the spec will check."""
    attrs: dict[str, str] = {}
    for constraint in spec.model_fields[name].metadata:
        for key, attr in (("ge", "min"), ("le", "max"), ("max_length", "maxlength")):
            value = getattr(constraint, key, None)
            if value is not None:
                attrs[attr] = str(value)
    return attrs


def spec_errors(spec: type[Spec], error: PydanticValidationError) -> ValidationError:
    """Pydantic's errors as Django's, one list of messages per field."""
    found: dict[str, list[str]] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else NON_FIELD_ERRORS
        if item["type"] == "value_error" and isinstance(item["ctx"]["error"], Refused):
            field = item["ctx"]["error"].field
        text = _message(spec, field, item)
        messages = found.setdefault(field, [])
        if text not in messages:
            messages.append(text)
    return ValidationError(found)


def _message(spec: type[Spec], field: str, item: Any) -> str:
    """A validator's own words; else the spec's message for the field (``field:error_type``
    first, e.g. ``depth_mm:missing``); else a plain one for text and required fields."""
    kind = item["type"]
    if kind == "value_error":
        return str(item["ctx"]["error"])
    found = spec.messages.get(f"{field}:{kind}", spec.messages.get(field))
    if found is not None:
        return str(found() if callable(found) else found)
    if kind == "missing":
        return str(_("This field is required."))
    if kind == "string_too_long":
        return str(_("At most %(n)d characters.") % {"n": item["ctx"]["max_length"]})
    if kind == "string_too_short":
        return str(_("This field is required."))
    return str(item["msg"])
