"""A staff invitation's e-mail shows on the staff list whether it went, and if not, why; an
owner can send it again once it is no longer on its way (clinics/invitations.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from filiform.audit.models import AuditEntry
from filiform.clinics.access import AccessDenied
from filiform.clinics.invitations import invitation_send_again, invitations_of
from filiform.clinics.models import Membership
from filiform.clinics.staff import staff_invite
from filiform.notices.models import MessageStatus, OutboxMessage
from filiform.notices.outbox import StillOnItsWay
from tests.conftest import World, client_for
from tests.consent.helpers import access_of

pytestmark = pytest.mark.django_db(transaction=True)
REFUSED = "SMTPRecipientsRefused: {'nia@clinic.test': (550, b'5.1.1 mailbox unavailable')}"


def _invited(world: World) -> tuple[Membership, OutboxMessage]:
    membership = staff_invite(
        access=access_of(world.alice, world.clinic),
        email="nia@clinic.test",
        first_name="Nia",
        last_name="Okoye",
        role="physiotherapist",
    )
    return membership, invitations_of([membership])[membership.pk]


def _failed(message: OutboxMessage) -> None:
    message.status, message.attempts, message.last_error = MessageStatus.FAILED, 6, REFUSED
    message.save()


def test_the_service_refuses_while_on_its_way_then_queues_a_new_one_audited(
    world: World,
) -> None:
    membership, first = _invited(world)
    alice = access_of(world.alice, world.clinic)
    with pytest.raises(StillOnItsWay):
        invitation_send_again(access=alice, membership_id=membership.pk)
    _failed(first)
    again = invitation_send_again(access=alice, membership_id=membership.pk)
    assert (again.status, again.to) == (MessageStatus.QUEUED, ["nia@clinic.test"])
    assert invitations_of([membership])[membership.pk] == again
    first.refresh_from_db()
    assert first.status == MessageStatus.FAILED  # the old one stays as it was
    assert AuditEntry.objects.filter(
        object_type="membership", object_id=str(membership.pk), detail__invitation_sent_again=True
    ).exists()


def test_only_owners_and_only_their_own_clinic(world: World) -> None:
    membership, first = _invited(world)
    _failed(first)
    with pytest.raises(AccessDenied):
        invitation_send_again(
            access=access_of(world.bob, world.clinic), membership_id=membership.pk
        )
    olga = access_of(world.olga, world.other_clinic)
    with pytest.raises(AccessDenied):  # a physiotherapist there: not an owner
        invitation_send_again(access=olga, membership_id=membership.pk)
    assert OutboxMessage.objects.count() == 1


def test_another_clinics_owner_is_told_not_on_staff(world: World) -> None:
    membership, first = _invited(world)
    _failed(first)
    Membership.objects.filter(user=world.olga).update(role="owner")
    owner_elsewhere = access_of(world.olga, world.other_clinic)
    with pytest.raises(ValidationError, match="not on this clinic's staff list"):
        invitation_send_again(access=owner_elsewhere, membership_id=membership.pk)


def test_the_staff_list_shows_why_and_the_owner_sends_it_again(world: World, smtp_server) -> None:
    membership, first = _invited(world)
    _failed(first)
    page = client_for(world.alice).get(f"/c/{world.clinic.slug}/staff/").content.decode()
    assert 'data-testid="invitation-delivery"' in page
    assert "Failed: not delivered" in page
    assert "The mail server refused the recipient&#x27;s address." in page
    assert "550" not in page  # the mail server's own words stay out of the page
    again_url = f"/c/{world.clinic.slug}/staff/{membership.pk}/invitation/"
    assert f'action="{again_url}"' in page

    refused = client_for(world.bob).post(again_url)  # not an owner
    assert refused.status_code == 403
    sent = client_for(world.alice).post(again_url, follow=True)
    assert "being e-mailed again to nia@clinic.test" in sent.content.decode()
    assert invitations_of([membership])[membership.pk].status == MessageStatus.QUEUED
    twice = client_for(world.alice).post(again_url, follow=True).content.decode()
    assert "still on its way" in twice
    assert OutboxMessage.objects.count() == 2

    call_command("db_worker", "--batch", "--verbosity", "0")
    assert invitations_of([membership])[membership.pk].status == MessageStatus.SENT
    assert [m["To"] for m in smtp_server.messages] == ["nia@clinic.test"]
    page = client_for(world.alice).get(f"/c/{world.clinic.slug}/staff/").content.decode()
    assert 'data-status="sent"' in page


def test_another_clinics_membership_id_is_refused_on_the_page(world: World) -> None:
    olga = Membership.objects.get(user=world.olga)
    response = client_for(world.alice).post(
        f"/c/{world.clinic.slug}/staff/{olga.pk}/invitation/", follow=True
    )
    assert "not on this clinic&#x27;s staff list" in response.content.decode()
    assert not OutboxMessage.objects.exists()
