"""Patient links: one token scheme, expiring, revocable, single-use where asked, every opening,
use and refusal audited — for every purpose (filiform/links)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone

from filiform.audit.models import AuditEntry
from filiform.clinics.access import AccessDenied
from filiform.links.models import LinkPurpose, PatientLink
from filiform.links.services import (
    LinkContext,
    LinkRefused,
    link_issue,
    link_open,
    link_open_target,
    link_renew,
    link_revoke,
    link_spend,
    link_token,
    link_token_send,
    link_url,
    links_of_patient,
)
from filiform.links.tokens import SIGNED_SALT, token_digest, token_new
from filiform.outcomes.models import MeasureRequest
from filiform.patients.models import EpisodeOfCare
from tests.clinical import access_for
from tests.conftest import World

HERE = LinkContext(ip="198.51.100.4", user_agent="Phone")


def issue(
    world: World,
    *,
    single_use: bool = False,
    days: int = 7,
    purpose: LinkPurpose | None = None,
    target_id: int = 42,
) -> PatientLink:
    return link_issue(
        clinic_id=world.clinic.pk,
        patient_id=world.patient.pk,
        purpose=purpose or (LinkPurpose.CHECK_IN if single_use else LinkPurpose.AFTERCARE),
        target_id=target_id,
        valid_for=dt.timedelta(days=days),
        single_use=single_use,
    )


def refused(token: str, **kwargs: object) -> str:
    with pytest.raises(LinkRefused) as refusal:
        link_open(token=token, where=HERE, **kwargs)  # type: ignore[arg-type]
    return refusal.value.reason


def measure_request(world: World) -> MeasureRequest:
    episode = EpisodeOfCare.objects.create(
        clinic=world.clinic,
        patient=world.patient,
        condition="Neck pain",
        started_on=dt.date(2026, 5, 1),
        created_by=world.bob,
    )
    return MeasureRequest.objects.create(
        clinic=world.clinic,
        patient=world.patient,
        episode=episode,
        instruments=["nprs"],
        created_by=world.bob,
    )


def test_a_link_opens_and_every_opening_is_counted_and_audited(world: World) -> None:
    link = issue(world)
    for _ in range(2):
        assert link_open(token=link_token(link), where=HERE).pk == link.pk
    link.refresh_from_db()
    assert link.opened_count == 2
    entries = AuditEntry.objects.filter(via="portal-link", action="read")
    assert entries.count() == 2
    assert {e.patient_id for e in entries} == {world.patient.pk}


def test_the_token_is_stored_nowhere_and_made_again_the_same(world: World) -> None:
    link = issue(world)
    token = link_token(link)
    assert token == link_token(PatientLink.objects.get(pk=link.pk))  # a reprinted sheet
    assert len(token) == 43
    assert token.replace("-", "").replace("_", "").isalnum()
    assert link.secret_sha256 == token_digest(token)
    assert token not in {link.nonce, link.secret_sha256}
    assert link_url(link).endswith(f"/p/{token}/")


@pytest.mark.parametrize(
    "alter",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one character changed
        lambda t: t[:-1],  # cut short
        lambda t: "9" + t,
        lambda _t: "",
        lambda _t: "not-a-token",
        lambda _t: "1.x:not-signed",
    ],
)
def test_an_altered_token_is_unknown(world: World, alter) -> None:
    link = issue(world)
    assert refused(alter(link_token(link))) == "unknown"
    assert AuditEntry.objects.filter(action="permission_denied", via="portal-link").exists()


def test_a_token_signed_before_one_scheme_still_opens_its_link(world: World) -> None:
    """Sheets printed and e-mails sent before the scheme carry ``<id>.<nonce>:<signature>``."""
    link = issue(world)
    old = signing.Signer(salt=SIGNED_SALT).sign(f"{link.pk}.{link.nonce}")
    assert link_open(token=old, where=HERE).pk == link.pk
    forged = signing.Signer(salt=SIGNED_SALT).sign(f"{link.pk}.another-nonce")
    assert refused(forged) == "unknown"
    PatientLink.objects.filter(pk=link.pk).update(nonce="other")
    assert refused(old) == "unknown"


def test_a_link_sent_once_keeps_only_its_tokens_digest_and_a_renewal_stops_the_old(
    world: World,
) -> None:
    link = link_issue(
        clinic_id=world.clinic.pk,
        patient_id=world.patient.pk,
        purpose=LinkPurpose.CONSENT_SIGNING,
        target_id=7,
        valid_for=dt.timedelta(hours=72),
        single_use=True,
        kept=False,
    )
    assert (link.nonce, link.secret_sha256) == ("", None)
    with pytest.raises(ValueError, match="sent once"):
        link_token(link)
    token = token_new()
    assert refused(token, purpose=LinkPurpose.CONSENT_SIGNING) == "unknown"  # not sent yet
    assert link_token_send(link=link, token=token, replace=False)
    assert not link_token_send(link=link, token=token_new(), replace=False)  # sent once
    assert link_open(token=token, where=HERE, purpose=LinkPurpose.CONSENT_SIGNING).pk == link.pk
    link_renew(link=link, valid_for=dt.timedelta(hours=72))
    assert refused(token, purpose=LinkPurpose.CONSENT_SIGNING) == "unknown"


def test_a_printed_link_is_not_renewed(world: World) -> None:
    link = issue(world)
    with pytest.raises(ValueError, match="cannot be renewed"):
        link_renew(link=link, valid_for=dt.timedelta(days=1))
    assert link_open(token=link_token(link), where=HERE).pk == link.pk


def test_a_link_works_until_the_second_it_expires(world: World) -> None:
    start = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as clock:
        link = issue(world, days=7)
        clock.move_to(start + dt.timedelta(days=7) - dt.timedelta(microseconds=1))
        assert link_open(token=link_token(link), where=HERE).pk == link.pk
        clock.move_to(start + dt.timedelta(days=7))  # its expiry: no longer
        assert refused(link_token(link)) == "expired"
    entry = AuditEntry.objects.get(action="permission_denied")
    assert entry.detail["refused"] == "expired"


def test_a_revoked_link_stops_at_once_and_only_staff_of_the_clinic_revoke(world: World) -> None:
    link = issue(world)
    with pytest.raises(Http404):
        link_revoke(access=access_for(world.olga, world.other_clinic), link_id=link.pk)
    with pytest.raises(AccessDenied):
        link_revoke(access=access_for(world.bill, world.clinic), link_id=link.pk)
    link_revoke(access=access_for(world.fran, world.clinic), link_id=link.pk)
    assert refused(link_token(link)) == "revoked"
    [listed] = links_of_patient(
        access=access_for(world.fran, world.clinic), patient_id=world.patient.pk
    )
    assert listed.status == "revoked"
    assert listed.revoked_by == world.fran


def test_a_consent_signing_link_is_not_a_portal_link(world: World) -> None:
    """Listed and cancelled on the consent page, not on the patient's portal links."""
    link = issue(world, purpose=LinkPurpose.CONSENT_SIGNING, single_use=True)
    fran = access_for(world.fran, world.clinic)
    assert links_of_patient(access=fran, patient_id=world.patient.pk) == []
    with pytest.raises(Http404):
        link_revoke(access=fran, link_id=link.pk)


@pytest.mark.parametrize("purpose", list(LinkPurpose))
def test_every_purpose_opens_its_record_once_and_is_audited_in_its_own_name(
    world: World, purpose: LinkPurpose
) -> None:
    request = measure_request(world)
    link = issue(world, purpose=purpose, single_use=True, target_id=request.pk)
    token = link_token(link)
    opened = link_open_target(token=token, where=HERE, purpose=purpose, model=MeasureRequest)
    assert opened.target == request
    with link_spend(token=token, where=HERE, purpose=purpose, model=MeasureRequest) as used:
        assert used.target == request
    with pytest.raises(LinkRefused) as again:
        link_open(token=token, where=HERE, purpose=purpose)
    assert again.value.reason == "used"
    denied = AuditEntry.objects.get(action="permission_denied")
    if purpose == LinkPurpose.CONSENT_SIGNING:
        assert (denied.object_type, denied.via) == ("consent_signing_request", "signing-link")
        assert denied.detail == {"actor": "patient (e-mailed signing link)", "refused": "used"}
    else:
        assert (denied.object_type, denied.via) == (f"portal_link:{purpose}", "portal-link")
        assert denied.detail == {
            "actor": "patient (portal link)",
            "link": link.pk,
            "refused": "used",
        }
    assert denied.object_id == str(request.pk)


def test_a_cancelled_consent_signing_link_is_refused_as_cancelled(world: World) -> None:
    link = issue(world, purpose=LinkPurpose.CONSENT_SIGNING, single_use=True)
    PatientLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    assert refused(link_token(link), purpose=LinkPurpose.CONSENT_SIGNING) == "cancelled"


def test_a_single_use_link_works_once_and_bad_input_leaves_it_usable(world: World) -> None:
    request = measure_request(world)
    link = issue(world, purpose=LinkPurpose.MEASURES, single_use=True, target_id=request.pk)
    token = link_token(link)
    spend: dict[str, Any] = {
        "token": token,
        "where": HERE,
        "purpose": LinkPurpose.MEASURES,
        "model": MeasureRequest,
    }
    with pytest.raises(ValidationError), link_spend(**spend):
        raise ValidationError("a questionnaire left blank")
    link.refresh_from_db()
    assert link.used_at is None
    with link_spend(**spend):
        pass
    with pytest.raises(LinkRefused) as again, link_spend(**spend):
        pass
    assert again.value.reason == "used"
    assert refused(token) == "used"


def test_a_link_for_one_purpose_does_not_open_another(world: World) -> None:
    link = issue(world)
    assert refused(link_token(link), purpose=LinkPurpose.CHECK_IN) == "unknown"
    assert refused(link_token(link), purpose=LinkPurpose.CONSENT_SIGNING) == "unknown"


def test_a_link_to_a_record_of_another_patient_is_unknown(world: World) -> None:
    request = measure_request(world)
    link = link_issue(
        clinic_id=world.clinic.pk,
        patient_id=world.other_patient.pk,
        purpose=LinkPurpose.MEASURES,
        target_id=request.pk,
        valid_for=dt.timedelta(days=7),
    )
    with pytest.raises(LinkRefused) as refusal:
        link_open_target(
            token=link_token(link), where=HERE, purpose=LinkPurpose.MEASURES, model=MeasureRequest
        )
    assert refusal.value.reason == "unknown"


# Two submits at once. SQLite has no row locks (see tests/billing/test_payments.py), so the
# race runs for real on PostgreSQL only.
needs_row_locks = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite has no row locks; the in-memory test database cannot host two writers",
)


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_use_a_link_once(world: World) -> None:
    request = measure_request(world)
    link = issue(world, purpose=LinkPurpose.MEASURES, single_use=True, target_id=request.pk)
    token = link_token(link)
    barrier = threading.Barrier(2)
    outcomes: list[Any] = [None, None]

    def patient(i: int) -> None:
        try:
            barrier.wait()
            with link_spend(
                token=token, where=HERE, purpose=LinkPurpose.MEASURES, model=MeasureRequest
            ) as opened:
                MeasureRequest.objects.of_clinic(world.clinic.pk).filter(
                    pk=opened.target.pk
                ).update(completed_at=timezone.now())
                outcomes[i] = "saved"
        except LinkRefused as refusal:
            outcomes[i] = refusal.reason
        except Exception as error:
            outcomes[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=patient, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["saved", "used"], outcomes
    assert (
        AuditEntry.objects.filter(action="permission_denied", detail__refused="used").count() == 1
    )
