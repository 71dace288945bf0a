"""A task only the tests enqueue, to prove the worker runs queued work."""

from django_tasks import task


@task()
def add(a: int, b: int) -> int:
    return a + b
