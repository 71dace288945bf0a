"""The spec base (filiform/specs.py): a refused value comes back as Django's ValidationError by
field, in the spec's words, for the pages and the services; the bounds reach the browser."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy
from pydantic import Field, ValidationInfo, field_validator

from filiform.specs import Refused, Spec, html_limits


class Pot(Spec):
    colour: str = Field(..., min_length=1, max_length=5)
    seeds: int = Field(default=1, ge=1, le=50)
    note: str = Field(default="", max_length=3)
    lid: bool = False

    messages: ClassVar[dict[str, Any]] = {
        "seeds": gettext_lazy("Seeds per pot: 1 to 50."),
        "colour:missing": lambda: "Choose the pot's colour.",
    }

    @field_validator("lid")
    @classmethod
    def _lid_for_red(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("colour") != "red":
            raise Refused("Only red pots have lids.", field="colour")
        return value


def _refused(data: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        Pot.parse(data)
    return error.value.message_dict


def test_a_valid_payload_is_its_spec_with_text_trimmed() -> None:
    assert Pot.parse({"colour": " red ", "seeds": 50}) == Pot(colour="red", seeds=50)


@pytest.mark.parametrize("seeds", [0, 51, "many", 2.5, None])
def test_a_value_out_of_bounds_gets_the_spec_message(seeds: Any) -> None:
    assert _refused({"colour": "red", "seeds": seeds}) == {"seeds": ["Seeds per pot: 1 to 50."]}


def test_missing_too_long_and_unknown_fields() -> None:
    assert _refused({}) == {"colour": ["Choose the pot's colour."]}
    assert _refused({"colour": "   "}) == {"colour": ["This field is required."]}
    assert _refused({"colour": "red", "note": "four"}) == {"note": ["At most 3 characters."]}
    with pytest.raises(ValidationError, match="Unknown fields: shape, size"):
        Pot.parse({"colour": "red", "size": 1, "shape": "round"})


def test_a_validator_speaks_for_the_field_it_names() -> None:
    assert _refused({"colour": "blue", "lid": True}) == {"colour": ["Only red pots have lids."]}


def test_the_browser_is_told_the_bounds() -> None:
    assert html_limits(Pot, "seeds") == {"min": "1", "max": "50"}
    assert html_limits(Pot, "colour") == {"maxlength": "5"}
    assert html_limits(Pot, "lid") == {}
