"""Consent template versions: the current one (seeded with Filiform's default on first use) and
saving a new version. Rendering is Markdown without raw HTML.

When Filiform corrects its default text, the earlier default is kept word for word in
``retired_defaults/``. A clinic whose current version is one of those texts, unedited, gets the
corrected default as its next version (:func:`consent_default_upgrade`, run after every
``migrate``); a clinic that wrote its own text keeps it and is shown that the default changed.
Consent already signed keeps the exact text it was given under (the record's snapshot)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from django.db import transaction
from django.utils.safestring import SafeString

from filiform.clinics.access import Access, Permission
from filiform.clinics.text_versions import default_upgrade, version_current, version_publish
from filiform.consent.models import ConsentTemplate
from filiform.patient_text import patient_text_html

_HERE = Path(__file__).parent
DEFAULT_TITLE = "Consent to dry needling / intramuscular stimulation (IMS)"
DEFAULT_BODY = (_HERE / "default_template.md").read_text(encoding="utf-8")
# Filiform's earlier default texts, oldest first, exactly as they were shipped.
RETIRED_DEFAULT_BODIES = tuple(
    (_HERE / "retired_defaults" / name).read_text(encoding="utf-8")
    for name in ("default_template_1.md",)
)
_RETIRED_SHA256 = frozenset(
    hashlib.sha256(body.encode("utf-8")).hexdigest() for body in RETIRED_DEFAULT_BODIES
)
# When and why the default last changed (issue 16, item 11: the clinical review).
DEFAULT_CHANGED_ON = dt.date(2026, 12, 7)
DEFAULT_CHANGE_NOTE = (
    "Filiform's corrected default text: mild effects as the range of both studies (1 in 5 to "
    "1 in 3), soreness as common, the severity scale, not acupuncture, infection, nerve "
    "irritation, electrical stimulation, the base of the neck, the pneumothorax rate."
)


def consent_text_html(body: str) -> SafeString:
    """Markdown to HTML; raw HTML in the text is shown as text, unsafe links are dropped."""
    return patient_text_html(body)


DEFAULT = {"title": DEFAULT_TITLE, "body": DEFAULT_BODY, "change_note": "Filiform's default text"}


def consent_template_current(*, access: Access) -> ConsentTemplate:
    return version_current(ConsentTemplate, clinic_id=access.membership.clinic_id, default=DEFAULT)


def consent_template_new_version(
    *, access: Access, title: str, body: str, change_note: str
) -> ConsentTemplate:
    """Save the text as the next version; earlier versions and the records signed under them
    stay exactly as they were."""
    access.require(Permission.CLINIC_MANAGE)
    return version_publish(
        ConsentTemplate,
        access=access,
        fields={
            "title": title.strip(),
            "body": body.strip() + "\n",
            "change_note": change_note.strip(),
        },
        default=DEFAULT,
        object_type="consent_template",
    )


def consent_default_is_retired(template: ConsentTemplate) -> bool:
    """The template is an earlier Filiform default, unedited (same title, same text)."""
    return template.title == DEFAULT_TITLE and template.body_sha256 in _RETIRED_SHA256


def consent_default_changed_since(template: ConsentTemplate) -> bool:
    """The clinic wrote its own text before Filiform last corrected the default: show them."""
    return (
        template.body != DEFAULT_BODY
        and not consent_default_is_retired(template)
        and template.created_at.date() < DEFAULT_CHANGED_ON
    )


@transaction.atomic
def consent_default_upgrade() -> list[ConsentTemplate]:
    """Give every clinic whose current version is an unedited earlier default the current
    default as its next version; returns the versions added. Idempotent. Earlier versions and
    the consent signed under them are never touched; a clinic's own text is never replaced."""
    return default_upgrade(
        ConsentTemplate,
        is_retired=consent_default_is_retired,
        fields={"title": DEFAULT_TITLE, "body": DEFAULT_BODY, "change_note": DEFAULT_CHANGE_NOTE},
        object_type="consent_template",
    )
