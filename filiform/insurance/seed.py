"""The extended health insurers Canadian clinics direct-bill (clinical-reference §6), kept in
the database by ``seed_insurers``: run by migration 0002 and again after every ``migrate`` and
``flush`` (a ``post_migrate`` receiver, see apps.py), so the list is always there, even after a
test flushes the tables. Idempotent: an insurer is matched by its code and brought up to date."""

from __future__ import annotations

from typing import Any

INSURERS = (
    # code, name, how claims usually reach it, progress report after N visits (None: not known)
    ("sun-life", "Sun Life", "TELUS eClaims", None),
    ("manulife", "Manulife", "TELUS eClaims", None),
    ("canada-life", "Canada Life", "TELUS eClaims", None),
    ("greenshield", "GreenShield", "GreenShield provider portal", 20),
    ("alberta-blue-cross", "Alberta Blue Cross", "Blue Cross provider portal", None),
    ("medavie-blue-cross", "Medavie Blue Cross", "Blue Cross provider portal", None),
    ("pacific-blue-cross", "Pacific Blue Cross", "PBC provider portal", None),
    ("desjardins", "Desjardins Insurance", "TELUS eClaims", None),
    ("beneva", "Beneva", "TELUS eClaims", None),
    ("ia", "iA Financial Group", "TELUS eClaims", None),
    ("equitable", "Equitable Life of Canada", "TELUS eClaims", None),
    ("empire-life", "Empire Life", "TELUS eClaims", None),
    ("claimsecure", "ClaimSecure", "TELUS eClaims", None),
    ("telus-adjudicare", "TELUS AdjudiCare", "TELUS eClaims", None),
)


def seed_insurers(insurer_model: Any, *, using: str = "default") -> None:
    """Create the insurers that are missing. ``insurer_model`` is the migration's historical
    model or the real one. A clinic's edits (a deactivated insurer) are kept."""
    known = set(insurer_model.objects.using(using).values_list("code", flat=True))
    insurer_model.objects.using(using).bulk_create(
        insurer_model(code=code, name=name, network=network, progress_report_after=after)
        for code, name, network, after in INSURERS
        if code not in known
    )
