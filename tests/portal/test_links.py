"""Patient links: signed, expiring, revocable, single-use where asked, every use audited."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.http import Http404

from filiform.audit.models import AuditEntry
from filiform.clinics.access import AccessDenied
from filiform.portal.links import (
    LinkContext,
    LinkRefused,
    link_issue,
    link_open,
    link_revoke,
    link_token,
    link_use,
    links_of_patient,
)
from filiform.portal.models import LinkPurpose, PortalLink
from tests.clinical import access_for
from tests.conftest import World

HERE = LinkContext(ip="198.51.100.4", user_agent="Phone")


def issue(world: World, *, single_use: bool = False, days: int = 7) -> PortalLink:
    return link_issue(
        clinic_id=world.clinic.pk,
        patient_id=world.patient.pk,
        purpose=LinkPurpose.CHECK_IN if single_use else LinkPurpose.AFTERCARE,
        target_id=42,
        valid_for=dt.timedelta(days=days),
        single_use=single_use,
    )


def refused(token: str, **kwargs: object) -> str:
    with pytest.raises(LinkRefused) as refusal:
        link_open(token=token, where=HERE, **kwargs)  # type: ignore[arg-type]
    return refusal.value.reason


def test_a_link_opens_and_every_opening_is_counted_and_audited(world: World) -> None:
    link = issue(world)
    for _ in range(2):
        assert link_open(token=link_token(link), where=HERE).pk == link.pk
    link.refresh_from_db()
    assert link.opened_count == 2
    entries = AuditEntry.objects.filter(via="portal-link", action="read")
    assert entries.count() == 2
    assert {e.patient_id for e in entries} == {world.patient.pk}


@pytest.mark.parametrize(
    "alter",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
        lambda t: "9" + t,  # another id
        lambda t: t.split(":")[0],  # no signature
        lambda _t: "",
        lambda _t: "not-a-token",
    ],
)
def test_an_altered_token_is_unknown(world: World, alter) -> None:
    link = issue(world)
    assert refused(alter(link_token(link))) == "unknown"
    assert AuditEntry.objects.filter(action="permission_denied", via="portal-link").exists()


def test_a_token_with_the_wrong_nonce_is_unknown(world: World) -> None:
    link = issue(world)
    token = link_token(link)
    PortalLink.objects.filter(pk=link.pk).update(nonce="other")
    assert refused(token) == "unknown"


def test_links_expire(world: World) -> None:
    with time_machine.travel(dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        link = issue(world, days=7)
        clock.shift(dt.timedelta(days=7, seconds=1))
        assert refused(link_token(link)) == "expired"


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


def test_a_single_use_link_works_once(world: World) -> None:
    link = issue(world, single_use=True)
    token = link_token(link)
    with transaction.atomic():
        link_use(token=token, where=HERE, purpose=LinkPurpose.CHECK_IN)
    with pytest.raises(LinkRefused) as again, transaction.atomic():
        link_use(token=token, where=HERE, purpose=LinkPurpose.CHECK_IN)
    assert again.value.reason == "used"
    assert refused(token) == "used"


def test_a_link_for_one_purpose_does_not_open_another(world: World) -> None:
    link = issue(world)
    assert refused(link_token(link), purpose=LinkPurpose.CHECK_IN) == "unknown"
