"""Filiform's default aftercare text, kept current for clinics that never edited it.

When Filiform corrects its default sheet, the earlier default is kept word for word in
``retired_defaults/``. A clinic whose current version is one of those (title, text and chest
warning all unedited) gets the corrected default as its next version
(:func:`aftercare_default_upgrade`, run after every ``migrate``). A clinic that wrote its own
text keeps it. Sheets already issued keep the exact content the patient was given.

Last change (issue 16, item 11, the clinical review): soreness is described as common and
expected, as in the consent text; the chest warning covers the base of the neck and says that
the pneumothorax rate for dry needling is not well established (the < 1 in 100,000 figure is
from acupuncture).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.db import transaction

from filiform.aftercare.instructions import DEFAULT_BODY, DEFAULT_THORAX_WARNING, DEFAULT_TITLE
from filiform.aftercare.models import AftercareTemplate
from filiform.clinics.text_versions import default_upgrade

_RETIRED = Path(__file__).with_name("retired_defaults")
# Filiform's earlier defaults, oldest first: (title, body, chest warning) as shipped.
RETIRED_DEFAULTS: tuple[tuple[str, str, str], ...] = (
    (
        DEFAULT_TITLE,
        (_RETIRED / "default_aftercare_1.md").read_text(encoding="utf-8"),
        (_RETIRED / "default_thorax_warning_1.md").read_text(encoding="utf-8"),
    ),
)
DEFAULT_CHANGE_NOTE = (
    "Filiform's corrected default text: soreness is common and expected (as in the consent "
    "text); the chest warning covers the base of the neck and the pneumothorax rate."
)


def _sha256(title: str, body: str, thorax_warning: str) -> str:
    # The same digest AftercareTemplate.save() stores.
    return hashlib.sha256(f"{title}\n{body}\n{thorax_warning}".encode()).hexdigest()


_RETIRED_SHA256 = frozenset(_sha256(*texts) for texts in RETIRED_DEFAULTS)


def aftercare_default_is_retired(template: AftercareTemplate) -> bool:
    """The template is an earlier Filiform default, unedited."""
    return template.body_sha256 in _RETIRED_SHA256


@transaction.atomic
def aftercare_default_upgrade() -> list[AftercareTemplate]:
    """Give every clinic whose current aftercare version is an unedited earlier default the
    current default as its next version; returns the versions added. Idempotent."""
    return default_upgrade(
        AftercareTemplate,
        is_retired=aftercare_default_is_retired,
        fields={
            "title": DEFAULT_TITLE,
            "body": DEFAULT_BODY,
            "thorax_warning": DEFAULT_THORAX_WARNING,
            "change_note": DEFAULT_CHANGE_NOTE,
        },
        object_type="aftercare_template",
    )
