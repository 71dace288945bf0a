import datetime as dt

import pytest

from filiform.operations.schedule import DailyJob, schedule_due_jobs

pytestmark = pytest.mark.django_db(transaction=True)
JOB = DailyJob("test-job", "tests.operations.sample_tasks.add")


def test_a_daily_job_is_enqueued_once_a_day() -> None:
    enqueued: list[str] = []
    day = dt.date(2026, 11, 24)
    assert schedule_due_jobs(today=day, jobs=(JOB,), enqueue=lambda j: enqueued.append(j.name)) == [
        "test-job"
    ]
    assert (
        schedule_due_jobs(today=day, jobs=(JOB,), enqueue=lambda j: enqueued.append(j.name)) == []
    )
    assert schedule_due_jobs(
        today=day + dt.timedelta(days=1), jobs=(JOB,), enqueue=lambda j: enqueued.append(j.name)
    ) == ["test-job"]
    assert enqueued == ["test-job", "test-job"]


def test_the_real_jobs_point_at_real_tasks() -> None:
    from django.utils.module_loading import import_string

    from filiform.operations.schedule import DAILY_JOBS

    for job in DAILY_JOBS:
        assert hasattr(import_string(job.task_path), "enqueue")
