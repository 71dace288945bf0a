"""The worker killed (kill -9) in the middle of a batch of e-mails, then a new worker started:
every message is delivered exactly once, or visibly failed. None lost, none sent twice.

The real worker (``filiform worker``) runs as a subprocess against a file database (SQLite: a
copy of the test database; PostgreSQL: the test database itself) and a real local SMTP server.
The kill is deterministic: the SMTP server holds the fourth message's conversation open (it does
not answer MAIL FROM) and the test kills the worker while it waits there, after three messages
were accepted. The new worker releases the dead worker's task once its lease expires
(operations/leases.py) and goes on; the message the dead worker was sending is marked failed,
since nobody can know whether it arrived, and a person can send it again."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from django.db import connection

from filiform.consent.models import ConsentSigningRequest
from filiform.consent.remote import signing_request_create
from filiform.notices.models import MessageStatus, OutboxMessage
from filiform.notices.outbox import INTERRUPTED, message_queue
from filiform.operations.models import ScheduledJob
from filiform.operations.schedule import DAILY_JOBS
from tests.conftest import World, _free_port
from tests.consent.helpers import access_of
from tests.factories import PatientFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.real_clock]
ROOT = Path(__file__).resolve().parents[2]
PATIENTS, STAFF_MESSAGES, ACCEPTED_BEFORE_KILL = 6, 2, 3
DEADLINE = 90.0  # seconds: only a bound on waiting for a broken worker, never a measure
UNFINISHED = ("queued", "sending", "retrying")
WORKER = (sys.executable, "-m", "filiform.cli", "worker", "--no-reload", "--no-startup-delay")


class StallingMailbox(Message):
    """Accepts messages, but holds the conversation of message ``stall_at + 1`` at MAIL FROM
    until released."""

    def __init__(self, stall_at: int) -> None:
        super().__init__()
        self.received: list[Any] = []
        self.stall_at = stall_at
        self.stalled = threading.Event()
        self.release = threading.Event()

    async def handle_MAIL(self, server, session, envelope, address, mail_options) -> str:
        if len(self.received) == self.stall_at and not self.release.is_set():
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
            return "421 Closing"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    def handle_message(self, message: Any) -> None:
        self.received.append(message)


def _wait(until: Callable[[], bool], what: str) -> None:
    give_up = time.monotonic() + DEADLINE
    while not until():
        assert time.monotonic() < give_up, f"gave up waiting for {what}"
        time.sleep(0.05)


class Database:
    """The database as the worker subprocess sees it."""

    def __init__(self, tmp_path: Path) -> None:
        self.data_dir = tmp_path / "data"
        self.data_dir.mkdir()
        self.sqlite = connection.vendor == "sqlite"
        self.file = self.data_dir / "filiform.sqlite3"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["FILIFORM_DATA_DIR"] = str(self.data_dir)
        if not self.sqlite:
            s = connection.settings_dict
            user, password = quote(s["USER"] or "", safe=""), quote(s["PASSWORD"] or "", safe="")
            env["DATABASE_URL"] = (
                f"postgres://{user}:{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
                f"/{s['NAME']}"
            )
        return env

    def hand_over(self) -> None:
        if self.sqlite:  # the in-memory test database, copied to the file the worker opens
            connection.ensure_connection()
            with closing(sqlite3.connect(self.file)) as target:
                connection.connection.backup(target)

    def unfinished(self) -> int:
        query = "SELECT COUNT(*) FROM notices_outboxmessage WHERE status IN (%s, %s, %s)"
        if self.sqlite:
            with closing(sqlite3.connect(self.file, timeout=20)) as db:
                return int(db.execute(query.replace("%s", "?"), UNFINISHED).fetchone()[0])
        with connection.cursor() as cursor:
            cursor.execute(query, UNFINISHED)
            return int(cursor.fetchone()[0])

    def take_back(self) -> None:
        if self.sqlite:
            with closing(sqlite3.connect(self.file)) as source:
                source.backup(connection.connection)


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*WORKER, "--interval", "0.1", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _a_batch_of_sends(world: World) -> None:
    """Signing links to six patients and two staff e-mails, each to its own address; no daily
    job is due (they would send e-mails of their own)."""
    for job in DAILY_JOBS:
        ScheduledJob.objects.update_or_create(
            name=job.name, defaults={"last_day": dt.date(9999, 1, 1)}
        )
    bob = access_of(world.bob, world.clinic)
    for n in range(PATIENTS):
        patient = PatientFactory.create(
            clinic=world.clinic, email=f"patient{n}@patient.test", email_ok=True
        )
        signing_request_create(
            access=bob,
            patient_id=patient.pk,
            risks_discussed=True,
            benefits_discussed=True,
            alternatives_discussed=True,
            discussion_method="phone",
        )
    for n in range(STAFF_MESSAGES):
        message_queue(
            clinic_id=world.clinic.pk,
            purpose="test",
            to=[f"staff{n}@clinic.test"],
            subject="Staff message",
            body="Hello",
        )


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(
    world: World, tmp_path: Path
) -> None:
    _a_batch_of_sends(world)
    mailbox = StallingMailbox(stall_at=ACCEPTED_BEFORE_KILL)
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    database = Database(tmp_path)
    env = database.env() | {
        "DJANGO_SETTINGS_MODULE": "filiform.settings",
        "FILIFORM_EMAIL_HOST": "127.0.0.1",
        "FILIFORM_EMAIL_PORT": str(port),
        "FILIFORM_WORKER_HEARTBEAT_SECONDS": "1",
        "FILIFORM_TASK_LEASE_SECONDS": "2",
    }
    database.hand_over()
    try:
        first = _worker(env)
        _wait(lambda: mailbox.stalled.is_set() or first.poll() is not None, "the fourth send")
        assert first.poll() is None, first.stderr.read() if first.stderr else ""
        assert len(mailbox.received) == ACCEPTED_BEFORE_KILL
        os.kill(first.pid, signal.SIGKILL)  # mid-send: the worker never hears back
        first.wait()
        mailbox.release.set()

        second = _worker(env)
        try:
            _wait(lambda: database.unfinished() == 0 or second.poll() is not None, "the rest")
            assert second.poll() is None, second.stderr.read() if second.stderr else ""
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=DEADLINE)
    finally:
        mailbox.release.set()
        controller.stop()
    database.take_back()

    delivered = Counter(m["To"] for m in mailbox.received)
    messages = list(OutboxMessage.objects.all())
    assert len(messages) == PATIENTS + STAFF_MESSAGES
    assert max(delivered.values()) == 1  # nothing sent twice
    for message in messages:
        (to,) = message.to
        if message.status == MessageStatus.SENT:
            assert delivered[to] == 1, to
        else:  # the one being sent when the worker died: visibly failed, not lost
            assert message.status == MessageStatus.FAILED, (to, message.status)
            assert message.last_error == INTERRUPTED
            assert delivered[to] == 0, to
    statuses = Counter(m.status for m in messages)
    assert statuses == {MessageStatus.SENT: 7, MessageStatus.FAILED: 1}
    # A signing link is marked sent exactly when its e-mail went.
    for request in ConsentSigningRequest.objects.all():
        assert (request.sent_at is not None) == (delivered[request.email] == 1)
        assert (request.token_hash is not None) == (delivered[request.email] == 1)
