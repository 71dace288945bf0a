"""The patient's spec: what staff may set on a patient record, with its limits stated once
(``filiform/specs.py`` says how the API, the pages and the services use a spec).

:class:`PatientSpec` registers a patient (the API's ``PatientIn`` derives from it);
:class:`PatientChanges` is the same fields, each optional, for a change (``PatientPatch``).
The lengths are the columns' (``patients/models.py``); the e-mail address is checked by
Django's validator, the one the registration page has always used, so the page and the API
accept the same addresses. What needs the whole record or the clinic (a date of birth in the
future, consent to e-mail without an address, a possible duplicate) stays in the service.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import AfterValidator, Field, StrictBool

from filiform.api_types import IsoDate, Text
from filiform.clinics.models import Province
from filiform.patients.models import AdministrativeGender, PreferredLanguage
from filiform.specs import Spec

FAMILY_NAME = 100
GIVEN_NAMES = 150
GENDER_TEXT = 100
PHONE = 30
STREET = 200
CITY = 100
POSTAL_CODE = 7  # "K1A 0B1"
CONTACT_NAME = 150
RELATIONSHIP = 60


def _an_email_address(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise ValueError(_("Enter a valid e-mail address.")) from None
    return value


# Shown in the API's schema as an e-mail address, as pydantic's EmailStr was.
EmailAddress = Annotated[
    str, AfterValidator(_an_email_address), Field(json_schema_extra={"format": "email"})
]


class PatientSpec(Spec):
    """Registering a patient: names, date of birth and administrative gender are required."""

    gender_text: Text = Field(default="", max_length=GENDER_TEXT)
    phone: Text = Field(default="", max_length=PHONE)
    phone_home: Text = Field(default="", max_length=PHONE)
    email: EmailAddress | None = None
    street: Text = Field(default="", max_length=STREET)
    city: Text = Field(default="", max_length=CITY)
    province: Province | None = None
    postal_code: Text = Field(default="", max_length=POSTAL_CODE)
    preferred_language: PreferredLanguage = PreferredLanguage.ENGLISH
    emergency_contact_name: Text = Field(default="", max_length=CONTACT_NAME)
    emergency_contact_relationship: Text = Field(default="", max_length=RELATIONSHIP)
    emergency_contact_phone: Text = Field(default="", max_length=PHONE)
    email_ok: StrictBool = False
    sms_ok: StrictBool = False
    # Required, last: the order the API's schema has always listed them in.
    family_name: Text = Field(min_length=1, max_length=FAMILY_NAME)
    given_names: Text = Field(min_length=1, max_length=GIVEN_NAMES)
    birth_date: IsoDate
    gender: AdministrativeGender

    unknown_fields: ClassVar[Any] = gettext_lazy("Unknown patient fields: %(f)s")
    messages: ClassVar[dict[str, Any]] = {
        "birth_date": gettext_lazy("Enter the date of birth as YYYY-MM-DD."),
        "gender": gettext_lazy("Choose the administrative gender."),
        "province": gettext_lazy("Choose a province or territory."),
        "preferred_language": gettext_lazy("Choose English, French or other."),
    }

    def record_fields(self) -> dict[str, Any]:
        """The patient record's fields: a blank e-mail or province is stored as empty text."""
        return _stored(self.model_dump())


class PatientChanges(Spec):
    """Changing a patient's details: only the fields given change (the same limits)."""

    family_name: Text | None = Field(default=None, min_length=1, max_length=FAMILY_NAME)
    given_names: Text | None = Field(default=None, min_length=1, max_length=GIVEN_NAMES)
    birth_date: IsoDate | None = None
    gender: AdministrativeGender | None = None
    gender_text: Text | None = Field(default=None, max_length=GENDER_TEXT)
    phone: Text | None = Field(default=None, max_length=PHONE)
    phone_home: Text | None = Field(default=None, max_length=PHONE)
    email: EmailAddress | None = None
    street: Text | None = Field(default=None, max_length=STREET)
    city: Text | None = Field(default=None, max_length=CITY)
    province: Province | None = None
    postal_code: Text | None = Field(default=None, max_length=POSTAL_CODE)
    preferred_language: PreferredLanguage | None = None
    emergency_contact_name: Text | None = Field(default=None, max_length=CONTACT_NAME)
    emergency_contact_relationship: Text | None = Field(default=None, max_length=RELATIONSHIP)
    emergency_contact_phone: Text | None = Field(default=None, max_length=PHONE)
    email_ok: StrictBool | None = None
    sms_ok: StrictBool | None = None

    unknown_fields: ClassVar[Any] = PatientSpec.unknown_fields
    messages: ClassVar[dict[str, Any]] = PatientSpec.messages

    def record_fields(self) -> dict[str, Any]:
        """The fields given, as the record stores them; a field that cannot be empty and was
        given as null is refused."""
        given = self.model_dump(exclude_unset=True)
        for name in ("email", "province"):
            if name in given and given[name] is None:
                given[name] = ""
        nulls = sorted(name for name, value in given.items() if value is None)
        if nulls:
            raise ValidationError(
                _("These fields cannot be empty: %(f)s") % {"f": ", ".join(nulls)}
            )
        return _stored(given)


def _stored(fields: dict[str, Any]) -> dict[str, Any]:
    for name in ("email", "province"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    return {k: v.value if hasattr(v, "value") else v for k, v in fields.items()}
