"""API shapes for consent records, signing links and consent text versions."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from filiform.api_types import Text
from filiform.notices.schemas import EmailDeliveryOut


class ConsentStatusOut(Schema):
    patient_id: int
    in_force: bool
    reason: str
    record_id: int | None
    decision: str | None
    signed_at: dt.datetime | None
    valid_until: dt.date | None
    withdrawn_at: dt.datetime | None


class ConsentSummaryOut(Schema):
    """What front desk may see: whether consent is in place, and its dates."""

    id: int
    patient_id: int
    decision: str
    template_version: int
    signed_at: dt.datetime
    valid_until: dt.date
    withdrawn_at: dt.datetime | None
    signed_remotely: bool


class ConsentOut(ConsentSummaryOut):
    """The whole record, for clinicians. ``content_sha256`` is the SHA-256 of the UTF-8 bytes of
    ``content_canonical``, the record's content as canonical JSON (sorted keys, no spaces); the
    PDF copy prints the same hash."""

    text_title: str
    text_body: str
    text_sha256: str
    risks_discussed: bool
    benefits_discussed: bool
    alternatives_discussed: bool
    questions_answered: bool
    thorax_acknowledged: bool
    discussed_by: str
    signer_name: str
    witness_name: str
    signature_kind: str = Field(description="drawn (strokes) or png (uploaded image)")
    signature_strokes: list[list[list[float]]]
    withdrawn_by: str | None
    withdrawal_note: str
    content_sha256: str
    content_canonical: str


class ConsentIn(Schema):
    """Record consent given in the clinic. The service checks every rule (a 422 names what is
    missing): consent to needling needs all four discussion items; the signature is either
    ``signature_strokes`` (canvas points [x, y] within 600 x 200) or ``signature_png`` (a PNG file,
    base64-encoded, at most 100 KB, with visible ink); ``template_version`` must be the clinic's
    current consent text version."""

    template_version: int | None = None
    risks_discussed: bool = False
    benefits_discussed: bool = False
    alternatives_discussed: bool = False
    questions_answered: bool = False
    thorax_acknowledged: bool = False
    decision: Text = Field("", max_length=8, description="permit or deny")
    signer_name: Text = Field("", max_length=200)
    witness_name: Text = Field("", max_length=200)
    signature_strokes: list[list[list[float]]] | None = Field(None, max_length=500)
    signature_png: str | None = Field(
        None,
        max_length=140_000,  # 100 KB in base64; longer is refused by the schema (422)
        description="base64 of a PNG image of the signature (at most 100 KB)",
    )


class WithdrawIn(Schema):
    note: Text = Field("", max_length=300)


class SigningRequestIn(Schema):
    """E-mail the patient a single-use signing link (expires after 72 hours). Only after the
    discussion: all three items must be attested."""

    risks_discussed: bool = False
    benefits_discussed: bool = False
    alternatives_discussed: bool = False
    discussion_method: Text = Field("", max_length=16, description="in_person, phone or video")
    discussion_note: Text = Field("", max_length=300)


class SigningRequestOut(Schema):
    id: int
    patient_id: int
    email: str
    template_version: int
    discussion_method: str
    discussion_note: str
    created_by: str
    created_at: dt.datetime
    expires_at: dt.datetime
    sent_at: dt.datetime | None
    used_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    status: str
    record_id: int | None
    delivery: EmailDeliveryOut | None = Field(
        None, description="The latest e-mail of the link: whether it went, and if not, why"
    )


class ConsentTemplateOut(Schema):
    version: int
    title: str
    body: str
    body_sha256: str
    change_note: str
    created_at: dt.datetime
    current: bool


class ConsentTemplateIn(Schema):
    title: Text = Field(..., min_length=1, max_length=200)
    body: Text = Field(..., min_length=1, max_length=20000)
    change_note: Text = Field(..., min_length=1, max_length=300)
