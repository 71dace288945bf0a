"""`filiform clinic create`: a clinic and its first owner on a server that may host many, the
owner invited by e-mail through the worker and a real local SMTP server (clinics/setup.py)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from filiform.accounts.models import User
from filiform.audit.models import AuditEntry
from filiform.clinics.models import Clinic, Membership, Role
from filiform.notices.models import OutboxMessage
from tests.clinics.invitation_mail import choose_password_from
from tests.conftest import World

ARGS = [
    "clinic",
    "create",
    "--name",
    "Harbour Needling Physio",
    "--province",
    "NS",
    "--time-zone",
    "America/Halifax",
    "--owner-email",
    "Noor@Harbour.test",
    "--owner-first-name",
    "Noor",
]


def _create(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_new_clinics_owner_chooses_a_password_from_the_emailed_link(smtp_server) -> None:
    said = _create(*ARGS)
    clinic = Clinic.objects.get(slug="harbour-needling-physio")
    assert (clinic.province, clinic.time_zone) == ("NS", "America/Halifax")
    noor = User.objects.get(email="noor@harbour.test")
    assert not noor.has_usable_password()
    assert Membership.objects.get(user=noor, clinic=clinic).role == Role.OWNER
    assert "/c/harbour-needling-physio/" in said
    assert "a new account" in said
    entry = AuditEntry.objects.get(object_type="clinic", object_id=str(clinic.pk))
    assert entry.detail["owner"] == "noor@harbour.test"
    assert smtp_server.messages == []  # the worker sends it
    call_command("worker", "--batch", "--verbosity", "0")
    assert [m["To"] for m in smtp_server.messages] == ["noor@harbour.test"]
    choose_password_from(smtp_server.messages[0], "harbour-passphrase-31")
    noor.refresh_from_db()
    assert noor.check_password("harbour-passphrase-31")


@pytest.mark.django_db
def test_someone_of_another_clinic_becomes_owner_with_their_own_account(world: World) -> None:
    said = _create(*ARGS[:-4], "--owner-email", "olga@clinic.test")
    world.olga.refresh_from_db()
    assert world.olga.has_usable_password()
    assert "an existing account" in said
    clinics = set(Membership.objects.filter(user=world.olga).values_list("clinic__slug", flat=True))
    assert clinics == {world.other_clinic.slug, "harbour-needling-physio"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("--province", "ZZ"), "province"),
        (("--time-zone", "Mars/Olympus_Mons"), "time zone"),
        (("--owner-email", "not-an-address"), "owner email"),
        (("--name", ""), "name"),
        (("--slug", "riverside-test"), "slug"),  # the world's clinic has it
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    world: World, change: tuple[str, str], problem: str
) -> None:
    args = list(ARGS)
    if change[0] in args:
        args[args.index(change[0]) + 1] = change[1]
    else:
        args += list(change)
    clinics, users, messages = (
        Clinic.objects.count(),
        User.objects.count(),
        OutboxMessage.objects.count(),
    )
    with pytest.raises(CommandError, match=f"not created.*{problem}"):
        _create(*args)
    assert (Clinic.objects.count(), User.objects.count(), OutboxMessage.objects.count()) == (
        clinics,
        users,
        messages,
    )
    assert not AuditEntry.objects.filter(object_type="clinic").exists()
