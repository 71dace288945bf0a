"""A signing link's e-mail has a delivery status that is the truth: a failed e-mail never marks
the link sent, and "send again" issues a fresh link (the old secret was never stored)."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from filiform.audit.models import AuditEntry
from filiform.consent.models import ConsentSigningRequest
from filiform.consent.remote import (
    signing_link_delivery,
    signing_request_create,
    signing_request_send_again,
    token_hash,
)
from filiform.notices.models import MessageStatus
from filiform.operations.models import ScheduledJob
from filiform.operations.schedule import DAILY_JOBS
from tests.conftest import World, _free_port
from tests.consent.helpers import access_of

pytestmark = pytest.mark.django_db(transaction=True)


def _request(world: World) -> ConsentSigningRequest:
    for job in DAILY_JOBS:  # no daily job's e-mail in the mailbox
        ScheduledJob.objects.update_or_create(name=job.name, defaults={"last_day": "9999-01-01"})
    world.patient.email, world.patient.email_ok = "quill@patient.test", True
    world.patient.save()
    return signing_request_create(
        access=access_of(world.bob, world.clinic),
        patient_id=world.patient.pk,
        risks_discussed=True,
        benefits_discussed=True,
        alternatives_discussed=True,
        discussion_method="phone",
    )


def test_a_failed_email_never_marks_the_link_sent_and_send_again_issues_a_fresh_one(
    world: World, smtp_server, settings
) -> None:
    request = _request(world)
    port, settings.EMAIL_PORT = settings.EMAIL_PORT, _free_port()  # the mail server is down
    call_command("worker", "--batch", "--verbosity", "0")
    request.refresh_from_db()
    message = signing_link_delivery([request])[request.pk]
    assert message.status == MessageStatus.RETRYING
    assert (request.sent_at, request.token_hash) == (None, None)
    bob = access_of(world.bob, world.clinic)
    with pytest.raises(ValidationError):  # still on its way: not twice
        signing_request_send_again(access=bob, request_id=request.pk)
    message.status = MessageStatus.FAILED  # its last attempt
    message.save()

    settings.EMAIL_PORT = port
    signing_request_send_again(access=bob, request_id=request.pk)
    call_command("worker", "--batch", "--verbosity", "0")
    request.refresh_from_db()
    assert signing_link_delivery([request])[request.pk].status == MessageStatus.SENT
    [mail] = smtp_server.messages
    token = re.search(r"/consent/sign/([\w-]+)/", mail.as_string())
    assert token is not None
    assert request.token_hash == token_hash(token.group(1))
    assert AuditEntry.objects.filter(
        object_type="consent_signing_request", detail__sent_again=True
    ).exists()


def test_send_again_needs_the_clinical_record_permission(world: World) -> None:
    request = _request(world)
    from filiform.clinics.access import AccessDenied

    with pytest.raises(AccessDenied):
        signing_request_send_again(
            access=access_of(world.fran, world.clinic), request_id=request.pk
        )
