import datetime as dt
import json

import pytest
import time_machine
from django.core.exceptions import ValidationError

from filiform.audit.models import AuditAction, AuditEntry
from filiform.consent.models import ConsentRecord, ConsentTemplate
from filiform.consent.records import consent_status, signature_check
from tests.conftest import World, client_for

SIGNATURE = [[[20, 100], [80, 60], [140, 120], [220, 70]], [[260, 90], [320, 95]]]
CHECKLIST = {
    "risks_discussed": "on",
    "benefits_discussed": "on",
    "alternatives_discussed": "on",
    "questions_answered": "on",
    "decision": "permit",
    "signer_name": "Quill Zanzibarian",
    "template_version": "1",
}


def _post(world: World, data: dict, signature: object = SIGNATURE, user=None):
    client = client_for(user or world.bob)
    url = f"/c/{world.clinic.slug}/patients/{world.patient.pk}/consent/"
    client.get(url)  # seeds the clinic's consent text, as opening the page does
    return client.post(url, {**data, "signature": json.dumps(signature)})


def test_informed_consent_is_recorded_with_its_text_and_signature(world: World) -> None:
    response = _post(world, {**CHECKLIST, "thorax_acknowledged": "on"})
    assert response.status_code == 302
    record = ConsentRecord.objects.get()
    assert record.text_body == ConsentTemplate.objects.get().body
    assert record.thorax_acknowledged
    assert record.signature_strokes[0][0] == [20.0, 100.0]
    assert 364 <= (record.valid_until - dt.date.today()).days <= 366  # 12 months by default
    status = consent_status(patient=world.patient, on=dt.date.today())
    assert status.in_force
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_type="consent", patient_id=world.patient.pk
    ).exists()
    page = (
        client_for(world.bob)
        .get(f"/c/{world.clinic.slug}/patients/{world.patient.pk}/")
        .content.decode()
    )
    assert "Consent in force until" in page


@pytest.mark.parametrize(
    "signature", [[], [[[10, 10]]], [[[10, 10], [12, 11]]], "nonsense", [[[10, 10], [700, 900]]]]
)
def test_a_blank_or_unreadable_signature_is_refused_and_nothing_is_saved(
    world: World, signature
) -> None:
    response = _post(world, CHECKLIST, signature=signature)
    assert response.status_code == 200
    assert "field-error" in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_consent_needs_every_discussion_item(world: World) -> None:
    response = _post(world, {**CHECKLIST, "alternatives_discussed": ""})
    assert "Consent is informed only after discussing: alternatives" in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_a_refusal_is_recorded_and_means_no_go(world: World) -> None:
    _post(world, {"decision": "deny", "signer_name": "Quill Zanzibarian", "template_version": "1"})
    status = consent_status(patient=world.patient, on=dt.date.today())
    assert not status.in_force
    assert "declined" in status.reason


def test_text_changed_while_the_page_was_open_is_refused(world: World) -> None:
    response = _post(world, {**CHECKLIST, "template_version": "7"})
    assert "The consent text changed while this page was open" in response.content.decode()


def test_withdrawal_takes_effect_at_once_and_only_once(world: World) -> None:
    _post(world, CHECKLIST)
    record = ConsentRecord.objects.get()
    client = client_for(world.bob)
    url = f"/c/{world.clinic.slug}/patients/{world.patient.pk}/consent/{record.pk}/withdraw/"
    client.post(url, {"note": "changed their mind"})
    status = consent_status(patient=world.patient, on=dt.date.today())
    assert not status.in_force
    assert "withdrawn" in status.reason
    again = client.post(url, follow=True)
    assert "already withdrawn" in again.content.decode()
    record.refresh_from_db()
    assert record.withdrawal_note == "changed their mind"


def test_consent_lapses_after_the_clinics_validity(world: World) -> None:
    world.clinic.consent_valid_months = 6
    world.clinic.save()
    with time_machine.travel("2026-01-31 15:00:00+00:00", tick=False):
        _post(world, CHECKLIST)
    record = ConsentRecord.objects.get()
    assert record.valid_until == dt.date(2026, 7, 31)
    assert consent_status(patient=world.patient, on=dt.date(2026, 7, 31)).in_force
    assert not consent_status(patient=world.patient, on=dt.date(2026, 8, 1)).in_force


def test_front_desk_and_billing_cannot_record_consent(world: World) -> None:
    for user in (world.fran, world.bill):
        response = client_for(user).get(
            f"/c/{world.clinic.slug}/patients/{world.patient.pk}/consent/"
        )
        assert response.status_code == 403


def test_signature_check_counts_ink() -> None:
    assert signature_check(SIGNATURE)[1] == [[260.0, 90.0], [320.0, 95.0]]
    with pytest.raises(ValidationError):
        signature_check([[[0, 0], [float("nan"), 3]]])
