"""The content of a consent record, in one canonical form, and its SHA-256.

What is hashed, exactly: the UTF-8 bytes of ``json.dumps(consent_content(record),
sort_keys=True, separators=(",", ":"), ensure_ascii=False)``. The object holds the record's
identity, the SHA-256 of the consent text it was given under, the discussion checklist, who
discussed it, the decision, signer and witness, the signature (the drawn strokes as [x, y]
canvas points, or the SHA-256 of the uploaded PNG), and the signed / valid-until / withdrawn
times in UTC (ISO 8601). The PDF prints the hash; the API returns both the canonical text and the
hash, so anyone can recompute it. A withdrawal changes the content, and so the hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from filiform.consent.models import ConsentRecord

CONTENT_FORMAT = "filiform-consent/1"


def _utc(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def consent_content(record: ConsentRecord) -> dict[str, Any]:
    png = bytes(record.signature_png or b"")
    return {
        "format": CONTENT_FORMAT,
        "record_id": record.pk,
        "clinic_id": record.clinic_id,
        "patient_id": record.patient_id,
        "template_version": record.template.version,
        "text_title": record.text_title,
        "text_sha256": record.text_sha256,
        "risks_discussed": record.risks_discussed,
        "benefits_discussed": record.benefits_discussed,
        "alternatives_discussed": record.alternatives_discussed,
        "questions_answered": record.questions_answered,
        "thorax_acknowledged": record.thorax_acknowledged,
        "discussed_by": record.discussed_by.email,
        "decision": record.decision,
        "signer_name": record.signer_name,
        "witness_name": record.witness_name,
        "signature_strokes": record.signature_strokes,
        "signature_png_sha256": hashlib.sha256(png).hexdigest() if png else None,
        "signed_at": _utc(record.signed_at),
        "valid_until": record.valid_until.isoformat(),
        "withdrawn_at": _utc(record.withdrawn_at),
        "withdrawn_by": record.withdrawn_by.email if record.withdrawn_by else None,
        "withdrawal_note": record.withdrawal_note,
    }


def consent_canonical(record: ConsentRecord) -> str:
    return json.dumps(
        consent_content(record), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def consent_content_sha256(record: ConsentRecord) -> str:
    return hashlib.sha256(consent_canonical(record).encode("utf-8")).hexdigest()
