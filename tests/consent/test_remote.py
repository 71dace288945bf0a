"""Remote signing: the e-mailed single-use link, from sending to signing, and every refusal."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from filiform.audit.models import AuditAction, AuditEntry
from filiform.audit.verify import audit_chain_verify
from filiform.consent.models import ConsentRecord, ConsentSigningRequest, ConsentTemplate
from filiform.consent.remote import (
    SIGNING_LINK_HOURS,
    LinkContext,
    SigningLinkRefused,
    signing_link_issue,
    signing_link_sign,
    signing_request_cancel,
    signing_request_create,
    token_hash,
)
from filiform.consent.templates_service import consent_template_new_version
from tests.conftest import World, client_for
from tests.consent.helpers import SIGNATURE, access_of, sent_link
from tests.factories import PatientFactory

PATIENT_FORM = {
    "questions_answered": "on",
    "thorax_acknowledged": "on",
    "decision": "permit",
    "signer_name": "Quill Zanzibarian",
}
WHERE = LinkContext(ip="127.0.0.1", user_agent="test")


def _sign_url(token: str) -> str:
    return f"/consent/sign/{token}/"


def _submit(token: str, data: dict | None = None, signature: object = SIGNATURE):
    return Client().post(
        _sign_url(token), {**(data or PATIENT_FORM), "signature": json.dumps(signature)}
    )


@pytest.mark.django_db(transaction=True)
def test_clinician_sends_a_link_the_worker_emails_it_and_the_patient_signs_once(
    world: World, smtp_server
) -> None:
    world.patient.email = "quill@patient.test"
    world.patient.email_ok = True
    world.patient.save()
    url = f"/c/{world.clinic.slug}/patients/{world.patient.pk}/consent/"
    bob = client_for(world.bob)
    bob.get(url)
    response = bob.post(
        url + "link/",
        {
            "remote-risks_discussed": "on",
            "remote-benefits_discussed": "on",
            "remote-alternatives_discussed": "on",
            "remote-discussion_method": "phone",
            "remote-discussion_note": "Call on Monday",
        },
        follow=True,
    )
    assert "A signing link is being e-mailed to quill@patient.test" in response.content.decode()
    assert smtp_server.messages == []  # sent by the worker, not inside the request
    call_command("worker", "--batch", "--verbosity", "0")
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "quill@patient.test"
    body = message.get_payload()[0].get_payload(decode=True).decode()
    match = re.search(r"https?://[^/\s]+(/consent/sign/([\w-]+)/)", body)
    assert match
    path, token = match.group(1), match.group(2)
    link = ConsentSigningRequest.objects.get()
    # Only the hash of the secret is stored, and nowhere else does the secret appear.
    assert link.token_hash == token_hash(token)
    assert link.sent_at is not None
    from django_tasks_db.models import DBTaskResult

    assert all(token not in json.dumps(r.args_kwargs) for r in DBTaskResult.objects.all())

    patient = Client()
    page = patient.get(path)
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "same-origin"
    text = page.content.decode()
    assert "pneumothorax" in text
    assert "Your signature" in text
    done = patient.post(path, {**PATIENT_FORM, "signature": json.dumps(SIGNATURE)})
    assert done.status_code == 200
    assert "your decision is recorded" in done.content.decode()
    record = ConsentRecord.objects.get()
    assert record.discussed_by == world.bob
    assert record.questions_answered
    assert record.thorax_acknowledged
    assert record.risks_discussed
    assert record.text_body == ConsentTemplate.objects.get().body
    link.refresh_from_db()
    assert link.used_at is not None
    assert link.record == record

    again = Client().get(path)
    assert again.status_code == 410
    assert "already used" in again.content.decode()
    twice = _submit(token)
    assert twice.status_code == 410
    assert ConsentRecord.objects.count() == 1

    signed = AuditEntry.objects.get(action=AuditAction.CREATE, object_type="consent")
    assert signed.actor_id is None
    assert signed.via == "signing-link"
    assert signed.detail["actor"] == "patient (e-mailed signing link)"
    assert signed.patient_id == world.patient.pk
    assert signed.clinic_id == world.clinic.pk
    assert AuditEntry.objects.filter(
        action=AuditAction.PERMISSION_DENIED, detail__refused="used"
    ).exists()
    assert audit_chain_verify().ok
    # Staff see it as used, with the record, on the patient's consent page.
    staff_page = bob.get(url).content.decode()
    assert "signed through an e-mailed link" in staff_page
    assert "Signed</span>" in staff_page


def test_a_tampered_link_is_refused_kindly_and_saves_nothing(world: World) -> None:
    _link, token = sent_link(world)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    response = Client().get(_sign_url(tampered))
    assert response.status_code == 404
    assert "This link does not work" in response.content.decode()
    response = _submit(tampered)
    assert response.status_code == 404
    assert not ConsentRecord.objects.exists()


def test_an_expired_link_is_refused(world: World) -> None:
    _link, token = sent_link(world)
    later = timezone.now() + dt.timedelta(hours=SIGNING_LINK_HOURS, minutes=1)
    with time_machine.travel(later, tick=False):
        response = Client().get(_sign_url(token))
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
        assert _submit(token).status_code == 410
    assert not ConsentRecord.objects.exists()
    with time_machine.travel(later - dt.timedelta(minutes=2), tick=False):
        assert Client().get(_sign_url(token)).status_code == 200


def test_a_cancelled_link_is_refused(world: World) -> None:
    link, token = sent_link(world)
    response = client_for(world.bob).post(
        f"/c/{world.clinic.slug}/patients/{world.patient.pk}/consent/link/{link.pk}/cancel/",
        follow=True,
    )
    assert "it no longer works" in response.content.decode()
    assert Client().get(_sign_url(token)).status_code == 410
    assert _submit(token).status_code == 410
    assert not ConsentRecord.objects.exists()
    with pytest.raises(ValidationError, match="no longer be cancelled"):
        signing_request_cancel(access=access_of(world.bob, world.clinic), request_id=link.pk)


def test_a_link_is_used_once_even_when_submitted_twice(world: World) -> None:
    _link, token = sent_link(world)
    fields: dict[str, Any] = {
        "token": token,
        "where": WHERE,
        "questions_answered": True,
        "thorax_acknowledged": False,
        "decision": "permit",
        "signer_name": "Quill Zanzibarian",
        "signature": SIGNATURE,
    }
    signing_link_sign(**fields)
    with pytest.raises(SigningLinkRefused) as refused:
        signing_link_sign(**fields)
    assert refused.value.reason == "used"
    assert ConsentRecord.objects.count() == 1


def test_the_link_keeps_the_text_it_was_sent_with(world: World) -> None:
    _link, token = sent_link(world)
    consent_template_new_version(
        access=access_of(world.alice, world.clinic),
        title="Shorter consent",
        body="## New text\n\nEvery risk, briefly.",
        change_note="pilot",
    )
    assert "pneumothorax" in Client().get(_sign_url(token)).content.decode()
    record = signing_link_sign(
        token=token,
        where=WHERE,
        questions_answered=True,
        thorax_acknowledged=True,
        decision="permit",
        signer_name="Quill Zanzibarian",
        signature=SIGNATURE,
    )
    assert record.template.version == 1
    assert "pneumothorax" in record.text_body


@pytest.mark.parametrize("signature", [[], [[[10, 10]]], "nonsense"])
def test_a_blank_canvas_through_the_link_is_refused_and_the_link_still_works(
    world: World, signature
) -> None:
    _link, token = sent_link(world)
    response = _submit(token, signature=signature)
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    assert not ConsentRecord.objects.exists()
    assert _submit(token).status_code == 200
    assert ConsentRecord.objects.count() == 1


def test_consent_without_answered_questions_is_refused_but_a_refusal_is_recorded(
    world: World,
) -> None:
    _link, token = sent_link(world)
    response = _submit(token, {**PATIENT_FORM, "questions_answered": ""})
    assert "the patient&#x27;s questions" in response.content.decode()
    assert "call the clinic" in response.content.decode()
    assert not ConsentRecord.objects.exists()
    _submit(token, {"decision": "deny", "signer_name": "Quill Zanzibarian"})
    assert ConsentRecord.objects.get().decision == "deny"


def test_sending_needs_an_email_address_and_the_whole_discussion(world: World) -> None:
    bob = access_of(world.bob, world.clinic)
    fields: dict[str, Any] = {
        "access": bob,
        "patient_id": world.patient.pk,
        "risks_discussed": True,
        "benefits_discussed": True,
        "alternatives_discussed": True,
        "discussion_method": "phone",
    }
    with pytest.raises(ValidationError, match="no e-mail address"):
        signing_request_create(**fields)
    world.patient.email = "quill@patient.test"
    world.patient.save()
    with pytest.raises(ValidationError, match="not agreed to e-mail"):
        signing_request_create(**fields)
    world.patient.email_ok = True
    world.patient.save()
    with pytest.raises(ValidationError, match="only after discussing: alternatives"):
        signing_request_create(**{**fields, "alternatives_discussed": False})
    with pytest.raises(ValidationError, match="how the discussion took place"):
        signing_request_create(**{**fields, "discussion_method": "telepathy"})
    assert not ConsentSigningRequest.objects.exists()


def test_front_desk_cannot_send_a_link_and_another_clinic_cannot_see_it(world: World) -> None:
    world.patient.email = "quill@patient.test"
    world.patient.email_ok = True
    world.patient.save()
    url = f"/c/{world.clinic.slug}/patients/{world.patient.pk}/consent/link/"
    data = {
        "remote-risks_discussed": "on",
        "remote-benefits_discussed": "on",
        "remote-alternatives_discussed": "on",
        "remote-discussion_method": "phone",
    }
    assert client_for(world.fran).post(url, data).status_code == 403
    assert client_for(world.olga).post(url, data).status_code == 404
    assert not ConsentSigningRequest.objects.exists()
    link, _token = sent_link(world)
    cancel = f"/c/{world.clinic.slug}/patients/{world.patient.pk}/consent/link/{link.pk}/cancel/"
    assert client_for(world.fran).post(cancel).status_code == 403
    assert client_for(world.olga).post(cancel).status_code == 404
    other = PatientFactory.create(clinic=world.clinic)
    wrong_patient = cancel.replace(f"/patients/{world.patient.pk}/", f"/patients/{other.pk}/")
    client_for(world.bob).post(wrong_patient)
    link.refresh_from_db()
    assert link.cancelled_at is None


def test_the_worker_issues_a_link_only_once(world: World) -> None:
    link, _token = sent_link(world)
    assert signing_link_issue(request_id=link.pk) is None
