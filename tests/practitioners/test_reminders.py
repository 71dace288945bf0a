import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from filiform.clinics.models import Membership
from filiform.operations.schedule import schedule_due_jobs
from filiform.practitioners.models import CredentialReminder, Registration
from tests.conftest import World

pytestmark = pytest.mark.django_db(transaction=True)


def test_expiry_reminders_go_out_at_60_30_and_7_days_once_each(world: World, smtp_server) -> None:
    bob = Membership.objects.get(user=world.bob, clinic=world.clinic)
    Registration.objects.create(
        membership=bob,
        province="ON",
        college="CPO",
        number="R1",
        status="general",
        expires_on=dt.date(2027, 3, 1),
    )
    for day, expected in [
        ("2026-12-31", 1),
        ("2027-01-01", 1),
        ("2027-01-30", 2),
        ("2027-02-22", 3),
    ]:
        with time_machine.travel(f"{day} 14:00:00+00:00", tick=False):
            schedule_due_jobs()
            call_command("worker", "--batch", "--verbosity", "0")
        assert CredentialReminder.objects.count() == expected, day
    assert len(smtp_server.messages) == 3
    first = smtp_server.messages[0]
    assert "expires in 60 days" in first["Subject"]
    assert "bob@clinic.test" in first["To"]
    assert "alice@clinic.test" in first["To"]  # the owner hears too
