"""The move to one patient-link mechanism on a database that already holds links: a portal
link printed or e-mailed before still opens (with its old signed token and its new one), and a
consent signing link already e-mailed still opens and signs; used and cancelled signing links
stay used and cancelled (links 0002, consent 0004)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core import signing
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from filiform.consent.remote import signing_link_open
from filiform.links.models import LinkPurpose, PatientLink
from filiform.links.services import LinkContext, LinkRefused, link_open, link_token
from tests.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)

HERE = LinkContext(ip="198.51.100.4", user_agent="Phone")
BEFORE = [("links", "0001_initial"), ("consent", "0003_signing_request")]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_links_made_before_one_scheme_keep_working(world: World) -> None:
    call_command("migrate", "links", "0001", verbosity=0)  # consent 0004 goes back with it
    try:
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        later = timezone.now() + dt.timedelta(days=3)
        sheet_link = old.get_model("links", "PatientLink").objects.create(
            clinic_id=world.clinic.pk,
            patient_id=world.patient.pk,
            purpose="aftercare",
            target_id=42,
            nonce="a-nonce-of-the-old-portal",
            expires_at=later,
        )
        printed = signing.Signer(salt="filiform.portal.link").sign(
            f"{sheet_link.pk}.{sheet_link.nonce}"
        )
        template = old.get_model("consent", "ConsentTemplate").objects.create(
            clinic_id=world.clinic.pk,
            version=1,
            title="Consent",
            body="Risks: pneumothorax.",
            body_sha256=_sha256("Risks: pneumothorax."),
        )
        requests = old.get_model("consent", "ConsentSigningRequest").objects
        fields = {
            "clinic_id": world.clinic.pk,
            "patient_id": world.patient.pk,
            "template_id": template.pk,
            "email": "quill@patient.test",
            "risks_discussed": True,
            "benefits_discussed": True,
            "alternatives_discussed": True,
            "discussion_method": "phone",
            "created_by_id": world.bob.pk,
            "expires_at": later,
            "sent_at": timezone.now(),
        }
        emailed = "a-random-signing-secret-e-mailed-before-the-move-0"
        pending = requests.create(**fields, token_hash=_sha256(emailed))
        used = requests.create(**fields, token_hash=_sha256("used-token"), used_at=timezone.now())
        cancelled = requests.create(
            **fields,
            token_hash=_sha256("cancelled-token"),
            cancelled_at=timezone.now(),
            cancelled_by_id=world.bob.pk,
        )
    finally:
        call_command("migrate", verbosity=0)

    link = PatientLink.objects.get(pk=sheet_link.pk)
    assert link_open(token=printed, where=HERE).pk == link.pk
    assert link_open(token=link_token(link), where=HERE).pk == link.pk

    from filiform.consent.models import ConsentSigningRequest

    request = signing_link_open(token=emailed, where=HERE)
    assert request.pk == pending.pk
    assert request.link is not None
    assert (request.link.purpose, request.link.target_id) == (
        LinkPurpose.CONSENT_SIGNING,
        pending.pk,
    )
    assert request.expires_at == later
    assert ConsentSigningRequest.objects.get(pk=used.pk).status == "used"
    stopped = ConsentSigningRequest.objects.get(pk=cancelled.pk)
    assert stopped.status == "cancelled"
    assert stopped.cancelled_by == world.bob
    with pytest.raises(LinkRefused) as refusal:
        signing_link_open(token="cancelled-token", where=HERE)
    assert refusal.value.reason == "cancelled"


def test_the_consent_migration_goes_back_and_forth_without_losing_a_link(world: World) -> None:
    from filiform.consent.models import ConsentSigningRequest
    from filiform.consent.remote import signing_link_issue
    from tests.consent.helpers import sent_link

    request, token = sent_link(world)
    expires_at = request.expires_at
    assert signing_link_issue(request_id=request.pk) is None  # sent once
    call_command("migrate", "consent", "0003", verbosity=0)
    try:
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        [back] = old.get_model("consent", "ConsentSigningRequest").objects.all()
        assert back.token_hash == _sha256(token)
        assert back.expires_at == expires_at
        assert not PatientLink.objects.filter(purpose=LinkPurpose.CONSENT_SIGNING).exists()
    finally:
        call_command("migrate", verbosity=0)
    assert signing_link_open(token=token, where=HERE).pk == request.pk
    assert ConsentSigningRequest.objects.get().status == "pending"
