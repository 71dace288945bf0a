"""Every enqueue is in the transaction of the write that needs it: inside it, the record and
its task are both there; rolled back, neither; committed, both (no ``on_commit`` hand-off a
crash could lose)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from filiform.clinics.models import Membership, Role
from filiform.clinics.staff import staff_invite
from filiform.consent.models import ConsentSigningRequest
from filiform.consent.remote import signing_request_create
from filiform.operations.models import ScheduledJob
from filiform.operations.schedule import DailyJob, schedule_due_jobs
from tests.conftest import World
from tests.consent.helpers import access_of

JOB = DailyJob("test-job", "tests.operations.sample_tasks.add")


class Rollback(Exception):
    pass


def _tasks(path_end: str) -> int:
    return DBTaskResult.objects.filter(task_path__endswith=path_end).count()


def _both_or_neither(write: Callable[[], object], rows: Callable[[], int], task: str) -> None:
    def write_then_fail() -> None:
        with transaction.atomic():
            write()
            assert (rows(), _tasks(task)) == (1, 1)  # the task is there before the commit
            raise Rollback

    with pytest.raises(Rollback):
        write_then_fail()
    assert (rows(), _tasks(task)) == (0, 0)
    with transaction.atomic():
        write()
    assert (rows(), _tasks(task)) == (1, 1)


def _emailable(world: World) -> None:
    world.patient.email, world.patient.email_ok = "quill@patient.test", True
    world.patient.save()


def test_a_consent_signing_link_and_its_task_commit_together(world: World) -> None:
    _emailable(world)

    def write() -> object:
        return signing_request_create(
            access=access_of(world.bob, world.clinic),
            patient_id=world.patient.pk,
            risks_discussed=True,
            benefits_discussed=True,
            alternatives_discussed=True,
            discussion_method="phone",
        )

    _both_or_neither(write, ConsentSigningRequest.objects.count, ".send_message")


def test_a_staff_invitation_and_its_task_commit_together(world: World) -> None:
    def write() -> object:
        return staff_invite(
            access=access_of(world.alice, world.clinic),
            email="new.person@clinic.test",
            first_name="New",
            last_name="Person",
            role=Role.FRONT_DESK,
        )

    def rows() -> int:
        return Membership.objects.filter(user__email="new.person@clinic.test").count()

    _both_or_neither(write, rows, ".send_message")


def test_a_check_in_is_scheduled_in_the_signing_transaction(world: World) -> None:
    from filiform.aftercare.models import CheckIn
    from tests.aftercare.needled import cleared, needled_visit

    _emailable(world)
    cleared(world)
    _both_or_neither(lambda: needled_visit(world), CheckIn.objects.count, ".send_check_in")


@pytest.mark.django_db
def test_a_daily_job_is_marked_done_with_its_task() -> None:
    day = dt.date(2026, 11, 24)

    def rows() -> int:
        return ScheduledJob.objects.filter(name=JOB.name, last_day=day).count()

    _both_or_neither(lambda: schedule_due_jobs(today=day, jobs=(JOB,)), rows, ".add")
