"""A policy's terms as a spec: its fields and limits stated once (``filiform/specs.py`` says how a
spec is used). The API's ``PolicyIn`` and ``PolicyChangeIn`` derive from these, and
``insurance/policies.py`` checks the same limits, named here, for the pages and the services.

Amounts stay text in dollars and cents, parsed by ``billing.money.parse_amount`` in the service
(a form and the API answer with its message). The rules across fields and records (coinsurance
0 to 100 %, a birthday year's member, one active primary, coverage that ends no earlier than it
starts: a FHIR Period, ``filiform/fhir_types.py``) are the service's.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from filiform.api_types import IsoDate, Text
from filiform.insurance.models import BenefitYear, MaximumScope, Relationship
from filiform.specs import Spec

MAX_ID = 2**62
PLAN_NAME = 120
GROUP_NUMBER = 40  # as printed on the card; insurers' own fields are shorter
MEMBER_ID = 40
SUBSCRIBER_NAME = 160
AMOUNT_TEXT = 20  # "12345.67", with room for a thousands separator or a "$"
COINSURANCE_TEXT = 10  # "82.5 %"
# A progress report after 1 to 365 visits: a plan asking for none within a year asks for none.
PROGRESS_REPORT_VISITS = (1, 365)
RANKS = (1, 2)  # primary, secondary: coordination of benefits claims the primary first

AMOUNT_HELP = 'Dollars and cents as text, e.g. "500.00"'
# The terms that may be cleared (sent as null); a null for any other is no change.
CLEARABLE = frozenset(
    {
        "subscriber_birth_date",
        "ends_on",
        "annual_maximum",
        "per_visit_maximum",
        "referral_on_file_on",
        "progress_report_after",
    }
)


def _plain(value: Any) -> Any:
    return value.value if hasattr(value, "value") else value


class PolicyTermsSpec(Spec):
    """A new policy: the card's numbers, who the member is, the period and the terms."""

    insurer_id: int = Field(..., ge=1, le=MAX_ID, description="An insurer from GET /insurers")
    rank: int = Field(
        default=RANKS[0], ge=RANKS[0], le=RANKS[1], description="1 primary, 2 secondary"
    )
    plan_name: Text = Field(default="", max_length=PLAN_NAME)
    group_number: Text = Field(..., max_length=GROUP_NUMBER, description="Group / policy number")
    member_id: Text = Field(..., max_length=MEMBER_ID, description="Member / certificate id")
    relationship: Relationship = Field(
        default=Relationship.SUBSCRIBER, description="The patient is the"
    )
    subscriber_name: Text = Field(
        default="", max_length=SUBSCRIBER_NAME, description="Plan member's name"
    )
    subscriber_birth_date: IsoDate | None = None
    effective_on: IsoDate = Field(..., description="Policy effective date")
    ends_on: IsoDate | None = None
    annual_maximum: Text | None = Field(
        default=None, max_length=AMOUNT_TEXT, description=AMOUNT_HELP
    )
    maximum_scope: MaximumScope = MaximumScope.DISCIPLINE
    per_visit_maximum: Text | None = Field(
        default=None, max_length=AMOUNT_TEXT, description=AMOUNT_HELP
    )
    coinsurance_percent: Text = Field(
        default="80", max_length=COINSURANCE_TEXT, description="Plan's share, 0 to 100"
    )
    deductible: Text = Field(
        default="0.00", max_length=AMOUNT_TEXT, description="Annual deductible"
    )
    benefit_year: BenefitYear = BenefitYear.CALENDAR
    referral_required: bool = False
    referral_on_file_on: IsoDate | None = None
    progress_report_after: int | None = Field(
        default=None,
        ge=PROGRESS_REPORT_VISITS[0],
        le=PROGRESS_REPORT_VISITS[1],
        description="Default: the insurer's usual number",
    )

    def values(self) -> dict[str, Any]:
        """The terms as the service reads them (coded values as their codes)."""
        return {name: _plain(value) for name, value in self.model_dump().items()}


class PolicyTermsChanges(Spec):
    """Only the fields sent change; null clears an optional field."""

    insurer_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    rank: int | None = Field(default=None, ge=RANKS[0], le=RANKS[1])
    plan_name: Text | None = Field(default=None, max_length=PLAN_NAME)
    group_number: Text | None = Field(default=None, max_length=GROUP_NUMBER)
    member_id: Text | None = Field(default=None, max_length=MEMBER_ID)
    relationship: Relationship | None = None
    subscriber_name: Text | None = Field(default=None, max_length=SUBSCRIBER_NAME)
    subscriber_birth_date: IsoDate | None = None
    effective_on: IsoDate | None = None
    ends_on: IsoDate | None = None
    annual_maximum: Text | None = Field(
        default=None, max_length=AMOUNT_TEXT, description=AMOUNT_HELP
    )
    maximum_scope: MaximumScope | None = None
    per_visit_maximum: Text | None = Field(
        default=None, max_length=AMOUNT_TEXT, description=AMOUNT_HELP
    )
    coinsurance_percent: Text | None = Field(default=None, max_length=COINSURANCE_TEXT)
    deductible: Text | None = Field(default=None, max_length=AMOUNT_TEXT)
    benefit_year: BenefitYear | None = None
    referral_required: bool | None = None
    referral_on_file_on: IsoDate | None = None
    progress_report_after: int | None = Field(
        default=None, ge=PROGRESS_REPORT_VISITS[0], le=PROGRESS_REPORT_VISITS[1]
    )

    def values(self) -> dict[str, Any]:
        """The terms sent: a null clears a term that may be empty, and is no change otherwise."""
        return {
            name: _plain(value)
            for name, value in self.model_dump(exclude_unset=True).items()
            if value is not None or name in CLEARABLE
        }
